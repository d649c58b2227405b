//! What a failure looks like: one line on stderr (what went wrong, then what to do) and a
//! documented exit status (docs/cli.md, "Exit status").

use std::process::ExitCode;

use pocketdock::ErrorKind;

/// pocketdock's own failure statuses. Commands that pass a command's status through
/// (`run`, `attach`, `shell`) use [`PASSTHROUGH_FAILURE`] instead, so that their own failures
/// are never mistaken for the command's.
pub mod code {
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NOT_FOUND: u8 = 3;
    pub const NOT_RUNNING: u8 = 4;
    pub const NO_ENGINE: u8 = 5;
    pub const NOT_CONFIRMED: u8 = 6;
    pub const TIMEOUT: u8 = 7;
    pub const CONFLICT: u8 = 8;
}

/// What `run`, `attach` and `shell` exit with when pocketdock itself failed (as `docker
/// run` does with 125).
pub const PASSTHROUGH_FAILURE: u8 = 125;

#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
    pub hint: Option<String>,
}

pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    pub fn new(code: u8, message: impl Into<String>) -> CliError {
        CliError {
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn io(what: &str, e: std::io::Error) -> CliError {
        CliError::new(code::FAILURE, format!("{what}: {e}"))
    }

    pub fn hint(mut self, hint: impl Into<String>) -> CliError {
        self.hint = Some(hint.into());
        self
    }

    /// A stopped container, named as the user typed it.
    pub fn stopped(name: &str) -> CliError {
        CliError::new(code::NOT_RUNNING, format!("container {name} is stopped"))
            .hint(format!("start it with `pocketdock resume {name}`"))
    }

    /// Prints the one line and gives the exit status.
    pub fn report(&self, passes_status: bool) -> ExitCode {
        let mut line = format!("pocketdock: error: {}", self.message);
        if let Some(h) = &self.hint {
            line.push_str("; ");
            line.push_str(h);
        }
        eprintln!("{}", line.replace('\n', " "));
        let refused_before_running = self.code == code::USAGE || self.code == code::NOT_CONFIRMED;
        if passes_status && !refused_before_running {
            ExitCode::from(PASSTHROUGH_FAILURE)
        } else {
            ExitCode::from(self.code)
        }
    }
}

impl From<pocketdock::Error> for CliError {
    fn from(e: pocketdock::Error) -> CliError {
        let message = e.to_string();
        let (code, hint) = match e.kind() {
            ErrorKind::EngineNotFound => (code::NO_ENGINE, None),
            ErrorKind::ContainerNotFound | ErrorKind::ContainerGone => (
                code::NOT_FOUND,
                Some("`pocketdock list` shows the sandboxes".to_owned()),
            ),
            ErrorKind::ImageNotFound => (
                code::NOT_FOUND,
                Some("build it with `pocketdock build <profile>` or load it with `pocketdock import`".to_owned()),
            ),
            ErrorKind::FileNotFound => (code::NOT_FOUND, None),
            ErrorKind::ContainerNotRunning => (
                code::NOT_RUNNING,
                Some("start it with `pocketdock resume <name>`".to_owned()),
            ),
            ErrorKind::NameConflict => (
                code::CONFLICT,
                Some("pick another --name, or remove the old one with `pocketdock destroy`".to_owned()),
            ),
            ErrorKind::Timeout => (code::TIMEOUT, None),
            ErrorKind::InvalidArgument => (code::USAGE, None),
            _ => (code::FAILURE, None),
        };
        CliError {
            code,
            message,
            hint,
        }
    }
}
