//! `push` and `pull`: files between the host and a sandbox.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::ctx::{stopped_as, Ctx};
use crate::error::{code, CliError, CliResult};
use crate::progress::Spinner;

#[derive(Args, Debug)]
pub struct PushArgs {
    /// The sandbox (name or id)
    pub container: String,
    /// Host file or directory
    pub src: PathBuf,
    /// Destination path in the sandbox
    pub dest: String,
}

#[derive(Args, Debug)]
pub struct PullArgs {
    /// The sandbox (name or id)
    pub container: String,
    /// File or directory in the sandbox
    pub src: String,
    /// Host destination
    pub dest: PathBuf,
}

pub async fn push(ctx: &Ctx, a: PushArgs) -> CliResult<()> {
    if !a.src.exists() {
        return Err(CliError::new(
            code::NOT_FOUND,
            format!("no such file or directory on the host: {}", a.src.display()),
        ));
    }
    let client = ctx.client().await?;
    let c = ctx.running(&client, &a.container).await?;
    let spin = Spinner::start(
        ctx,
        format!("copying {} to {}:{}", a.src.display(), c.name(), a.dest),
    );
    let r = c
        .push(&a.src, &a.dest)
        .await
        .map_err(stopped_as(&a.container));
    spin.finish();
    r?;
    ctx.out.done(
        &format!("Copied {} -> {}:{}", a.src.display(), c.name(), a.dest),
        &json!({"container": c.name(), "src": a.src, "dest": a.dest}),
    )
}

pub async fn pull(ctx: &Ctx, a: PullArgs) -> CliResult<()> {
    let client = ctx.client().await?;
    let c = ctx.running(&client, &a.container).await?;
    let spin = Spinner::start(
        ctx,
        format!("copying {}:{} to {}", c.name(), a.src, a.dest.display()),
    );
    let r = c
        .pull(&a.src, &a.dest)
        .await
        .map_err(stopped_as(&a.container));
    spin.finish();
    r?;
    ctx.out.done(
        &format!("Copied {}:{} -> {}", c.name(), a.src, a.dest.display()),
        &json!({"container": c.name(), "src": a.src, "dest": a.dest}),
    )
}
