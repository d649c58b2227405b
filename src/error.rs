//! The one error type of the crate. Every layer returns [`Error`]; callers branch on
//! [`Error::kind`], and the C ABI maps that kind to a `pd_status` in one place.

use std::fmt;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in pocketdock.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No engine socket answered `/_ping`.
    #[error("no container engine found (tried: {tried}); {hint}")]
    EngineNotFound { tried: String, hint: String },
    /// The named container does not exist on the engine.
    #[error("container not found: {0}")]
    ContainerNotFound(String),
    /// The container exists but is not running.
    #[error("container is not running: {0}")]
    ContainerNotRunning(String),
    /// A container this handle created was removed behind its back.
    #[error("container was removed outside pocketdock: {0}")]
    ContainerGone(String),
    /// The image is not present locally (pocketdock never pulls implicitly).
    #[error("image not found locally: {0} (build or load it first; pocketdock does not pull)")]
    ImageNotFound(String),
    /// A file or directory does not exist (in the container or on the host, as the message says).
    #[error("file not found: {0}")]
    FileNotFound(String),
    /// Another container already has this name.
    #[error("a container named {0:?} already exists")]
    NameConflict(String),
    /// An operation did not finish in time.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The caller passed something unusable.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The call is not allowed in the current state (e.g. a blocking call from a runtime thread).
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// Socket or file I/O failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The engine answered with an error we have no better name for.
    #[error("engine error (HTTP {status}): {message}")]
    Engine { status: u16, message: String },
    /// An image build failed (a step exited non-zero, a bad Dockerfile, a missing base):
    /// the engine's message.
    #[error("image build failed: {0}")]
    BuildFailed(String),
    /// A bug or an unexpected answer: please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

/// What kind of failure an [`Error`] is, for callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    EngineNotFound,
    ContainerNotFound,
    ContainerNotRunning,
    ContainerGone,
    ImageNotFound,
    NameConflict,
    FileNotFound,
    Timeout,
    InvalidArgument,
    InvalidState,
    Io,
    Engine,
    Internal,
    BuildFailed,
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::EngineNotFound { .. } => ErrorKind::EngineNotFound,
            Error::ContainerNotFound(_) => ErrorKind::ContainerNotFound,
            Error::ContainerNotRunning(_) => ErrorKind::ContainerNotRunning,
            Error::ContainerGone(_) => ErrorKind::ContainerGone,
            Error::ImageNotFound(_) => ErrorKind::ImageNotFound,
            Error::NameConflict(_) => ErrorKind::NameConflict,
            Error::FileNotFound(_) => ErrorKind::FileNotFound,
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::InvalidState(_) => ErrorKind::InvalidState,
            Error::Io(_) => ErrorKind::Io,
            Error::Engine { .. } => ErrorKind::Engine,
            Error::Internal(_) => ErrorKind::Internal,
            Error::BuildFailed(_) => ErrorKind::BuildFailed,
        }
    }

    /// The engine's HTTP status, when the error came from an engine answer.
    pub fn engine_status(&self) -> Option<u16> {
        match self {
            Error::Engine { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub(crate) fn invalid(msg: impl fmt::Display) -> Error {
        Error::InvalidArgument(msg.to_string())
    }

    pub(crate) fn internal(msg: impl fmt::Display) -> Error {
        Error::Internal(msg.to_string())
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
