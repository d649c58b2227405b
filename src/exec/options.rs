//! How to run a command: language, timeout, output cap.

use std::str::FromStr;
use std::time::Duration;

use crate::error::{Error, Result};

/// The reference's output cap: stdout and stderr together.
pub const DEFAULT_MAX_OUTPUT: usize = 10 * 1024 * 1024;

/// What interprets the command string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// `sh -c` (the default).
    #[default]
    Sh,
    /// `bash -c`.
    Bash,
    /// `python3 -c`.
    Python,
    /// `node -e`.
    Node,
    /// `bun -e` (JavaScript or TypeScript; the minimal-bun profile). Also `ts`.
    Bun,
}

impl Lang {
    /// The argv that runs `code` in this language.
    pub fn argv(self, code: &str) -> Vec<String> {
        let (prog, flag) = match self {
            Lang::Sh => ("sh", "-c"),
            Lang::Bash => ("bash", "-c"),
            Lang::Python => ("python3", "-c"),
            Lang::Node => ("node", "-e"),
            Lang::Bun => ("bun", "-e"),
        };
        vec![prog.to_owned(), flag.to_owned(), code.to_owned()]
    }
}

impl FromStr for Lang {
    type Err = Error;

    fn from_str(s: &str) -> Result<Lang> {
        match s {
            "sh" => Ok(Lang::Sh),
            "bash" => Ok(Lang::Bash),
            "python" | "python3" => Ok(Lang::Python),
            "node" | "javascript" | "js" => Ok(Lang::Node),
            "bun" | "ts" | "typescript" => Ok(Lang::Bun),
            other => Err(Error::invalid(format!(
                "unknown lang {other:?}: use sh, bash, python, node or bun (ts)"
            ))),
        }
    }
}

/// Options of one run. `Default`: `sh -c`, the container's timeout, 10 MiB of output, the
/// image's user and working directory, no stdin.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// `None`: the container's default timeout.
    pub timeout: Option<Duration>,
    /// Cap on stdout+stderr bytes kept; beyond it output is dropped and the command killed.
    pub max_output: usize,
    pub lang: Lang,
    /// Extra environment variables for this run.
    pub env: Vec<(String, String)>,
    /// Working directory of this run.
    pub workdir: Option<String>,
    /// `name`, `uid`, `name:group` or `uid:gid`; `None`: the image's user.
    pub user: Option<String>,
    /// Bytes written to the command's stdin (then closed). Needs the agent.
    pub stdin: Option<Vec<u8>>,
    /// Detached processes only: bytes of output the sandbox keeps (split between stdout
    /// and stderr; the oldest are dropped).
    pub buffer_size: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            timeout: None,
            max_output: DEFAULT_MAX_OUTPUT,
            lang: Lang::Sh,
            env: Vec::new(),
            workdir: None,
            user: None,
            stdin: None,
            buffer_size: crate::process::DEFAULT_BUFFER_SIZE,
        }
    }
}

impl RunOptions {
    /// Adds an environment variable for this run, refusing a name no process could hold.
    pub fn add_env(&mut self, key: impl Into<String>, value: impl Into<String>) -> Result<()> {
        let key = key.into();
        crate::container::checks::env_name(&key)?;
        self.env.push((key, value.into()));
        Ok(())
    }

    /// The run's environment as `KEY=VALUE` entries.
    pub(crate) fn env_entries(&self) -> Vec<String> {
        self.env.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::invalid("timeout must be positive"));
        }
        crate::container::options::check_env_names(&self.env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn langs_parse_and_build_argv() {
        assert_eq!(
            "python".parse::<Lang>().unwrap().argv("x"),
            ["python3", "-c", "x"]
        );
        assert_eq!(
            "node".parse::<Lang>().unwrap().argv("x"),
            ["node", "-e", "x"]
        );
        assert_eq!("bash".parse::<Lang>().unwrap(), Lang::Bash);
        assert_eq!("ts".parse::<Lang>().unwrap().argv("x"), ["bun", "-e", "x"]);
        assert_eq!(Lang::default().argv("x"), ["sh", "-c", "x"]);
        assert!("cobol".parse::<Lang>().is_err());
    }
}
