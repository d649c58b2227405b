//! What every command shares: the global flags and a client on the chosen engine.

use pocketdock::{Client, ClientOptions, Container};

use crate::args::Global;
use crate::error::{CliError, CliResult};
use crate::out::Out;

pub struct Ctx {
    pub global: Global,
    pub out: Out,
}

impl Ctx {
    pub fn new(global: Global) -> Ctx {
        let out = Out {
            json: global.json,
            quiet: global.quiet,
        };
        Ctx { global, out }
    }

    /// A client on `--socket`/`POCKETDOCK_SOCKET`, else the engine discovery finds.
    pub async fn client(&self) -> CliResult<Client> {
        let opts = ClientOptions {
            socket: self.global.socket.clone().filter(|s| !s.is_empty()),
            ..ClientOptions::default()
        };
        Ok(Client::connect_with(&opts).await?)
    }

    /// A handle on sandbox `name`, which must be running: a stopped one is an error saying
    /// how to resume it, never started as a side effect.
    pub async fn running(&self, client: &Client, name: &str) -> CliResult<Container> {
        let c = client.get_container(name).await?;
        let listed = client.list_containers(None).await?;
        if listed
            .iter()
            .any(|s| s.id == c.id() && s.status != "running")
        {
            return Err(CliError::stopped(name));
        }
        Ok(c)
    }
}

/// Maps "container is not running" to the message that names the container as typed.
pub fn stopped_as(name: &str) -> impl Fn(pocketdock::Error) -> CliError + '_ {
    move |e| match e.kind() {
        pocketdock::ErrorKind::ContainerNotRunning => CliError::stopped(name),
        _ => e.into(),
    }
}
