//! Finding and making a project: a directory holding `.pocketdock/pocketdock.yaml`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The project directory inside a project root.
pub const PROJECT_DIR: &str = ".pocketdock";
/// The config file inside [`PROJECT_DIR`] (also the user-level file in `~/.pocketdock/`).
pub const CONFIG_FILE: &str = "pocketdock.yaml";
/// Where instance directories live inside [`PROJECT_DIR`].
pub const INSTANCES_DIR: &str = "instances";

/// Makes `path` a project: creates `path/.pocketdock/` with `pocketdock.yaml` (naming the
/// project `name`, default: the directory's name) and `instances/`. An existing config is
/// kept as it is. Returns the project root (absolute).
pub fn init_project(path: &Path, name: Option<&str>) -> Result<PathBuf> {
    let root = absolute(path)?;
    if !root.is_dir() {
        return Err(Error::FileNotFound(format!(
            "{} (not a directory on the host)",
            root.display()
        )));
    }
    let name = match name {
        Some(n) => n.to_owned(),
        None => default_name(&root),
    };
    if name.trim().is_empty() || name.contains(['\0', '\n', '\r']) {
        return Err(Error::invalid(format!(
            "project name {name:?} must be non-empty, on one line"
        )));
    }
    let dir = root.join(PROJECT_DIR);
    std::fs::create_dir_all(dir.join(INSTANCES_DIR))?;
    let config = dir.join(CONFIG_FILE);
    if !config.exists() {
        // A JSON string is a valid YAML double-quoted scalar: any name round-trips.
        let quoted = serde_json::to_string(&name).map_err(Error::internal)?;
        let text = format!(
            "# pocketdock project settings (see docs/projects.md)\nproject_name: {quoted}\n\
             # default_profile: minimal-python\n# default_persist: false\n\
             # socket: /run/podman/podman.sock\n# logging:\n#   history: true\n\
             #   run_logs: true\n#   max_file_size: 10m\n#   max_run_logs: 100\n\
             #   max_age_days: 30\n"
        );
        std::fs::write(&config, text)?;
    }
    Ok(root)
}

/// The nearest directory at or above `start` that holds `.pocketdock/pocketdock.yaml`,
/// skipping the home directory (its `.pocketdock/` holds the user-level defaults, not a
/// project).
pub fn find_project_root(start: &Path) -> Option<PathBuf> {
    let start = absolute(start).ok()?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    start
        .ancestors()
        .filter(|d| Some(*d) != home.as_deref())
        .find(|d| d.join(PROJECT_DIR).join(CONFIG_FILE).is_file())
        .map(Path::to_path_buf)
}

/// `path` made absolute (against the current directory), `.`/`..` resolved when it exists.
pub(crate) fn absolute(path: &Path) -> Result<PathBuf> {
    if path.as_os_str().is_empty() {
        return Err(Error::invalid("path must not be empty"));
    }
    match path.canonicalize() {
        Ok(p) => Ok(p),
        Err(_) => Ok(std::path::absolute(path)?),
    }
}

pub(crate) fn default_name(root: &Path) -> String {
    root.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pocketdock".into())
}
