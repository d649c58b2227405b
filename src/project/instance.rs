//! Instance directories: `.pocketdock/instances/<name>/` with `instance.toml` (what the
//! sandbox is), `data/` (bind-mounted at [`DATA_MOUNT`]) and `logs/`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::logs::Recorder;
use super::Project;
use crate::container::labels::{rfc3339_utc, LABEL_PROJECT_DIR};
use crate::container::{ContainerOptions, VolumeMount};
use crate::error::{Error, Result};

/// Where an instance's `data/` directory appears inside its container.
pub const DATA_MOUNT: &str = "/data";
/// The instance record inside an instance directory.
pub const INSTANCE_FILE: &str = "instance.toml";

/// What `instance.toml` holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceRecord {
    pub name: String,
    /// The engine's id, once the container exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub project: String,
    pub image: String,
    pub persist: bool,
    pub created_at: String,
    /// Host directory mounted at `data_mount`.
    pub data_dir: String,
    pub data_mount: String,
    /// Set when the sandbox ended (ephemeral shutdown, or doctor found it gone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_reason: Option<String>,
}

impl InstanceRecord {
    /// Reads `dir/instance.toml`.
    pub fn read(dir: &Path) -> Result<InstanceRecord> {
        let text = std::fs::read_to_string(dir.join(INSTANCE_FILE))?;
        toml::from_str(&text)
            .map_err(|e| Error::invalid(format!("{}: {e}", dir.join(INSTANCE_FILE).display())))
    }

    /// Writes `dir/instance.toml` (through a temporary file, so readers never see half).
    pub fn write(&self, dir: &Path) -> Result<()> {
        let text = toml::to_string(self).map_err(Error::internal)?;
        let tmp = dir.join(format!(".{INSTANCE_FILE}.{}", std::process::id()));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, dir.join(INSTANCE_FILE))?;
        Ok(())
    }

    /// Marks the record ended now, for `reason`.
    pub(crate) fn end(dir: &Path, reason: &str) -> Result<()> {
        let mut r = InstanceRecord::read(dir)?;
        r.ended_at = Some(rfc3339_utc(SystemTime::now()));
        r.ended_reason = Some(reason.to_owned());
        r.write(dir)
    }
}

/// An instance directory being set up for a container that is about to be created.
pub(crate) struct Binding {
    dir: PathBuf,
    /// We made the directory (so a failed create removes it again).
    fresh: bool,
    recorder: Arc<Recorder>,
}

impl Binding {
    /// Prepares the instance directory of `name` in the project of `opts.project_dir` and
    /// returns the options to create with: the project label, the data mount and the
    /// label naming the project directory added.
    pub(crate) fn prepare(
        opts: &ContainerOptions,
        dir: &Path,
        name: &str,
    ) -> Result<(ContainerOptions, Binding)> {
        let project = Project::open(dir)?;
        let idir = project.instance_dir(name);
        let fresh = !idir.exists();
        let data = idir.join("data");
        std::fs::create_dir_all(&data)?;
        std::fs::create_dir_all(idir.join("logs"))?;
        // The sandbox user (uid 1000 in our images, 65534 under the strict preset) is not
        // the host user that made the directory: let any uid write to it.
        set_mode(&data, 0o777)?;
        let mut o = opts.clone();
        let project_name = o
            .project
            .get_or_insert_with(|| project.config().project_name.clone())
            .clone();
        o.labels.push((
            LABEL_PROJECT_DIR.into(),
            project.root().to_string_lossy().into_owned(),
        ));
        if !o.volumes.iter().any(|v| v.container_path == DATA_MOUNT) {
            o.volumes.push(VolumeMount {
                host_path: data.to_string_lossy().into_owned(),
                container_path: DATA_MOUNT.into(),
                read_only: false,
            });
        }
        let record = InstanceRecord {
            name: name.to_owned(),
            id: None,
            project: project_name,
            image: o.image.clone(),
            persist: o.persist,
            created_at: rfc3339_utc(SystemTime::now()),
            data_dir: data.to_string_lossy().into_owned(),
            data_mount: DATA_MOUNT.into(),
            ended_at: None,
            ended_reason: None,
        };
        let binding = Binding {
            recorder: Arc::new(Recorder::new(&idir, project.config().logging.clone())),
            dir: idir,
            fresh,
        };
        if let Err(e) = record.write(&binding.dir) {
            binding.abandon();
            return Err(e);
        }
        Ok((o, binding))
    }

    pub(crate) fn recorder(&self) -> Arc<Recorder> {
        self.recorder.clone()
    }

    /// The container exists: note its id (best effort; the name is what doctor matches).
    pub(crate) fn created(self, id: &str) {
        let noted = InstanceRecord::read(&self.dir).and_then(|mut r| {
            r.id = Some(id.to_owned());
            r.write(&self.dir)
        });
        if let Err(e) = noted {
            tracing::warn!(dir = %self.dir.display(), error = %e, "cannot note the container id");
        }
    }

    /// The create failed: remove the directory if this create made it.
    pub(crate) fn abandon(self) {
        if self.fresh {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

/// Checks that `name` can be a directory name under `instances/`.
pub(crate) fn check_instance_name(name: &str) -> Result<()> {
    crate::container::options::validate_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_whatever_they_hold() {
        let dir = std::env::temp_dir().join(format!("pd-inst-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let r = InstanceRecord {
            name: "pd-1".into(),
            id: Some("abc".into()),
            project: "q\"uote\\back\nslash ünï 🦀 ' \u{7}".into(),
            image: "img".into(),
            persist: true,
            created_at: "2026-01-01T00:00:00Z".into(),
            data_dir: "/tmp/a \"b\"\\c\nd".into(),
            data_mount: DATA_MOUNT.into(),
            ended_at: None,
            ended_reason: None,
        };
        r.write(&dir).unwrap();
        assert_eq!(InstanceRecord::read(&dir).unwrap(), r);
        InstanceRecord::end(&dir, "why").unwrap();
        let e = InstanceRecord::read(&dir).unwrap();
        assert_eq!(e.ended_reason.as_deref(), Some("why"));
        assert!(e.ended_at.is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
