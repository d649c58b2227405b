//! Blocking runs: a command in, an [`ExecResult`] out, with a timeout that kills and an output
//! cap that bounds memory. A blocking run is the run's event stream (`stream.rs`) collected
//! under the cap; each execution path has one driver (`agent_run.rs`, `engine_exec.rs`).

pub(crate) mod agent_run;
pub(crate) mod engine_exec;
pub(crate) mod kill;
mod kill_all;
pub mod options;
pub mod result;
pub mod terminal;

use std::borrow::Borrow;

use crate::container::Container;
use crate::error::{Error, Result};
use crate::hooks::{Command, RunKind};
pub use options::{Lang, RunOptions, DEFAULT_MAX_OUTPUT};
pub use result::{ExecResult, ResourceUsage};

impl Container {
    /// Runs `command` (interpreted by `opts.lang`, `sh -c` by default) and waits for it.
    /// `opts` may be given by value or by reference, so runs on several containers can be
    /// awaited together:
    ///
    /// ```no_run
    /// # async fn demo(a: pocketdock::Container, b: pocketdock::Container) {
    /// use pocketdock::RunOptions;
    /// let (x, y) = tokio::join!(
    ///     a.run("echo a", RunOptions::default()),
    ///     b.run(format!("echo {}", 2), RunOptions::default()),
    /// );
    /// # }
    /// ```
    ///
    /// On timeout the command and every process it started are killed before this returns,
    /// the output so far is kept, `timed_out` is set and `exit_code` is -1. Output beyond
    /// `max_output` is dropped, `truncated` is set and the command is killed. Dropping the
    /// returned future before it completes (e.g. under `tokio::time::timeout`) kills the
    /// command and everything it started, as a timeout does.
    pub async fn run(
        &self,
        command: impl AsRef<str>,
        opts: impl Borrow<RunOptions>,
    ) -> Result<ExecResult> {
        let opts = opts.borrow();
        opts.validate()?;
        self.run_argv(opts.lang.argv(command.as_ref()), opts).await
    }

    /// Runs `argv` directly, without any shell (the program is looked up in PATH). On the
    /// agent path this works in images that have no shell at all.
    pub async fn run_argv(
        &self,
        argv: impl AsRef<[String]>,
        opts: impl Borrow<RunOptions>,
    ) -> Result<ExecResult> {
        let (argv, opts) = (argv.as_ref(), opts.borrow());
        check_argv(argv, opts)?;
        let result = match self.agent() {
            // The agent driver, in place (see agent_run.rs).
            Some(_) => {
                let timeout = opts.timeout.unwrap_or(self.default_timeout());
                agent_run::run(self, argv, opts, timeout).await
            }
            // The engine-exec driver's stream, collected: its ~100 ms dwarf the task hop.
            None => match self.start_run(argv, opts, false).await {
                Ok(stream) => stream.collect(opts.max_output).await,
                Err(e) => Err(e),
            },
        };
        crate::hooks::record(self.observer(), RunKind::Run, Command::Argv(argv), &result);
        result
    }
}

/// Checks a run's argv and options.
pub(crate) fn check_argv(argv: &[String], opts: &RunOptions) -> Result<()> {
    opts.validate()?;
    if argv.is_empty() || argv[0].is_empty() {
        return Err(Error::invalid("argv must name a program"));
    }
    if argv.iter().any(|a| a.contains('\0')) {
        return Err(Error::invalid("argv must not contain NUL bytes"));
    }
    Ok(())
}
