//! Engine execs: `POST /containers/{id}/exec`, `POST /exec/{id}/start`, `GET /exec/{id}/json`.

use serde::{Deserialize, Serialize};

use super::nullable;

/// The exec create body.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ExecCreate<'a> {
    pub(crate) attach_stdin: bool,
    pub(crate) attach_stdout: bool,
    pub(crate) attach_stderr: bool,
    pub(crate) tty: bool,
    pub(crate) cmd: &'a [String],
    /// `NAME=value` entries.
    pub(crate) env: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) working_dir: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<&'a str>,
}

/// The exec start body: attached (the output comes back on the answer), no TTY.
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ExecStart {
    pub(crate) detach: bool,
    pub(crate) tty: bool,
}

/// What `GET /exec/{id}/json` says of an exec. Docker sends `"ExitCode": null` while the
/// command runs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ExecInspect {
    #[serde(deserialize_with = "nullable")]
    pub(crate) running: bool,
    pub(crate) exit_code: Option<i32>,
}
