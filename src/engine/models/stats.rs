//! `GET /containers/{id}/stats?stream=false` and `GET /containers/{id}/top`.
//!
//! The stats fields differ by engine and cgroup version (cgroup v1 reports page cache as
//! `cache`, v2 as `inactive_file`; a stopped container's figures are zero or missing), so
//! every figure is optional.

use serde::Deserialize;

use super::{lenient_u64, nullable};

/// One stats sample.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Stats {
    #[serde(deserialize_with = "nullable")]
    pub(crate) cpu_stats: CpuStats,
    #[serde(deserialize_with = "nullable")]
    pub(crate) memory_stats: MemoryStats,
    #[serde(deserialize_with = "nullable")]
    pub(crate) pids_stats: PidsStats,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CpuStats {
    #[serde(deserialize_with = "nullable")]
    pub(crate) cpu_usage: CpuUsage,
    /// Nanoseconds of host CPU time (all cores) since some fixed point.
    #[serde(deserialize_with = "lenient_u64")]
    pub(crate) system_cpu_usage: Option<u64>,
    #[serde(deserialize_with = "lenient_u64")]
    pub(crate) online_cpus: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CpuUsage {
    /// Nanoseconds of CPU time the container used.
    #[serde(deserialize_with = "lenient_u64")]
    pub(crate) total_usage: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct MemoryStats {
    /// Bytes, page cache included.
    #[serde(deserialize_with = "lenient_u64")]
    pub(crate) usage: Option<u64>,
    /// Bytes; the host's memory when the container has no limit.
    #[serde(deserialize_with = "lenient_u64")]
    pub(crate) limit: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    pub(crate) stats: MemoryDetail,
}

/// The cgroup's own memory counters (a few of them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct MemoryDetail {
    /// cgroup v2: page cache that may be reclaimed.
    #[serde(deserialize_with = "lenient_u64")]
    pub(crate) inactive_file: Option<u64>,
    /// cgroup v1: page cache.
    #[serde(deserialize_with = "lenient_u64")]
    pub(crate) cache: Option<u64>,
}

impl MemoryStats {
    /// Memory in use without the page cache, as `docker stats` shows it.
    pub(crate) fn used(&self) -> Option<u64> {
        let cache = self.stats.inactive_file.or(self.stats.cache).unwrap_or(0);
        self.usage.map(|u| u.saturating_sub(cache))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PidsStats {
    #[serde(deserialize_with = "lenient_u64")]
    pub(crate) current: Option<u64>,
}

/// The container's processes, as `ps` columns.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct Top {
    #[serde(deserialize_with = "nullable")]
    pub(crate) titles: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub(crate) processes: Vec<Vec<String>>,
}
