//! The one error type of the crate. Every layer returns [`Error`]; callers branch on
//! [`Error::kind`], and the C ABI maps that kind to a `pd_status` in one place.

use std::fmt;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in pocketdock.
///
/// New variants may come in later versions (`#[non_exhaustive]`): match on the ones you
/// handle and keep a catch-all arm, or branch on [`Error::kind`]. A run whose command
/// fails, times out or is cut at the output cap is not an error: it is an
/// [`ExecResult`](crate::ExecResult) that says so.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No engine could be used: the explicit socket, or every socket discovery tried, did
    /// not answer `/_ping` (missing, refused, not an engine, or too slow). Returned by
    /// `Client::connect*` and by the calls that connect first (`create_new_container`,
    /// `doctor`).
    #[error("no container engine found (tried: {tried}); {hint}")]
    EngineNotFound {
        /// The sockets tried, in order, each with why it did not count.
        tried: String,
        /// What to do about it (start an engine, set `POCKETDOCK_SOCKET`, ...).
        hint: String,
    },
    /// No container of that name or id exists on the engine, or it is not pocketdock's:
    /// `get_container`, `resume_container` and friends on a wrong name, or any call on a
    /// handle after its own `shutdown` removed the container. Carries the name.
    #[error("container not found: {0}")]
    ContainerNotFound(String),
    /// The container exists but is stopped, and the call needs it running: a run, a file
    /// operation or a process call on a stopped persistent sandbox, or a run whose agent
    /// channel closed because the container stopped. `resume_container` starts it again.
    #[error("container is not running: {0}")]
    ContainerNotRunning(String),
    /// The container this handle refers to was removed by someone else (another client,
    /// `docker rm`, `doctor`): every later call on the handle says so. Carries the name.
    #[error("container was removed outside pocketdock: {0}")]
    ContainerGone(String),
    /// The image (or a profile's image) is not present locally: pocketdock never pulls.
    /// Returned by a create and by image calls; build or load the image first.
    #[error("image not found locally: {0} (build or load it first; pocketdock does not pull)")]
    ImageNotFound(String),
    /// A file or directory does not exist: in the container (`read_file`, `pull`,
    /// `list_files`) or on the host (`push`, a project directory, an image archive), as the
    /// message says.
    #[error("file not found: {0}")]
    FileNotFound(String),
    /// A create asked for a name another container already has (pocketdock's or not).
    #[error("a container named {0:?} already exists")]
    NameConflict(String),
    /// Something other than a run's own command did not finish in time (a run that times
    /// out is an `ExecResult` with `timed_out`): `Process::wait` with a limit on a process
    /// still running, a session command that ignored its interrupt, the agent not answering
    /// its greeting or staying silent past a run's timeout plus a safety margin.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The caller passed something unusable: a zero timeout, an empty argv or one with a
    /// NUL byte, a bad name, label, environment variable, memory limit, port, path or
    /// option combination (e.g. stdin without the agent). Nothing was done.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The call is not allowed in the current state: a blocking call from a runtime
    /// thread, a second command in a busy session, input to a session whose shell exited,
    /// a fresh reboot of a container without recorded options, a project's create with no
    /// project support installed.
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// Socket or file I/O failed: the engine connection broke, the agent channel closed
    /// during a call while the container still runs, or a host file could not be read or
    /// written. Carries the underlying `std::io::Error`.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The engine refused a request with a status pocketdock has no better name for (e.g.
    /// a 500 on create for a bad mount, a 400 on bad options).
    #[error("engine error (HTTP {status}): {message}")]
    Engine {
        /// The HTTP status of the engine's answer.
        status: u16,
        /// The engine's own message.
        message: String,
    },
    /// An image build failed (a step exited non-zero, a bad Dockerfile, a missing base):
    /// the engine's message.
    #[error("image build failed: {0}")]
    BuildFailed(String),
    /// A bug in pocketdock or an answer it did not expect (from the engine or the agent):
    /// please report it with the message.
    #[error("internal error: {0}")]
    Internal(String),
}

/// What kind of failure an [`Error`] is, for callers that branch on it; each kind is the
/// [`Error`] variant of the same name (see there for when it happens). New kinds may come
/// in later versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::EngineNotFound`].
    EngineNotFound,
    /// [`Error::ContainerNotFound`].
    ContainerNotFound,
    /// [`Error::ContainerNotRunning`].
    ContainerNotRunning,
    /// [`Error::ContainerGone`].
    ContainerGone,
    /// [`Error::ImageNotFound`].
    ImageNotFound,
    /// [`Error::NameConflict`].
    NameConflict,
    /// [`Error::FileNotFound`].
    FileNotFound,
    /// [`Error::Timeout`].
    Timeout,
    /// [`Error::InvalidArgument`].
    InvalidArgument,
    /// [`Error::InvalidState`].
    InvalidState,
    /// [`Error::Io`].
    Io,
    /// [`Error::Engine`].
    Engine,
    /// [`Error::Internal`].
    Internal,
    /// [`Error::BuildFailed`].
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
