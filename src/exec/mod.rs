//! Blocking runs: a command in, an [`ExecResult`] out, with a timeout that kills and an output
//! cap that bounds memory.

pub(crate) mod agent_run;
pub(crate) mod engine_exec;
pub(crate) mod kill;
pub mod options;
pub mod result;

use std::time::{Duration, Instant};

use crate::container::Container;
use crate::error::{Error, Result};
use crate::hooks::{Command, RunKind};
use engine_exec::{exec_collect, Ending, Exec};
pub use options::{Lang, RunOptions, DEFAULT_MAX_OUTPUT};
pub use result::{ExecResult, ResourceUsage};

impl Container {
    /// Runs `command` (interpreted by `opts.lang`, `sh -c` by default) and waits for it.
    ///
    /// On timeout the command and every process it started are killed before this returns,
    /// the output so far is kept, `timed_out` is set and `exit_code` is -1. Output beyond
    /// `max_output` is dropped, `truncated` is set and the command is killed.
    pub async fn run(&self, command: &str, opts: &RunOptions) -> Result<ExecResult> {
        opts.validate()?;
        self.run_argv(&opts.lang.argv(command), opts).await
    }

    /// Runs `argv` directly, without any shell (the program is looked up in PATH). On the
    /// agent path this works in images that have no shell at all.
    pub async fn run_argv(&self, argv: &[String], opts: &RunOptions) -> Result<ExecResult> {
        check_argv(argv, opts)?;
        let timeout = opts.timeout.unwrap_or(self.default_timeout());
        let result = match self.agent() {
            Some(_) => agent_run::run(self, argv, opts, timeout).await,
            None => self.run_engine_exec(argv, opts, timeout).await,
        };
        crate::hooks::record(self.observer(), RunKind::Run, Command::Argv(argv), &result);
        result
    }

    async fn run_engine_exec(
        &self,
        argv: &[String],
        opts: &RunOptions,
        timeout: Duration,
    ) -> Result<ExecResult> {
        if opts.stdin.is_some() {
            return Err(Error::invalid(
                "stdin data needs the agent (this container runs without it)",
            ));
        }
        let started = Instant::now();
        let run_id = crate::container::labels::random_name();
        let mut env = opts.env_entries();
        env.push(kill::marker(&run_id));
        let user = opts.user.as_deref().or(self.default_user());
        let (ending, out, exec_id) = exec_collect(
            self,
            Exec {
                argv,
                env: &env,
                workdir: opts.workdir.as_deref(),
                user,
                deadline: started + timeout,
            },
            opts.max_output,
        )
        .await?;
        let exit_code = match ending {
            Ending::Finished => engine_exec::exit_code(self, &exec_id).await?.unwrap_or(-1),
            Ending::TimedOut | Ending::OverCap | Ending::Cancelled => {
                kill::kill_run(self, &run_id, user).await?;
                -1
            }
        };
        Ok(ExecResult {
            exit_code,
            stdout: out.stdout,
            stderr: out.stderr,
            duration_ms: started.elapsed().as_millis() as u64,
            timed_out: ending == Ending::TimedOut,
            truncated: out.truncated,
            ..ExecResult::default()
        })
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
