//! The in-sandbox agent: the program itself lives in `daemon/` (built static by build.rs and
//! embedded here), the protocol in `wire.rs`; this side places it and talks to it.

pub(crate) mod conn;
pub(crate) mod place;
// Shared with the agent program, which uses the parts this side does not.
#[allow(dead_code)]
pub(crate) mod wire;

/// The agent binary, built by build.rs for this machine's architecture.
pub(crate) const AGENT_BINARY: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/pocketdock-agent"));
/// Where the agent's volume is mounted (read-only) in every sandbox.
pub(crate) const AGENT_DIR: &str = "/.pocketdock";
/// The agent's path inside the sandbox.
pub(crate) const AGENT_PATH: &str = "/.pocketdock/pocketdock-agent";
