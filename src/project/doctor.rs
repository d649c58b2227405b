//! `doctor`: what is out of step between the engine and a project's instance directories,
//! and which containers were left behind by clients that died; with `fix`, the safe repairs.
//!
//! - orphan: a project container with no instance directory. Fix: recreate the directory
//!   and its `instance.toml` from the container's labels (its `data/` is new and not
//!   mounted in that container). The container is never removed: it may hold work.
//! - stale directory: an instance directory whose container is gone and that was not
//!   ended by pocketdock. Fix: mark it ended in `instance.toml`; its data and logs stay
//!   (deleting them is the user's call).
//! - crashed client: an ephemeral container whose creating process (on this host) no longer
//!   exists. An ephemeral sandbox lives as long as its creator, so it was leaked. Fix:
//!   remove it (and mark its instance directory ended).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hyper::Method;
use serde::{Deserialize, Serialize};

use super::instance::InstanceRecord;
use super::Project;
use crate::container::labels::*;
use crate::container::owner;
use crate::engine::request::Subject;
use crate::error::Result;
use crate::Client;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoctorItem {
    /// Container name (orphans, crashed clients) or instance name (stale directories).
    pub name: String,
    /// The instance directory, when there is (or should be) one.
    pub path: Option<String>,
    /// What was found, in words.
    pub detail: String,
    /// What `fix` did (`None`: nothing, or not asked to fix).
    pub fixed: Option<String>,
}

/// What `doctor` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoctorReport {
    /// `docker` or `podman`.
    pub engine_kind: String,
    pub engine_version: String,
    pub api_version: String,
    pub socket: String,
    /// The project examined (`None`: only crashed clients, across all projects).
    pub project_root: Option<String>,
    pub project_name: Option<String>,
    pub orphans: Vec<DoctorItem>,
    pub stale_dirs: Vec<DoctorItem>,
    pub crashed: Vec<DoctorItem>,
    /// Whether the repairs were asked for.
    pub fix: bool,
}

impl DoctorReport {
    /// Nothing found.
    pub fn healthy(&self) -> bool {
        self.orphans.is_empty() && self.stale_dirs.is_empty() && self.crashed.is_empty()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Listed {
    id: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
}

impl Listed {
    fn name(&self) -> &str {
        self.names
            .first()
            .map_or(self.id.as_str(), |n| n.trim_start_matches('/'))
    }

    fn label(&self, key: &str) -> Option<&str> {
        self.labels.as_ref()?.get(key).map(String::as_str)
    }

    fn owner_gone(&self) -> bool {
        owner::owner_gone(
            self.label(LABEL_OWNER_HOST),
            self.label(LABEL_OWNER_PID),
            self.label(LABEL_OWNER_START),
        )
    }

    fn expired(&self) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.label(LABEL_EXPIRES_AT)
            .and_then(|s| s.parse::<u64>().ok())
            .is_some_and(|at| at < now)
    }

    /// Why this container counts as left by a crashed client, if it does.
    fn crashed(&self) -> Option<String> {
        if self.label(LABEL_PERSIST) == Some("true") {
            return None;
        }
        let owner = format!(
            "process {} on {}",
            self.label(LABEL_OWNER_PID).unwrap_or("?"),
            self.label(LABEL_OWNER_HOST).unwrap_or("?")
        );
        let what = match self.label(crate::pool::LABEL_POOL) {
            Some(pool) => format!("member of pool {pool}"),
            None => "ephemeral container".to_owned(),
        };
        if self.owner_gone() {
            Some(format!("{what} of {owner}, which is gone"))
        } else if self.expired() {
            Some(format!("{what} of {owner}, past its TTL"))
        } else {
            None
        }
    }
}

impl Client {
    /// Examines the project at `project_dir` (or, with `None`, every pocketdock container
    /// on this engine, for crashed clients only) and with `fix` repairs what is safe (see
    /// docs/projects.md). Blocks on a few engine calls.
    pub async fn doctor(&self, project_dir: Option<&Path>, fix: bool) -> Result<DoctorReport> {
        let info = self.engine_info();
        let project = project_dir.map(Project::open).transpose()?;
        let mut report = DoctorReport {
            engine_kind: format!("{:?}", info.kind).to_lowercase(),
            engine_version: info.version.clone(),
            api_version: info.api_version.clone(),
            socket: info.socket.to_string_lossy().into_owned(),
            project_root: project.as_ref().map(|p| p.root().to_string_lossy().into()),
            project_name: project.as_ref().map(|p| p.config().project_name.clone()),
            orphans: Vec::new(),
            stale_dirs: Vec::new(),
            crashed: Vec::new(),
            fix,
        };
        let listed = self.list_managed(project.as_ref()).await?;
        for c in &listed {
            let dir = project.as_ref().map(|p| p.instance_dir(c.name()));
            let path = dir.as_ref().map(|d| d.to_string_lossy().into_owned());
            if let Some(detail) = c.crashed() {
                let fixed = match fix {
                    true => Some(self.remove_crashed(c, dir.as_deref()).await?),
                    false => None,
                };
                report.crashed.push(DoctorItem {
                    name: c.name().into(),
                    path,
                    detail,
                    fixed,
                });
            } else if let (Some(p), Some(d)) = (&project, &dir) {
                if !d.join(super::instance::INSTANCE_FILE).is_file() {
                    let fixed = match fix {
                        true => Some(recreate_dir(p, c, d)?),
                        false => None,
                    };
                    let detail = "container without an instance directory".to_owned();
                    report.orphans.push(DoctorItem {
                        name: c.name().into(),
                        path,
                        detail,
                        fixed,
                    });
                }
            }
        }
        if let Some(p) = &project {
            report.stale_dirs = stale_dirs(p, &listed, fix)?;
        }
        Ok(report)
    }

    /// pocketdock's containers (of `project`, when given), running or not.
    async fn list_managed(&self, project: Option<&Project>) -> Result<Vec<Listed>> {
        let name = project.map(|p| p.config().project_name.clone());
        crate::persist::list_managed(self.engine(), name.as_deref()).await
    }

    async fn remove_crashed(&self, c: &Listed, dir: Option<&Path>) -> Result<String> {
        let gone = self
            .engine()
            .call_unit(
                Method::DELETE,
                &format!("/containers/{}?force=true&v=true", c.id),
                None,
                Subject::Container(c.name()),
            )
            .await;
        match gone {
            Ok(()) | Err(crate::Error::ContainerNotFound(_)) => {}
            Err(e) => return Err(e),
        }
        if let Some(d) = dir.filter(|d| d.join(super::instance::INSTANCE_FILE).is_file()) {
            InstanceRecord::end(d, "its client died; removed by doctor")?;
        }
        Ok("removed the container".into())
    }
}

/// [`Client::doctor`] on the engine at `socket`, else the project's configured socket, else
/// the one discovery finds.
pub async fn doctor(
    socket: Option<&Path>,
    project_dir: Option<&Path>,
    fix: bool,
) -> Result<DoctorReport> {
    let configured = match (socket, project_dir) {
        (None, Some(d)) => Project::open(d)?.config().socket.clone(),
        _ => None,
    };
    let client = Client::connect_to(socket.or(configured.as_deref())).await?;
    client.doctor(project_dir, fix).await
}

/// An orphan's instance directory, rebuilt from its labels.
fn recreate_dir(p: &Project, c: &Listed, dir: &Path) -> Result<String> {
    std::fs::create_dir_all(dir.join("data"))?;
    std::fs::create_dir_all(dir.join("logs"))?;
    InstanceRecord {
        name: c.name().into(),
        id: Some(c.id.clone()),
        project: p.config().project_name.clone(),
        image: String::new(),
        persist: c.label(LABEL_PERSIST) == Some("true"),
        created_at: c.label(LABEL_CREATED_AT).unwrap_or_default().into(),
        data_dir: dir.join("data").to_string_lossy().into_owned(),
        data_mount: String::new(),
        ended_at: None,
        ended_reason: None,
    }
    .write(dir)?;
    Ok("recreated the instance directory (its data/ is not mounted in the container)".into())
}

/// Instance directories whose container is gone and that nobody marked ended.
fn stale_dirs(p: &Project, listed: &[Listed], fix: bool) -> Result<Vec<DoctorItem>> {
    let mut out = Vec::new();
    for name in p.instances()? {
        let dir: PathBuf = p.instance_dir(&name);
        let ended = InstanceRecord::read(&dir).is_ok_and(|r| r.ended_at.is_some());
        if ended || listed.iter().any(|c| c.name() == name) {
            continue;
        }
        let fixed = match fix {
            true => {
                InstanceRecord::end(&dir, "container missing (doctor)")
                    .or_else(|_| recreate_record(&dir, &name, p))?;
                Some("marked ended; data and logs kept".to_owned())
            }
            false => None,
        };
        out.push(DoctorItem {
            name,
            path: Some(dir.to_string_lossy().into_owned()),
            detail: "instance directory without a container".into(),
            fixed,
        });
    }
    Ok(out)
}

/// A stale directory whose `instance.toml` is missing or unreadable gets a fresh, ended one.
fn recreate_record(dir: &Path, name: &str, p: &Project) -> Result<()> {
    InstanceRecord {
        name: name.into(),
        project: p.config().project_name.clone(),
        data_dir: dir.join("data").to_string_lossy().into_owned(),
        ..InstanceRecord::default()
    }
    .write(dir)?;
    InstanceRecord::end(dir, "container missing (doctor)")
}
