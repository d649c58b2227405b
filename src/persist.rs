//! Persistent sandboxes by name: list, resume, stop, destroy, prune. Every lookup is scoped
//! to pocketdock's own containers (`pocketdock.managed=true`) and exact: the engine's name
//! filter matches substrings and its inspect endpoint accepts id prefixes, so names are
//! compared here.

use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::Method;
use serde::{Deserialize, Serialize};

use crate::container::labels::{
    rfc3339_utc, LABEL_CREATED_AT, LABEL_MANAGED, LABEL_OPTIONS, LABEL_OWNER_HOST, LABEL_OWNER_PID,
    LABEL_OWNER_START, LABEL_PERSIST, LABEL_PROJECT,
};
use crate::container::Container;
use crate::engine::models::ContainerSummary as Listed;
use crate::engine::request::{query_escape, Subject};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::Client;

/// One pocketdock container, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerSummary {
    pub name: String,
    pub id: String,
    pub image: String,
    /// The engine's state word: `running`, `exited`, `created`, `paused`, ...
    pub status: String,
    pub persist: bool,
    /// The project label; `None` when unset.
    pub project: Option<String>,
    /// RFC 3339 (UTC) creation time.
    pub created_at: String,
}

impl ContainerSummary {
    /// Whether the container is stopped for good (what `prune` removes). A `created` one is
    /// spared: it is most likely being started by another client right now.
    pub fn is_stopped(&self) -> bool {
        matches!(self.status.as_str(), "exited" | "dead" | "stopped")
    }
}

impl From<Listed> for ContainerSummary {
    fn from(l: Listed) -> ContainerSummary {
        let label = |k: &str| l.labels.get(k).filter(|v| !v.is_empty()).cloned();
        let created = std::time::UNIX_EPOCH
            + std::time::Duration::from_secs(u64::try_from(l.created).unwrap_or(0));
        ContainerSummary {
            name: l.name().to_owned(),
            // Podman lists the normalized name (`localhost/x:latest`); the recorded options
            // hold the name the sandbox was asked for, the same on both engines.
            image: l
                .labels
                .get(LABEL_OPTIONS)
                .and_then(|o| serde_json::from_str::<RecordedImage>(o).ok())
                .map_or_else(|| l.image.clone(), |o| o.image),
            status: l.state.clone(),
            persist: l.labels.get(LABEL_PERSIST).is_some_and(|v| v == "true"),
            project: label(LABEL_PROJECT),
            created_at: label(LABEL_CREATED_AT).unwrap_or_else(|| rfc3339_utc(created)),
            id: l.id,
        }
    }
}

/// The image in the recorded options (the rest of them may be from another version).
#[derive(Deserialize)]
struct RecordedImage {
    image: String,
}

/// pocketdock's containers on `engine`, running or not, optionally of one project.
async fn list(engine: &Engine, project: Option<&str>) -> Result<Vec<ContainerSummary>> {
    let listed: Vec<Listed> = list_managed(engine, project).await?;
    Ok(listed.into_iter().map(ContainerSummary::from).collect())
}

/// The engine's list entries of pocketdock's containers (of `project`, when given), running or
/// not, decoded into whatever view of them the caller needs.
pub(crate) async fn list_managed<T: serde::de::DeserializeOwned>(
    engine: &Engine,
    project: Option<&str>,
) -> Result<Vec<T>> {
    let mut labels = vec![format!("{LABEL_MANAGED}=true")];
    if let Some(p) = project {
        labels.push(format!("{LABEL_PROJECT}={p}"));
    }
    // `filters` is a JSON object of filter name -> values.
    let filters =
        serde_json::to_string(&BTreeMap::from([("label", labels)])).map_err(Error::internal)?;
    engine
        .call_json(
            Method::GET,
            &format!(
                "/containers/json?all=true&filters={}",
                query_escape(&filters)
            ),
            None,
            Subject::Engine,
        )
        .await
}

/// The pocketdock container called exactly `name`, or whose id is `name` (a full id, or a
/// prefix of at least 12 hex digits that only one of them has). Anything else, including a
/// container pocketdock did not create, is `ContainerNotFound`.
pub(crate) async fn resolve(engine: &Engine, name: &str) -> Result<ContainerSummary> {
    if name.is_empty() {
        return Err(Error::invalid("container name must not be empty"));
    }
    let all = list(engine, None).await?;
    if let Some(c) = all.iter().find(|c| c.name == name) {
        return Ok(c.clone());
    }
    let id_like = name.len() >= 12 && name.bytes().all(|b| b.is_ascii_hexdigit());
    let mut by_id = all
        .into_iter()
        .filter(|c| id_like && c.id.starts_with(name));
    match (by_id.next(), by_id.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(Error::ContainerNotFound(name.to_owned())),
    }
}

impl Client {
    /// pocketdock's containers on this engine (running or stopped), optionally only those
    /// of `project`. Containers of other tools are never listed.
    pub async fn list_containers(&self, project: Option<&str>) -> Result<Vec<ContainerSummary>> {
        list(self.engine(), project).await
    }

    /// A handle on the pocketdock container `name`, started first if it is stopped (a
    /// persistent sandbox after `shutdown`). Its files are as they were; the agent (PID 1)
    /// comes back with the start and runs reconnect to it. `ContainerNotFound` if there is
    /// no pocketdock container of that exact name.
    pub async fn resume_container(&self, name: &str) -> Result<Container> {
        let found = resolve(self.engine(), name).await?;
        if found.status != "running" {
            self.engine()
                .call_unit(
                    Method::POST,
                    &format!("/containers/{}/start", found.id),
                    None,
                    Subject::Container(&found.name),
                )
                .await?;
        }
        Container::existing(self.engine_arc(), &found.id).await
    }

    /// Stops the pocketdock container `name` and keeps it (2 s grace, like `shutdown` of a
    /// persistent sandbox). Stopping a stopped one is not an error.
    pub async fn stop_container(&self, name: &str) -> Result<()> {
        let found = resolve(self.engine(), name).await?;
        self.engine()
            .call_unit(
                Method::POST,
                &format!("/containers/{}/stop?t=2", found.id),
                None,
                Subject::Container(&found.name),
            )
            .await
    }

    /// Removes the pocketdock container `name` at once, running or not (no stop grace),
    /// with its anonymous volumes.
    pub async fn destroy_container(&self, name: &str) -> Result<()> {
        let found = resolve(self.engine(), name).await?;
        remove(self.engine(), &found).await
    }

    /// Removes every STOPPED pocketdock container (of `project`, or of any project), and
    /// every member of a pool whose owning process (on this host) is gone, and returns how
    /// many it removed. Other running ones are never touched; neither are containers of
    /// other tools.
    pub async fn prune(&self, project: Option<&str>) -> Result<usize> {
        let mut removed = 0;
        let listed: Vec<Listed> = list_managed(self.engine(), project).await?;
        for l in listed {
            let orphaned = orphaned_pool_member(&l);
            let c = ContainerSummary::from(l);
            if !c.is_stopped() && !orphaned {
                continue;
            }
            match remove(self.engine(), &c).await {
                Ok(()) => removed += 1,
                // Somebody else removed it first: not ours to count.
                Err(Error::ContainerNotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(removed)
    }

    fn engine_arc(&self) -> Arc<Engine> {
        self.engine().clone()
    }
}

/// A member of a pool (see `pool::LABEL_POOL`) whose owning process is known to be gone:
/// nobody can hand it out any more.
fn orphaned_pool_member(l: &Listed) -> bool {
    let label = |k: &str| l.labels.get(k).map(String::as_str);
    label(crate::pool::LABEL_POOL).is_some()
        && crate::container::owner::owner_gone(
            label(LABEL_OWNER_HOST),
            label(LABEL_OWNER_PID),
            label(LABEL_OWNER_START),
        )
}

async fn remove(engine: &Engine, c: &ContainerSummary) -> Result<()> {
    engine
        .call_unit(
            Method::DELETE,
            &format!("/containers/{}?force=true&v=true", c.id),
            None,
            Subject::Container(&c.name),
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::{ContainerOptions, PortMapping, VolumeMount};
    use serde_json::json;
    use std::time::Duration;

    #[test]
    fn a_listed_container_becomes_a_summary() {
        let l: Listed = serde_json::from_value(json!({
            "Id": "abc", "Names": ["/pd-1"], "Image": "img", "State": "exited",
            "Created": 0,
            "Labels": {"pocketdock.persist": "true", "pocketdock.project": ""}
        }))
        .unwrap();
        let s = ContainerSummary::from(l);
        assert_eq!(s.name, "pd-1");
        assert!(s.persist && s.is_stopped());
        assert_eq!(s.project, None);
        assert_eq!(s.created_at, "1970-01-01T00:00:00Z");
    }

    #[test]
    fn options_survive_the_label_round_trip() {
        let o = ContainerOptions {
            name: Some("n".into()),
            timeout: Duration::from_millis(1234),
            mem_limit: Some("64m".into()),
            volumes: vec![VolumeMount {
                host_path: "/h".into(),
                container_path: "/c".into(),
                read_only: true,
            }],
            ports: vec![PortMapping {
                host_port: 1,
                container_port: 2,
                protocol: "udp".into(),
            }],
            env: vec![("A".into(), "b".into())],
            ..ContainerOptions::strict()
        };
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["timeout"], json!(1234), "durations are milliseconds");
        let back: ContainerOptions = serde_json::from_value(json).unwrap();
        assert_eq!(format!("{back:?}"), format!("{o:?}"));
    }

    #[test]
    fn missing_and_unknown_fields_are_tolerated() {
        let o: ContainerOptions = serde_json::from_str(
            r#"{"image":"x","from_the_future":1,"ports":[{"host_port":1,"container_port":2}]}"#,
        )
        .unwrap();
        assert_eq!(o.image, "x");
        assert_eq!(o.timeout, Duration::from_secs(30));
        assert!(o.agent && o.network.is_none(), "unset: the image's default");
        assert_eq!(o.ports[0].protocol, "tcp");
        // A label written when `network` was a plain flag reads as that choice.
        let old: ContainerOptions = serde_json::from_str(r#"{"network":true}"#).unwrap();
        assert_eq!(old.network, Some(true));
    }
}
