//! Where this build's agent stands on an engine, for tools that report it (`pocketdock
//! engine`): the volume it goes into, and whether that volume is already there.

use hyper::Method;

use crate::engine::request::Subject;
use crate::error::{Error, Result};
use crate::Client;

/// The agent's placement on an engine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgentPlacement {
    /// The engine volume holding this build's agent (`pocketdock-agent-<hash>`).
    pub volume: String,
    /// Whether the volume exists (else the next create makes and fills it).
    pub placed: bool,
}

impl Client {
    /// Whether this build's agent is already placed on the engine; one request, changes
    /// nothing.
    pub async fn agent_placement(&self) -> Result<AgentPlacement> {
        let volume = super::place::volume_name();
        let placed = match self
            .engine()
            .call_unit(
                Method::GET,
                &format!("/volumes/{volume}"),
                None,
                Subject::Engine,
            )
            .await
        {
            Ok(()) => true,
            Err(Error::Engine { status: 404, .. }) => false,
            Err(e) => return Err(e),
        };
        Ok(AgentPlacement { volume, placed })
    }
}
