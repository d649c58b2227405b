//! `POST /containers/create`: the body (`ContainerConfig` with its `HostConfig`) and the
//! answer. Only fields that are set are sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The create body. `Image`, `Tty`, `OpenStdin` and `HostConfig` are always sent.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ContainerCreate {
    pub(crate) image: String,
    pub(crate) tty: bool,
    pub(crate) open_stdin: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) entrypoint: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cmd: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) labels: BTreeMap<String, String>,
    /// `NAME=value` entries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) env: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) working_dir: Option<String>,
    /// `port/protocol` keys; the value is always an empty object.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) exposed_ports: BTreeMap<String, Empty>,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) network_disabled: bool,
    pub(crate) host_config: HostConfig,
}

/// The empty JSON object some fields take as their value (`ExposedPorts`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Empty {}

/// The part of `HostConfig` pocketdock sets. `Init` is always sent.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct HostConfig {
    pub(crate) init: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) readonly_rootfs: bool,
    /// Path -> mount options (`size=64m,mode=1777`). `None`: not sent at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tmpfs: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) cap_drop: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) cap_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) security_opt: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) pids_limit: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) mounts: Vec<Mount>,
    /// Bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) memory: Option<i64>,
    /// Memory plus swap, bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) memory_swap: Option<i64>,
    /// Microseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cpu_period: Option<i64>,
    /// Microseconds of CPU time per `CpuPeriod`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cpu_quota: Option<i64>,
    /// `none` for no network; `None`: the engine's default network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) network_mode: Option<String>,
    /// `host:container[:ro]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) binds: Vec<String>,
    /// `port/protocol` -> where it is published on the host.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) port_bindings: BTreeMap<String, Vec<PortBinding>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) devices: Vec<DeviceMapping>,
}

/// A mount (`HostConfig.Mounts`); pocketdock mounts only named volumes this way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Mount {
    /// `volume`, `bind`, `tmpfs`, ...
    #[serde(rename = "Type")]
    pub(crate) kind: String,
    pub(crate) source: String,
    pub(crate) target: String,
    pub(crate) read_only: bool,
}

/// Where a container port is published (`HostIp` empty: every address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PortBinding {
    pub(crate) host_ip: String,
    pub(crate) host_port: String,
}

/// A host device made visible in the container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DeviceMapping {
    pub(crate) path_on_host: String,
    pub(crate) path_in_container: String,
    pub(crate) cgroup_permissions: String,
}

/// The answer of every call that creates something and returns just its id (container
/// create, exec create, commit).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct IdResponse {
    pub(crate) id: String,
}

fn is_false(b: &bool) -> bool {
    !b
}
