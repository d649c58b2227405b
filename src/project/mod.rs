//! Projects: a directory with `.pocketdock/pocketdock.yaml` whose settings new sandboxes
//! take, and `.pocketdock/instances/<name>/` per sandbox (record, data mount, logs).
//!
//! Precedence of a setting: an explicit option > the project's `pocketdock.yaml` > the
//! user's `~/.pocketdock/pocketdock.yaml` > the built-in default. Options are "explicit"
//! when set after the project was applied ([`ContainerOptions::apply_project`]).

pub mod config;
mod doctor;
pub mod hooks;
pub(crate) mod instance;
pub(crate) mod logs;
mod root;

use std::path::{Path, PathBuf};

use crate::container::{Container, ContainerOptions};
use crate::error::{Error, Result};
use crate::Client;
pub use config::{LoggingConfig, ProjectConfig};
pub use doctor::{doctor, DoctorItem, DoctorReport};
pub use instance::{InstanceRecord, DATA_MOUNT};
pub use logs::{read_history, HistoryEntry};
pub use root::{find_project_root, init_project, CONFIG_FILE, PROJECT_DIR};

/// An opened project: its root and merged settings.
#[derive(Debug, Clone)]
pub struct Project {
    root: PathBuf,
    config: ProjectConfig,
}

/// `$HOME/.pocketdock/pocketdock.yaml`, when HOME is set.
fn user_config() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(PROJECT_DIR).join(CONFIG_FILE))
}

impl Project {
    /// Opens the project at or above `dir`, with the user-level defaults of
    /// `$HOME/.pocketdock/pocketdock.yaml` under its own. `FileNotFound` when there is none.
    pub fn open(dir: &Path) -> Result<Project> {
        Project::open_with_user_config(dir, user_config().as_deref())
    }

    /// Like [`Project::open`] with the user-level file named explicitly (`None`: none).
    pub fn open_with_user_config(dir: &Path, user_config: Option<&Path>) -> Result<Project> {
        hooks::install();
        let root = find_project_root(dir).ok_or_else(|| {
            Error::FileNotFound(format!(
                "no pocketdock project at or above {} (run init_project first)",
                dir.display()
            ))
        })?;
        let own = config::Layer::read(&root.join(PROJECT_DIR).join(CONFIG_FILE))?;
        let user = match user_config {
            Some(p) => config::Layer::read(p)?,
            None => config::Layer::default(),
        };
        let config = own.over(user).resolve(&root::default_name(&root));
        Ok(Project { root, config })
    }

    /// The directory holding `.pocketdock/`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The merged settings.
    pub fn config(&self) -> &ProjectConfig {
        &self.config
    }

    /// Options for a new sandbox of this project (see [`Project::apply_to`]).
    pub fn container_options(&self) -> Result<ContainerOptions> {
        let mut o = ContainerOptions::default();
        self.apply_to(&mut o)?;
        Ok(o)
    }

    /// Sets on `opts` what the project decides: the profile's image and network, persist,
    /// the project label and the project directory (so the sandbox gets its instance
    /// directory and logs).
    pub fn apply_to(&self, opts: &mut ContainerOptions) -> Result<()> {
        if let Some(p) = &self.config.default_profile {
            opts.apply_profile(p)?;
        }
        opts.persist = self.config.default_persist;
        opts.project = Some(self.config.project_name.clone());
        opts.project_dir = Some(self.root.clone());
        Ok(())
    }

    /// A client on the configured socket (or by discovery when none is configured).
    pub async fn connect(&self) -> Result<Client> {
        Client::connect_to(self.config.socket.as_deref()).await
    }

    /// Creates a sandbox of this project with `opts` on the configured engine; `opts`
    /// should come from [`Project::container_options`].
    pub async fn create_container(&self, opts: &ContainerOptions) -> Result<Container> {
        let mut opts = opts.clone();
        opts.project_dir.get_or_insert_with(|| self.root.clone());
        opts.validate()?;
        self.connect().await?.create_container(&opts).await
    }

    /// `.pocketdock/instances/<name>/`.
    pub fn instance_dir(&self, name: &str) -> PathBuf {
        self.root
            .join(PROJECT_DIR)
            .join(root::INSTANCES_DIR)
            .join(name)
    }

    /// The names of the instance directories.
    pub fn instances(&self) -> Result<Vec<String>> {
        let dir = self.root.join(PROJECT_DIR).join(root::INSTANCES_DIR);
        let mut names: Vec<String> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        names.sort();
        Ok(names)
    }

    /// The history of instance `name`, oldest first.
    pub fn history(&self, name: &str) -> Result<Vec<HistoryEntry>> {
        instance::check_instance_name(name)?;
        read_history(&self.instance_dir(name))
    }
}

impl ContainerOptions {
    /// Default options for a sandbox of the project at or above `dir`.
    pub fn for_project(dir: &Path) -> Result<ContainerOptions> {
        Project::open(dir)?.container_options()
    }

    /// Applies the project at or above `dir` to these options (see [`Project::apply_to`]);
    /// fields set afterwards win.
    pub fn apply_project(&mut self, dir: &Path) -> Result<()> {
        Project::open(dir)?.apply_to(self)
    }
}
