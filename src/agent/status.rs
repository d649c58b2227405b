//! Where this build's agent stands on an engine, for tools that report it (`pocketdock
//! engine`): the volume it goes into, and whether that volume is already there.

use crate::error::Result;
use crate::Client;

/// The agent's placement on an engine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgentPlacement {
    /// The engine volume holding this build's agent (`pocketdock-agent-<hash>`).
    pub volume: String,
    /// Whether the volume is filled and marked ready (else the next create fills it).
    pub placed: bool,
}

impl Client {
    /// Whether this build's agent is already placed on the engine; one request, changes
    /// nothing.
    pub async fn agent_placement(&self) -> Result<AgentPlacement> {
        let volume = super::place::volume_name();
        let placed = super::place::is_placed(self.engine()).await?;
        Ok(AgentPlacement { volume, placed })
    }
}
