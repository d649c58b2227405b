//! Blocking runs: a command in, an [`ExecResult`] out, with a timeout that kills and an output
//! cap that bounds memory.

mod engine_exec;
mod kill;
pub mod options;
pub mod result;

use std::time::Instant;

use crate::container::Container;
use crate::error::Result;
use engine_exec::{exec_collect, Ending, Exec};
pub use options::{Lang, RunOptions, DEFAULT_MAX_OUTPUT};
pub use result::ExecResult;

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

    async fn run_argv(&self, argv: &[String], opts: &RunOptions) -> Result<ExecResult> {
        let started = Instant::now();
        let timeout = opts.timeout.unwrap_or(self.default_timeout());
        let run_id = crate::container::labels::random_name();
        let env = [kill::marker(&run_id)];
        let (ending, out, exec_id) = exec_collect(
            self,
            Exec {
                argv,
                env: &env,
                deadline: started + timeout,
                max_output: opts.max_output,
            },
        )
        .await?;
        let exit_code = match ending {
            Ending::Finished => engine_exec::exit_code(self, &exec_id).await?.unwrap_or(-1),
            Ending::TimedOut | Ending::OverCap => {
                kill::kill_run(self, &run_id).await?;
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
        })
    }
}
