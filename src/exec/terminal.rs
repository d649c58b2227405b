//! Interactive terminals: an engine exec with a TTY, started over a hijacked connection, so
//! that a person can type into a sandbox (`pocketdock shell`). The agent has no PTY; the
//! engine allocates one, and with a TTY its output is raw bytes, not the multiplexed format.

use std::time::Duration;

use hyper::Method;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};

use crate::container::Container;
use crate::engine::models::{ExecCreate, ExecInspect};
use crate::engine::request::Subject;
use crate::error::{Error, Result};

/// How to open a terminal. `Default`: the image's user and working directory.
#[derive(Debug, Clone, Default)]
pub struct TerminalOptions {
    /// Extra environment variables (e.g. `TERM`).
    pub env: Vec<(String, String)>,
    pub workdir: Option<String>,
    /// `name`, `uid`, `name:group` or `uid:gid`; `None`: the image's user.
    pub user: Option<String>,
}

/// An open terminal: bytes typed go to `input`, the screen comes from `output`; `control`
/// resizes it and tells the exit status once `output` has ended.
pub struct Terminal {
    pub input: Box<dyn AsyncWrite + Send + Unpin>,
    pub output: Box<dyn AsyncRead + Send + Unpin>,
    pub control: TerminalControl,
}

/// Resizes a terminal and reads its exit status; cheap to clone.
#[derive(Clone)]
pub struct TerminalControl {
    container: Container,
    exec_id: String,
}

impl Container {
    /// Opens an interactive terminal running `argv` (e.g. `["bash"]`) in the sandbox, with a
    /// TTY the engine allocates. Closing `input` does not end it; the program's exit does
    /// (then `output` ends).
    pub async fn open_terminal(&self, argv: &[String], opts: &TerminalOptions) -> Result<Terminal> {
        crate::exec::check_argv(argv, &crate::RunOptions::default())?;
        crate::container::options::check_env_names(&opts.env)?;
        let env: Vec<String> = opts.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let body = ExecCreate {
            attach_stdin: true,
            attach_stdout: true,
            attach_stderr: true,
            tty: true,
            cmd: argv,
            env: &env,
            working_dir: opts.workdir.as_deref(),
            user: opts.user.as_deref().or(self.default_user()),
        };
        let exec_id = self.create_exec(&body).await?;
        let hijacked = self
            .engine()
            .hijack(
                &format!("/exec/{exec_id}/start"),
                &json!({"Detach": false, "Tty": true}),
                Subject::Exec(&exec_id),
            )
            .await
            .map_err(|e| self.explain(e))?;
        let (rd, wr) = tokio::io::split(hijacked.stream);
        let output = std::io::Cursor::new(hijacked.early).chain(rd);
        Ok(Terminal {
            input: Box::new(wr),
            output: Box::new(output),
            control: TerminalControl {
                container: self.clone(),
                exec_id,
            },
        })
    }
}

impl TerminalControl {
    /// Tells the program its window is now `rows` x `cols`.
    pub async fn resize(&self, rows: u16, cols: u16) -> Result<()> {
        if rows == 0 || cols == 0 {
            return Err(Error::invalid(
                "a terminal needs at least one row and one column",
            ));
        }
        self.container
            .engine()
            .call_unit(
                Method::POST,
                &format!("/exec/{}/resize?h={rows}&w={cols}", self.exec_id),
                None,
                Subject::Exec(&self.exec_id),
            )
            .await
    }

    /// The program's exit status, once it has ended (`None` while it runs). The engine may
    /// record the exit a moment after the output ends, so this waits up to 2 s for it.
    pub async fn exit_code(&self) -> Result<Option<i32>> {
        for _ in 0..40 {
            let doc: ExecInspect = self
                .container
                .engine()
                .call_json(
                    Method::GET,
                    &format!("/exec/{}/json", self.exec_id),
                    None,
                    Subject::Exec(&self.exec_id),
                )
                .await?;
            if !doc.running {
                return Ok(doc.exit_code);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(None)
    }
}
