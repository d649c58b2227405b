//! One module per command group; `dispatch` sends each command to its module.

pub mod box_life;
pub mod create;
pub mod files;
pub mod images;
pub mod inspect;
pub mod meta;
pub mod project;
pub mod run;
pub mod shell;

use crate::args::{Cli, Command};
use crate::ctx::Ctx;
use crate::error::CliResult;

/// Runs the command; `Ok` carries the exit status.
pub async fn dispatch(cli: Cli) -> CliResult<u8> {
    let ctx = Ctx::new(cli.global);
    let ok = |r: CliResult<()>| r.map(|()| 0);
    match cli.command {
        Command::Quickstart => ok(project::quickstart(&ctx)),
        Command::Init(a) => ok(project::init(&ctx, a)),
        Command::Create(a) => ok(create::create(&ctx, a).await),
        Command::Run(a) => run::run(&ctx, a).await,
        Command::Attach(a) => run::attach(&ctx, a).await,
        Command::Ps(a) => ok(run::ps(&ctx, a).await),
        Command::Kill(a) => ok(run::kill(&ctx, a).await),
        Command::Push(a) => ok(files::push(&ctx, a).await),
        Command::Pull(a) => ok(files::pull(&ctx, a).await),
        Command::Info(a) => ok(inspect::info(&ctx, a).await),
        Command::List(a) => ok(inspect::list(&ctx, a).await),
        Command::Status => ok(project::status(&ctx).await),
        Command::Logs(a) => ok(project::logs(&ctx, a).await),
        Command::Reboot(a) => ok(box_life::reboot(&ctx, a).await),
        Command::Stop(a) => ok(box_life::stop(&ctx, a).await),
        Command::Resume(a) => ok(box_life::resume(&ctx, a).await),
        Command::Shutdown(a) => ok(box_life::shutdown(&ctx, a).await),
        Command::Destroy(a) => ok(box_life::destroy(&ctx, a).await),
        Command::Snapshot(a) => ok(box_life::snapshot(&ctx, a).await),
        Command::Prune(a) => ok(box_life::prune(&ctx, a).await),
        Command::Doctor(a) => ok(project::doctor(&ctx, a).await),
        Command::Shell(a) => shell::shell(&ctx, a).await,
        Command::Build(a) => ok(images::build(&ctx, a).await),
        Command::Export(a) => ok(images::export(&ctx, a).await),
        Command::Import(a) => ok(images::import(&ctx, a).await),
        Command::Profiles => ok(images::profiles(&ctx)),
        Command::Engine => ok(inspect::engine(&ctx).await),
        Command::Completions(a) => ok(meta::completions(a)),
        Command::Man(a) => ok(meta::man(a)),
        // `main` runs it on a runtime of its own before getting here.
        Command::Mcp(_) => Err(crate::error::CliError::new(1, "mcp runs from main")),
    }
}
