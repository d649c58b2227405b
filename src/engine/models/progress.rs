//! The JSON lines of streamed answers (`POST /build`, `POST /images/load`) and the engines'
//! error body.

use serde::Deserialize;

use super::nullable;

/// One line of a build or load answer (`BuildInfo` in the API). A failure arrives as a line
/// with `error` inside a 200 answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ProgressLine {
    /// Output of the build steps, or "Loaded image: x" lines of a load.
    pub(crate) stream: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) error: Option<String>,
    #[serde(rename = "errorDetail", deserialize_with = "nullable")]
    pub(crate) error_detail: ErrorDetail,
    /// The built image (`{"ID": "sha256:..."}`), on Docker.
    #[serde(deserialize_with = "nullable")]
    pub(crate) aux: Aux,
}

impl ProgressLine {
    /// The failure this line reports, if any: the detail when it has one, else `error`.
    pub(crate) fn failure(&self) -> Option<&str> {
        let err = self.error.as_deref()?;
        let detail = self.error_detail.message.as_deref();
        Some(detail.filter(|d| !d.is_empty()).unwrap_or(err).trim())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ErrorDetail {
    pub(crate) message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Aux {
    #[serde(rename = "ID")]
    pub(crate) id: Option<String>,
}

/// How both engines answer an error (Podman adds `cause` and `response`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ErrorResponse {
    pub(crate) message: Option<String>,
}
