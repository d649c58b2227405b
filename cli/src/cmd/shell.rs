//! `shell`: an interactive terminal in a sandbox through the engine API (an exec with a
//! TTY; never a docker or podman CLI): raw mode, the window size forwarded as it changes,
//! the shell's exit status passed through.

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use clap::Args;
use crossterm::terminal;
use pocketdock::{TerminalControl, TerminalOptions};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use crate::ctx::{stopped_as, Ctx};
use crate::error::{code, CliError, CliResult};

/// bash where the sandbox has it, else sh (exec: the shell is the terminal's program).
const DEFAULT_SHELL: &str = "if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi";

#[derive(Args, Debug)]
pub struct ShellArgs {
    /// The sandbox (name or id)
    pub container: String,
    /// The program to run, as a shell command line [default: bash if the sandbox has it, else sh]
    #[arg(long)]
    pub cmd: Option<String>,
    /// User to run as [default: the image's]
    #[arg(short, long)]
    pub user: Option<String>,
    /// Working directory [default: the image's]
    #[arg(short, long)]
    pub workdir: Option<String>,
}

/// Leaves raw mode however the shell ends (error paths included).
struct RawMode(bool);

impl Drop for RawMode {
    fn drop(&mut self) {
        if self.0 {
            let _ = terminal::disable_raw_mode();
        }
    }
}

pub async fn shell(ctx: &Ctx, a: ShellArgs) -> CliResult<u8> {
    if !std::io::stdin().is_terminal() {
        return Err(
            CliError::new(code::USAGE, "shell needs a terminal on stdin")
                .hint("to feed commands from a pipe, use `pocketdock run --stdin <box> bash`"),
        );
    }
    let client = ctx.client().await?;
    let c = ctx.running(&client, &a.container).await?;
    let term = std::env::var("TERM").unwrap_or_else(|_| "xterm".into());
    let opts = TerminalOptions {
        env: vec![("TERM".into(), term)],
        workdir: a.workdir,
        user: a.user,
    };
    let line = a.cmd.as_deref().unwrap_or(DEFAULT_SHELL);
    let argv = ["sh".to_owned(), "-c".to_owned(), line.to_owned()];
    let t = c
        .open_terminal(&argv, &opts)
        .await
        .map_err(stopped_as(&a.container))?;
    let _raw = RawMode(terminal::enable_raw_mode().is_ok());
    let resizer = tokio::spawn(follow_size(t.control.clone()));
    pump_input(t.input);
    let mut output = t.output;
    let mut stdout = std::io::stdout();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = output
            .read(&mut buf)
            .await
            .map_err(|e| CliError::io("reading the terminal", e))?;
        if n == 0 {
            break;
        }
        if stdout.write_all(&buf[..n]).is_err() || stdout.flush().is_err() {
            break;
        }
    }
    resizer.abort();
    drop(_raw);
    match t.control.exit_code().await? {
        Some(code) => Ok(u8::try_from(code).unwrap_or(255)),
        None => Err(CliError::new(
            code::FAILURE,
            "the shell's exit status is unknown",
        )),
    }
}

/// Keystrokes to the sandbox. stdin is read on a thread of its own (a blocking read); the
/// process exits when the shell does, ending it.
fn pump_input(mut input: Box<dyn tokio::io::AsyncWrite + Send + Unpin>) {
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(64);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0u8; 4096];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.blocking_send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    tokio::spawn(async move {
        while let Some(bytes) = rx.recv().await {
            if tokio::io::AsyncWriteExt::write_all(&mut input, &bytes)
                .await
                .is_err()
            {
                return;
            }
        }
    });
}

/// Sends the window size now and whenever it changes (polled: no signal handler needed).
async fn follow_size(control: TerminalControl) {
    let mut last = (0, 0);
    loop {
        if let Ok((cols, rows)) = terminal::size() {
            if (rows, cols) != last && control.resize(rows, cols).await.is_ok() {
                last = (rows, cols);
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
