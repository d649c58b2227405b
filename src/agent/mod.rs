//! The in-sandbox agent: the program itself is the `pocketdock-agent` crate (`crates/agent`,
//! built static by build.rs and embedded here), the protocol the `pocketdock-wire` crate
//! (`crates/wire`, shared with the agent); this side places it and talks to it.

pub(crate) mod channel;
pub(crate) mod conn;
pub(crate) mod direct;
pub(crate) mod place;
pub(crate) mod status;
/// The protocol, under the path the core has always used for it.
pub(crate) use pocketdock_wire as wire;

/// The agent binary, built by build.rs for this machine's architecture.
pub(crate) const AGENT_BINARY: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/pocketdock-agent"));
/// Where the agent's volume is mounted (read-only) in every sandbox.
pub(crate) const AGENT_DIR: &str = "/.pocketdock";
/// The agent's path inside the sandbox.
pub(crate) const AGENT_PATH: &str = "/.pocketdock/pocketdock-agent";
