//! Sandbox containers: create + start, identity, shutdown.

pub(crate) mod checks;
pub mod labels;
pub mod options;
pub(crate) mod owner;
mod reboot;
pub(crate) mod reference;
mod snapshot;
mod spawn;
mod spec;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper::Method;
use serde::Serialize;

use crate::agent::conn::AgentLink;
use crate::engine::models::{ContainerInspect, IdResponse};
use crate::engine::request::Subject;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::hooks::{PendingBinding, RunObserver};
use crate::process::Callbacks;
pub use options::{ContainerOptions, PortMapping, VolumeMount};
use reboot::IdChain;
use spawn::{image_user, remove_id, spawn};

/// How long [`Container::down_reason`] watches the engine's view of a container settle.
const SETTLE: Duration = Duration::from_secs(1);

/// A sandbox created by this client. Cheap to clone; all clones are the same sandbox.
#[derive(Clone)]
pub struct Container {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Arc<Engine>,
    /// The engine id; a fresh reboot appends the new container's (see [`IdChain`]).
    id: IdChain,
    /// Held while a reboot replaces the container, so two reboots never interleave.
    reboot: tokio::sync::Mutex<()>,
    name: String,
    timeout: Duration,
    persist: bool,
    /// The image's configured user: what runs use unless they name one.
    default_user: Option<String>,
    /// The agent channel; `None` when runs go through the engine's exec.
    agent: Option<AgentLink>,
    /// Set once we have shut it down, so a later 404 reads "not found", not "gone".
    shut_down: AtomicBool,
    /// Callbacks given to every detached process spawned through this handle.
    callbacks: std::sync::Mutex<Option<Callbacks>>,
    /// Who is told of its runs (a project's logs), when anyone is.
    observer: Option<Arc<dyn RunObserver>>,
}

impl Container {
    pub(crate) async fn create(engine: Arc<Engine>, opts: &ContainerOptions) -> Result<Container> {
        let (bound, binding) = bind(opts)?;
        let s = match spawn(&engine, bound.as_ref().unwrap_or(opts)).await {
            Ok(s) => s,
            Err(e) => {
                if let Some(b) = binding {
                    b.abandon();
                }
                return Err(e);
            }
        };
        let observer = binding.map(|b| b.created(&s.id));
        Ok(Container {
            inner: Arc::new(Inner {
                engine,
                id: IdChain::new(s.id),
                reboot: tokio::sync::Mutex::new(()),
                name: s.name,
                timeout: opts.timeout,
                persist: opts.persist,
                default_user: s.default_user,
                agent: s.agent.then(AgentLink::default),
                shut_down: AtomicBool::new(false),
                callbacks: std::sync::Mutex::new(None),
                observer,
            }),
        })
    }

    /// A handle on an existing pocketdock container (by name or id), e.g. one another
    /// client created: its runs and detached processes are reachable from here.
    pub(crate) async fn existing(engine: Arc<Engine>, name_or_id: &str) -> Result<Container> {
        let doc = inspect(&engine, name_or_id).await?;
        Container::from_inspect(engine, name_or_id, doc).await
    }

    /// The pocketdock container `name` found by one inspect, when the engine's own lookup
    /// lands on it exactly (its exact name, or its id by a prefix of at least 12 hex
    /// digits); `None` when that does not settle it (then the caller lists and compares).
    /// The engine's lookup also takes short id prefixes and containers of other tools,
    /// which is why its answer is checked rather than trusted.
    pub(crate) async fn by_exact_name(
        engine: &Arc<Engine>,
        name: &str,
    ) -> Result<Option<Container>> {
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !plain {
            return Ok(None);
        }
        let doc = match inspect(engine, name).await {
            Ok(doc) => doc,
            Err(Error::ContainerNotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let id_like = name.len() >= 12 && name.bytes().all(|b| b.is_ascii_hexdigit());
        let exact = doc.bare_name() == name || (id_like && doc.id.starts_with(name));
        if !exact || doc.label(labels::LABEL_MANAGED) != Some("true") {
            return Ok(None);
        }
        let id = doc.id.clone();
        Container::from_inspect(engine.clone(), &id, doc)
            .await
            .map(Some)
    }

    async fn from_inspect(
        engine: Arc<Engine>,
        name_or_id: &str,
        doc: ContainerInspect,
    ) -> Result<Container> {
        // The run user recorded at create saves a lookup of the image (tens of ms on
        // Podman); a container made before the label existed asks the image.
        let recorded_user = doc
            .label(labels::LABEL_RUN_USER)
            .map(|u| Some(u.to_owned()).filter(|u| !u.is_empty()));
        let default_user = match recorded_user {
            Some(u) => Ok(u),
            None => image_user(&engine, &doc.config.image).await,
        };
        let default_user = match default_user {
            Ok(u) => u,
            // The image may be gone; the container's own user is the next best answer.
            Err(_) => doc.config.user().map(str::to_owned),
        };
        let name = Some(doc.bare_name())
            .filter(|n| !n.is_empty())
            .unwrap_or(name_or_id);
        let label = |k: &str| doc.label(k).map(str::to_owned);
        let observer = crate::hooks::installed().and_then(|h| h.reattach(name, &label));
        // The recorded options restore what the engine does not keep (the run timeout).
        let recorded = options::recorded(&doc.config.labels);
        // An empty agent label is one a snapshot image cleared (see snapshot.rs).
        let agent = doc
            .label(labels::LABEL_AGENT)
            .is_some_and(|v| !v.is_empty());
        Ok(Container {
            inner: Arc::new(Inner {
                engine,
                id: IdChain::new(
                    Some(doc.id.as_str())
                        .filter(|i| !i.is_empty())
                        .unwrap_or(name_or_id)
                        .to_owned(),
                ),
                reboot: tokio::sync::Mutex::new(()),
                name: name.to_owned(),
                timeout: recorded.map_or(options::DEFAULT_TIMEOUT, |o| o.timeout),
                persist: doc.label(labels::LABEL_PERSIST) == Some("true"),
                default_user,
                agent: agent.then(|| AgentLink::with_pid(doc.state.pid)),
                shut_down: AtomicBool::new(false),
                callbacks: std::sync::Mutex::new(None),
                observer,
            }),
        })
    }

    /// The engine's container id.
    pub fn id(&self) -> &str {
        self.inner.id.current()
    }

    /// The container name (also the engine's name).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The default timeout of runs on this container.
    pub fn default_timeout(&self) -> Duration {
        self.inner.timeout
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Its instance directory (`.pocketdock/instances/<name>/`), when it belongs to a project.
    pub fn instance_dir(&self) -> Option<&Path> {
        self.inner.observer.as_ref().and_then(|o| o.instance_dir())
    }

    pub(crate) fn observer(&self) -> Option<&Arc<dyn RunObserver>> {
        self.inner.observer.as_ref()
    }

    /// Callbacks for every detached process spawned through this handle from now on
    /// (`None` removes them).
    pub fn set_callbacks(&self, cbs: Option<Callbacks>) {
        *self
            .inner
            .callbacks
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = cbs;
    }

    pub(crate) fn callbacks(&self) -> Option<Callbacks> {
        self.inner
            .callbacks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Creates an engine exec in this container from `body`; returns its id.
    /// A 404 is checked against an inspect before it is called "removed outside": compatible
    /// engines answer 404 for more than a missing container, and then the engine's message
    /// is what the caller needs.
    pub(crate) async fn create_exec(&self, body: &(impl Serialize + ?Sized)) -> Result<String> {
        let created: Result<IdResponse> = self
            .engine()
            .call_json_with(
                Method::POST,
                &format!("/containers/{}/exec", self.id()),
                body,
                Subject::ExecIn(self.name()),
            )
            .await;
        match created {
            Ok(c) => Ok(c.id),
            Err(Error::Engine {
                status: 404,
                message,
            }) => {
                let inspected = self
                    .engine()
                    .call_unit(
                        Method::GET,
                        &format!("/containers/{}/json", self.id()),
                        None,
                        Subject::Container(self.name()),
                    )
                    .await;
                match inspected {
                    Err(e @ Error::ContainerNotFound(_)) => Err(self.explain(e)),
                    _ => Err(Error::Engine {
                        status: 404,
                        message: format!(
                            "exec in {} (the container still exists): {message}",
                            self.name()
                        ),
                    }),
                }
            }
            Err(e) => Err(self.explain(e)),
        }
    }

    /// Whether runs go through the in-sandbox agent (false: engine exec).
    pub fn uses_agent(&self) -> bool {
        self.inner.agent.is_some()
    }

    pub(crate) fn agent(&self) -> Option<&AgentLink> {
        self.inner.agent.as_ref()
    }

    /// The user runs use unless they name one: the image's.
    pub(crate) fn default_user(&self) -> Option<&str> {
        self.inner.default_user.as_deref()
    }

    /// Names a missing container precisely: after our own shutdown it is not found, and
    /// the message says that this handle shut it down (the kind stays `ContainerNotFound`,
    /// which callers already branch on); otherwise somebody removed it behind our back.
    pub(crate) fn explain(&self, e: Error) -> Error {
        match e {
            Error::ContainerNotFound(n) if self.inner.shut_down.load(Ordering::Acquire) => {
                Error::ContainerNotFound(format!("{n} (already shut down by this handle)"))
            }
            Error::ContainerNotFound(n) => Error::ContainerGone(n),
            e => e,
        }
    }

    /// Why runs cannot go on in this sandbox, from what the engine knows of it: removed
    /// ([`Error::ContainerGone`], or not found after our own shutdown), stopped
    /// ([`Error::ContainerNotRunning`]); `None` while it runs. A run whose channel or exec
    /// ended abnormally asks this before reporting, so an outside removal is never read as
    /// the command's own exit.
    ///
    /// The engine tells the end of a run a moment before its own state catches up (Docker
    /// still says "running" right after the kill of a removal; Podman says "exited" before
    /// the container is gone), so the answer is watched for up to [`SETTLE`]: a container
    /// that stays up is `None`, one that stays stopped is `ContainerNotRunning`.
    pub(crate) async fn down_reason(&self) -> Option<Error> {
        let give_up = tokio::time::Instant::now() + SETTLE;
        loop {
            let state = self
                .engine()
                .call_json::<ContainerInspect>(
                    Method::GET,
                    &format!("/containers/{}/json", self.id()),
                    None,
                    Subject::Container(self.name()),
                )
                .await;
            let settled = tokio::time::Instant::now() >= give_up;
            match state {
                Err(e) => return Some(self.explain(e)),
                Ok(v) if settled && !v.state.running => {
                    return Some(Error::ContainerNotRunning(self.name().to_owned()))
                }
                Ok(_) if settled => return None,
                Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Stops the sandbox: an ephemeral one is removed at once (SIGKILL, no stop grace), a
    /// persistent one is stopped and kept. Calling it again is a no-op.
    pub async fn shutdown(&self) -> Result<()> {
        if self.inner.shut_down.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        if let Some(link) = self.agent() {
            link.close().await;
        }
        let result = if self.inner.persist {
            self.engine()
                .call_unit(
                    Method::POST,
                    &format!("/containers/{}/stop?t=2", self.id()),
                    None,
                    Subject::Container(self.name()),
                )
                .await
        } else {
            self.remove().await
        };
        match result {
            Err(Error::ContainerNotFound(_)) | Ok(()) => {
                if let (Some(o), false) = (&self.inner.observer, self.inner.persist) {
                    o.ended("shut down");
                }
                Ok(())
            }
            Err(e) => {
                self.inner.shut_down.store(false, Ordering::Release);
                Err(e)
            }
        }
    }

    async fn remove(&self) -> Result<()> {
        remove_id(self.engine(), self.id(), self.name()).await
    }
}

async fn inspect(engine: &Engine, name_or_id: &str) -> Result<ContainerInspect> {
    engine
        .call_json(
            Method::GET,
            &format!("/containers/{name_or_id}/json"),
            None,
            Subject::Container(name_or_id),
        )
        .await
}

/// A project's sandbox (`project_dir` set) is bound before its create: the installed hooks
/// prepare its instance directory and may add to the options (the data mount is in the
/// spec, and so in the recorded options a reboot recreates it from).
type Bound = (Option<ContainerOptions>, Option<Box<dyn PendingBinding>>);

fn bind(opts: &ContainerOptions) -> Result<Bound> {
    if opts.project_dir.is_none() {
        return Ok((None, None));
    }
    opts.validate()?;
    let hooks = crate::hooks::installed().ok_or_else(|| {
        Error::InvalidState(
            "project_dir is set but no project support is installed: open the project \
             (Project::open, ContainerOptions::apply_project) or call project::hooks::install()"
                .into(),
        )
    })?;
    let name = opts.name.clone().unwrap_or_else(labels::random_name);
    let (o, b) = hooks.prepare(opts, &name)?;
    let o = ContainerOptions {
        name: Some(name),
        ..o
    };
    Ok((Some(o), Some(b)))
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Container")
            .field("name", &self.inner.name)
            .field("id", &self.id())
            .finish()
    }
}
