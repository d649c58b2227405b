//! Talking to the engine and nothing else: discovery, transport, the request funnel, the
//! typed models of its JSON documents, the multiplexed-stream decoder.

pub(crate) mod address;
pub(crate) mod archive;
pub(crate) mod deadline;
pub(crate) mod discover;
pub(crate) mod endpoint;
pub(crate) mod frames;
pub(crate) mod hijack;
pub(crate) mod models;
pub(crate) mod request;
pub(crate) mod ssh;
pub(crate) mod tls;
pub(crate) mod transport;

use std::path::PathBuf;

use transport::Transport;

/// Which engine answers on the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Docker,
    Podman,
}

/// What `/version` told us about the engine.
#[derive(Debug, Clone)]
pub struct EngineInfo {
    pub kind: EngineKind,
    /// The engine's own version, e.g. `4.3.1` or `20.10.24+dfsg1`.
    pub version: String,
    /// The highest API version the engine speaks, e.g. `1.41`.
    pub api_version: String,
    /// Where it was reached: its Unix socket, or the `tcp://` or `ssh://` address as given.
    pub socket: PathBuf,
}

/// A connected engine: the transport plus what we learned about it.
pub(crate) struct Engine {
    pub(crate) transport: Transport,
    pub(crate) info: EngineInfo,
    /// The agent volume, once known to exist on this engine.
    pub(crate) agent_volume: tokio::sync::OnceCell<String>,
    /// How long the engine may stay silent on a request (`request.rs` applies it).
    pub(crate) request_timeout: std::time::Duration,
}

impl Engine {
    /// The engine's address as the user gave it, for messages.
    pub(crate) fn label(&self) -> &str {
        self.transport.label()
    }
}
