//! The entry point of the Rust API: a connection to one engine.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::container::{Container, ContainerOptions};
use crate::engine::address::Address;
use crate::engine::ssh::SshOptions;
use crate::engine::tls::TlsFiles;
use crate::engine::{discover, Engine, EngineInfo};
use crate::error::Result;

/// How to reach an engine. `Default`: discovery (unless `POCKETDOCK_SOCKET` names a socket),
/// retrying a slow engine for up to 30 s.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The engine's address: a Unix socket (a path or `unix://PATH`), `tcp://HOST[:PORT]`
    /// (plain only on loopback; TLS otherwise, see `tls`) or
    /// `ssh://[USER@]HOST[:PORT][/REMOTE/SOCKET]` (docs/engines.md). When set (here, by
    /// `POCKETDOCK_SOCKET`, or a remote `CONTAINER_HOST`/`DOCKER_HOST`) it is the only engine
    /// tried: one that does not answer is `EngineNotFound` naming it and the failing step,
    /// never a silent switch to another engine.
    pub socket: Option<String>,
    /// TLS for a `tcp://` engine: its CA, and the client certificate and key. Unset: from
    /// `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`, as Docker reads them.
    pub tls: Option<TlsFiles>,
    /// How `ssh` logs in to an `ssh://` engine (identity, known hosts).
    pub ssh: SshOptions,
    /// How long to keep retrying a socket that exists but does not answer `/_ping` and
    /// `/version` (attempts of 5, 10, 10... s with a growing pause between them).
    pub connect_timeout: Duration,
    /// How long the engine may stay silent on one request once connected (default 120 s):
    /// its answer must begin within it, and a body read as data may not pause longer. A
    /// command's output (a run, a stream, a build's progress) is not cut by it; the run's
    /// own timeout bounds that. An engine that does not answer in time is
    /// [`Error::Timeout`](crate::Error::Timeout) naming the request (docs/engines.md,
    /// "Request deadline").
    pub request_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> ClientOptions {
        ClientOptions {
            socket: None,
            tls: None,
            ssh: SshOptions::default(),
            connect_timeout: crate::engine::discover::DEFAULT_CONNECT_TIMEOUT,
            request_timeout: crate::engine::request::DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

impl ClientOptions {
    /// Checks the options without connecting: the address must parse, TLS files go with a
    /// `tcp://` address (or one from the environment) and name a certificate with its key,
    /// the connect and request timeouts must be positive.
    pub fn validate(&self) -> Result<()> {
        let address = self.socket.as_deref().map(Address::parse).transpose()?;
        if let Some(tls) = &self.tls {
            tls.validate()?;
            if matches!(address, Some(Address::Unix(_) | Address::Ssh(_))) {
                return Err(crate::Error::invalid(
                    "TLS files go with a tcp:// engine address, not a Unix socket or ssh://",
                ));
            }
        }
        if self.connect_timeout.is_zero() {
            return Err(crate::Error::invalid("connect_timeout must be positive"));
        }
        if self.request_timeout.is_zero() {
            return Err(crate::Error::invalid(
                "request_timeout must be positive (every engine request needs some time)",
            ));
        }
        Ok(())
    }

    /// Checks that `address` is a Unix socket (a path or `unix://PATH`), for callers whose
    /// setting is named for sockets; a `tcp://` or `ssh://` address is refused by name.
    pub fn require_unix_socket(address: &str) -> Result<()> {
        match Address::parse(address)? {
            Address::Unix(_) => Ok(()),
            _ => Err(crate::Error::invalid(format!(
                "engine address {address:?}: only a Unix socket (a path or unix://PATH) is \
                 taken here; a tcp:// or ssh:// engine is set as the host"
            ))),
        }
    }

    /// Options naming one engine (any address `socket` takes).
    pub fn socket(socket: impl Into<String>) -> ClientOptions {
        ClientOptions {
            socket: Some(socket.into()),
            ..ClientOptions::default()
        }
    }
}

/// A connection to a Docker or Podman engine. Cheap to clone: clones share one connection
/// pool and what was learned about the engine, so nothing is discovered twice.
#[derive(Clone)]
pub struct Client {
    engine: Arc<Engine>,
}

impl Client {
    /// Connects to the engine `POCKETDOCK_SOCKET` names, else to the first engine found in
    /// the documented discovery order.
    pub async fn connect() -> Result<Client> {
        Client::connect_with(&ClientOptions::default()).await
    }

    /// Connects to the engine on `socket` only, or as [`Client::connect`] when `None`.
    pub async fn connect_to(socket: Option<&Path>) -> Result<Client> {
        let opts = ClientOptions {
            socket: socket.map(|p| p.to_string_lossy().into_owned()),
            ..ClientOptions::default()
        };
        Client::connect_with(&opts).await
    }

    /// Connects as `opts` says.
    pub async fn connect_with(opts: &ClientOptions) -> Result<Client> {
        opts.validate()?;
        let wanted = discover::Wanted {
            address: opts.socket.as_deref(),
            tls: opts.tls.as_ref(),
            ssh: &opts.ssh,
        };
        let mut engine = discover::connect(wanted, opts.connect_timeout).await?;
        engine.request_timeout = opts.request_timeout;
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
        // One inspect usually settles it; the listing is for what it does not.
        if let Some(c) = Container::by_exact_name(&self.engine, name_or_id).await? {
            return Ok(c);
        }
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
