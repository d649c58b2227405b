//! What the tools return, as structured content with a JSON schema (the `outputSchema` a
//! client sees in `tools/list`).

use schemars::JsonSchema;
use serde::Serialize;

use super::interp::PyError;

/// The outcome of `run_python` or `run_shell`.
#[derive(Serialize, JsonSchema, Debug, Default)]
pub struct RunReport {
    /// The session the code ran in; pass it to later calls to keep its state and files.
    pub session_id: String,
    /// Whether this call created the session.
    pub new_session: bool,
    pub stdout: String,
    pub stderr: String,
    /// `repr()` of the value of the code's last line when it is an expression (and not None).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The exception the code raised, with its traceback (Python).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<PyError>,
    /// 0 on success; Python: 1 when the code raised; shell: the command's status;
    /// -1 when the call was killed (timed_out).
    pub exit_code: i32,
    /// The call ran past the timeout and was killed (Python: the interpreter was
    /// restarted and earlier state is lost; see notes).
    pub timed_out: bool,
    /// Output went past the cap and was cut.
    pub truncated: bool,
    /// Wall time of the call, in milliseconds.
    pub duration_ms: f64,
    /// CPU time (user + system) the call used, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<f64>,
    /// Peak resident memory during the call, in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_memory_bytes: Option<u64>,
    /// Files under the data directory that the call created (relative paths).
    pub files_created: Vec<String>,
    /// Files under the data directory that the call changed.
    pub files_changed: Vec<String>,
    /// Things the caller should know, e.g. that interpreter state was lost.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A file in a session's data directory.
#[derive(Serialize, JsonSchema, Debug, Clone)]
pub struct Artifact {
    /// Path relative to the data directory (what read_artifact takes).
    pub path: String,
    pub size: u64,
    pub mime_type: String,
    /// A loopback URL that downloads the file (absent when the artifact server is off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
}

#[derive(Serialize, JsonSchema, Debug)]
pub struct ArtifactList {
    pub session_id: String,
    /// The data directory inside the sandbox.
    pub data_dir: String,
    pub artifacts: Vec<Artifact>,
    /// More files exist than were listed.
    pub truncated: bool,
}

#[derive(Serialize, JsonSchema, Debug)]
pub struct ArtifactContent {
    pub path: String,
    pub size: u64,
    pub mime_type: String,
    pub content_base64: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
}

#[derive(Serialize, JsonSchema, Debug)]
pub struct Uploaded {
    pub session_id: String,
    /// Where the file is, relative to the data directory (the code's working directory).
    pub path: String,
    pub size: u64,
}

#[derive(Serialize, JsonSchema, Debug)]
pub struct Closed {
    pub session_id: String,
    pub closed: bool,
}
