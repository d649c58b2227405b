//! `GET /containers/{id}/json` and `GET /images/{name}/json`: the fields pocketdock reads.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::nullable;

/// A container, as inspected.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ContainerInspect {
    #[serde(deserialize_with = "nullable")]
    pub(crate) id: String,
    /// The engine's name with a leading `/`.
    #[serde(deserialize_with = "nullable")]
    pub(crate) name: String,
    /// RFC 3339.
    #[serde(deserialize_with = "nullable")]
    pub(crate) created: String,
    #[serde(deserialize_with = "nullable")]
    pub(crate) state: ContainerState,
    #[serde(deserialize_with = "nullable")]
    pub(crate) config: ContainerConfig,
    #[serde(deserialize_with = "nullable")]
    pub(crate) host_config: InspectHostConfig,
    #[serde(deserialize_with = "nullable")]
    pub(crate) network_settings: NetworkSettings,
}

impl ContainerInspect {
    /// The name without the engine's leading `/`.
    pub(crate) fn bare_name(&self) -> &str {
        self.name.trim_start_matches('/')
    }

    /// A label's value, `None` when unset.
    pub(crate) fn label(&self, key: &str) -> Option<&str> {
        self.config.labels.get(key).map(String::as_str)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ContainerState {
    /// `created`, `running`, `exited`, ...
    #[serde(deserialize_with = "nullable")]
    pub(crate) status: String,
    #[serde(deserialize_with = "nullable")]
    pub(crate) running: bool,
    /// RFC 3339; `0001-01-01T00:00:00Z` when it never started.
    #[serde(deserialize_with = "nullable")]
    pub(crate) started_at: String,
    /// The init process (the agent, in a sandbox that has it) as the engine's host sees it;
    /// 0 when it does not run.
    #[serde(deserialize_with = "nullable")]
    pub(crate) pid: i64,
}

impl ContainerState {
    /// When it started, if it ever did.
    pub(crate) fn started(&self) -> Option<&str> {
        Some(self.started_at.as_str()).filter(|s| !s.is_empty() && !s.starts_with("0001-"))
    }
}

/// The container's (or an image's) configuration: `Config` in both inspect documents.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ContainerConfig {
    /// The image as the container was created from it (as asked for on Docker, normalized
    /// on Podman, e.g. `localhost/x:latest`). Absent from an image's config.
    #[serde(deserialize_with = "nullable")]
    pub(crate) image: String,
    /// Empty: root.
    #[serde(deserialize_with = "nullable")]
    pub(crate) user: String,
    #[serde(deserialize_with = "nullable")]
    pub(crate) labels: BTreeMap<String, String>,
    #[serde(deserialize_with = "nullable")]
    pub(crate) working_dir: String,
    #[serde(deserialize_with = "nullable")]
    pub(crate) entrypoint: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub(crate) cmd: Vec<String>,
}

impl ContainerConfig {
    /// The user, `None` when unset (root).
    pub(crate) fn user(&self) -> Option<&str> {
        Some(self.user.as_str()).filter(|u| !u.is_empty())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct InspectHostConfig {
    /// `none` when the container has no network.
    #[serde(deserialize_with = "nullable")]
    pub(crate) network_mode: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct NetworkSettings {
    /// The address on the default bridge; empty on Podman, which reports it per network.
    #[serde(rename = "IPAddress", deserialize_with = "nullable")]
    pub(crate) ip_address: String,
    #[serde(deserialize_with = "nullable")]
    pub(crate) networks: BTreeMap<String, EndpointSettings>,
    /// `port/protocol` -> where it is published; `null` for an exposed port that is not.
    #[serde(deserialize_with = "nullable")]
    pub(crate) ports: BTreeMap<String, Option<Vec<PortBindingSeen>>>,
}

impl NetworkSettings {
    /// The container's address: the top-level one, else the first network's.
    pub(crate) fn ip(&self) -> Option<&str> {
        fn nonempty(s: &str) -> Option<&str> {
            (!s.is_empty()).then_some(s)
        }
        nonempty(&self.ip_address)
            .or_else(|| self.networks.values().find_map(|n| nonempty(&n.ip_address)))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct EndpointSettings {
    #[serde(rename = "IPAddress", deserialize_with = "nullable")]
    pub(crate) ip_address: String,
}

/// A published port as inspected.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct PortBindingSeen {
    #[serde(deserialize_with = "nullable")]
    pub(crate) host_ip: String,
    #[serde(deserialize_with = "nullable")]
    pub(crate) host_port: String,
}

/// An image, as inspected.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ImageInspect {
    #[serde(deserialize_with = "nullable")]
    pub(crate) config: ContainerConfig,
}
