//! `GET /containers/json`: one entry of the container list (`ContainerSummary` in the API).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::nullable;

/// A listed container. Docker and Podman's compat API agree on these fields, except that
/// Podman lists the image by its normalized name (`localhost/x:latest`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ContainerSummary {
    #[serde(deserialize_with = "nullable")]
    pub(crate) id: String,
    /// Engine names with a leading `/`.
    #[serde(deserialize_with = "nullable")]
    pub(crate) names: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub(crate) image: String,
    /// `running`, `exited`, `created`, ...
    #[serde(deserialize_with = "nullable")]
    pub(crate) state: String,
    /// Unix seconds.
    #[serde(deserialize_with = "nullable")]
    pub(crate) created: i64,
    #[serde(deserialize_with = "nullable")]
    pub(crate) labels: BTreeMap<String, String>,
}

impl ContainerSummary {
    /// The first name without the engine's leading `/`; empty when it has none.
    pub(crate) fn name(&self) -> &str {
        self.names.first().map_or("", |n| n.trim_start_matches('/'))
    }
}
