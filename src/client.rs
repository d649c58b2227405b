//! The entry point of the Rust API: a connection to one engine.

use std::path::Path;
use std::sync::Arc;

use crate::container::{Container, ContainerOptions};
use crate::engine::{discover, Engine, EngineInfo};
use crate::error::Result;

/// A connection to a Docker or Podman engine. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    engine: Arc<Engine>,
}

impl Client {
    /// Connects to the first engine found in the documented discovery order.
    pub async fn connect() -> Result<Client> {
        Client::connect_to(None).await
    }

    /// Connects to the engine on `socket`, or discovers one when `None`.
    pub async fn connect_to(socket: Option<&Path>) -> Result<Client> {
        let engine = discover::connect(socket).await?;
        Ok(Client {
            engine: Arc::new(engine),
        })
    }

    /// Which engine this is and where it was found.
    pub fn engine_info(&self) -> &EngineInfo {
        &self.engine.info
    }

    /// A handle on an existing pocketdock container, by exact name or id (a full id, or a
    /// unique prefix of at least 12 hex digits), for example one created by another process:
    /// run in it, attach to its detached processes, shut it down. A container pocketdock
    /// did not create is `ContainerNotFound`.
    pub async fn get_container(&self, name_or_id: &str) -> Result<Container> {
        let found = crate::persist::resolve(&self.engine, name_or_id).await?;
        Container::existing(self.engine.clone(), &found.id).await
    }

    /// The engine behind this client, for the modules that add their own calls to it.
    pub(crate) fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Creates and starts a sandbox.
    pub async fn create_container(&self, opts: &ContainerOptions) -> Result<Container> {
        Container::create(self.engine.clone(), opts).await
    }
}

/// The reference's one-call entry point: checks `opts`, connects (to `socket`, or by
/// discovery), creates and starts a sandbox. Bad options fail before any engine is looked for.
pub async fn create_new_container(
    opts: &ContainerOptions,
    socket: Option<&Path>,
) -> Result<Container> {
    opts.validate()?;
    Client::connect_to(socket)
        .await?
        .create_container(opts)
        .await
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("engine", &self.engine.info)
            .finish()
    }
}
