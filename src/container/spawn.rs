//! Creating and starting a container on the engine from options: the one path that both
//! `Container::create` and a fresh reboot take, so both build the same thing.

use hyper::Method;

use super::{labels, options, spec, ContainerOptions};
use crate::agent::place;
use crate::engine::models::{IdResponse, ImageInspect};
use crate::engine::request::Subject;
use crate::engine::Engine;
use crate::error::{Error, Result};

/// The user an image runs as (empty means root); also the early "is the image here" check.
pub(super) async fn image_user(engine: &Engine, image: &str) -> Result<Option<String>> {
    let doc: ImageInspect = engine
        .call_json(
            Method::GET,
            &format!("/images/{image}/json"),
            None,
            Subject::Image(image),
        )
        .await?;
    Ok(doc.config.user().map(str::to_owned))
}

/// Who runs commands: the options' user, else the image's; never root when the options
/// forbid privileges.
fn run_user(opts: &ContainerOptions, image_user: Option<String>) -> Option<String> {
    let user = opts.user.clone().or(image_user);
    let is_root =
        |u: &str| u == "root" || u == "0" || u.starts_with("0:") || u.starts_with("root:");
    match user {
        Some(u) if !(opts.wants_non_root() && is_root(&u)) => Some(u),
        _ if opts.wants_non_root() => Some(options::STRICT_USER.to_owned()),
        other => other,
    }
}

/// The agent volume for this engine, or `None` (logged) when it cannot be placed.
async fn agent_volume(engine: &Engine, image: &str) -> Option<String> {
    let placed = engine
        .agent_volume
        .get_or_try_init(|| place::ensure_volume(engine, image))
        .await;
    match placed {
        Ok(v) => Some(v.clone()),
        Err(e) => {
            tracing::warn!(error = %e, "cannot place the pocketdock agent; runs use the engine exec");
            None
        }
    }
}

/// A container created and started from options: what a handle is made of.
pub(super) struct Spawned {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) default_user: Option<String>,
    pub(super) agent: bool,
}

/// Creates and starts a container from `opts` (validated); on a failed start nothing is left
/// behind. Shared by [`Container::create`] and a fresh reboot, so both build the same thing.
pub(super) async fn spawn(engine: &Engine, opts: &ContainerOptions) -> Result<Spawned> {
    opts.validate()?;
    let name = opts.name.clone().unwrap_or_else(labels::random_name);
    let image_user = image_user(engine, &opts.image).await?;
    let default_user = run_user(opts, image_user);
    let volume = match opts.agent {
        true => agent_volume(engine, &opts.image).await,
        false => None,
    };
    let with_user = ContainerOptions {
        user: default_user.clone(),
        ..opts.clone()
    };
    let mut body = spec::create_body(&name, &with_user, volume.as_deref(), engine.info.kind)?;
    let recorded = ContainerOptions {
        name: Some(name.clone()),
        ..opts.clone()
    };
    body.labels.insert(
        labels::LABEL_RUN_USER.into(),
        default_user.clone().unwrap_or_default(),
    );
    body.labels.insert(
        labels::LABEL_OPTIONS.into(),
        serde_json::to_string(&recorded).map_err(Error::internal)?,
    );
    let subject = Subject::Create {
        name: &name,
        image: &opts.image,
    };
    let created: IdResponse = engine
        .call_json_with(
            Method::POST,
            &format!("/containers/create?name={name}"),
            &body,
            subject,
        )
        .await?;
    let started = engine
        .call_unit(
            Method::POST,
            &format!("/containers/{}/start", created.id),
            None,
            Subject::Container(&name),
        )
        .await;
    if let Err(e) = started {
        // Never leave a created-but-unstartable container behind.
        let _ = remove_id(engine, &created.id, &name).await;
        return Err(e);
    }
    tracing::debug!(name, "container started");
    Ok(Spawned {
        id: created.id,
        name,
        default_user,
        agent: volume.is_some(),
    })
}

/// Force-removes a container with its anonymous volumes.
pub(super) async fn remove_id(engine: &Engine, id: &str, name: &str) -> Result<()> {
    // A force-remove is a SIGKILL on Docker. On Podman it is a stop with the container's
    // StopTimeout, which the compat create leaves at 0 when unset (we never set it), and
    // the init process forwards SIGTERM anyway: no 10 s grace either way.
    engine
        .call_unit(
            Method::DELETE,
            &format!("/containers/{id}?force=true&v=true"),
            None,
            Subject::Container(name),
        )
        .await
}
