//! Container options as a plain struct with the reference defaults, and their validation.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::checks;
use crate::error::{Error, Result};
use crate::profiles::registry::profile_of_image;

/// The image a sandbox uses when none is given.
pub const DEFAULT_IMAGE: &str = "pocketdock/minimal-python";
/// The default timeout of a run on a container.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A host path mounted into the container.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeMount {
    pub host_path: String,
    pub container_path: String,
    pub read_only: bool,
}

/// A container port published on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMapping {
    pub host_port: u16,
    pub container_port: u16,
    /// `tcp` (default) or `udp`.
    #[serde(default = "tcp")]
    pub protocol: String,
}

/// How to create a sandbox. `Default` gives the reference defaults.
///
/// Serialized (JSON) into the `pocketdock.options` label of every container, so that any
/// client can recreate it; a field missing from an older label takes its default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerOptions {
    /// Image to run; must be present locally (never pulled).
    pub image: String,
    /// Container name (also the engine's name). `None`: `pd-<8 hex>`.
    pub name: Option<String>,
    /// Default timeout for runs on this container (milliseconds in the options label).
    #[serde(with = "millis")]
    pub timeout: Duration,
    /// Memory limit such as `"256m"` or `"1g"`.
    pub mem_limit: Option<String>,
    /// CPU share in percent of one core (e.g. 50 = half a core, 200 = two cores).
    pub cpu_percent: Option<u32>,
    /// Kept (stopped, not removed) on shutdown.
    pub persist: bool,
    pub volumes: Vec<VolumeMount>,
    pub ports: Vec<PortMapping>,
    /// Devices as `/dev/x` or `/dev/x:/dev/y`.
    pub devices: Vec<String>,
    pub env: Vec<(String, String)>,
    pub workdir: Option<String>,
    /// Network on (the engine's default bridge) or off (`none`). `None` (the default): on
    /// when `ports` are published, else the image's default, which is off except for the
    /// images of profiles that need a network (see [`ContainerOptions::network_enabled`]).
    pub network: Option<bool>,
    /// Project label value.
    pub project: Option<String>,
    /// Extra labels (e.g. for tests to find their containers).
    pub labels: Vec<(String, String)>,
    /// Run commands through the in-sandbox agent (default). Off: every run is an engine
    /// exec. If the agent cannot be placed, the engine exec is used and the reason logged.
    pub agent: bool,
    /// Read-only root filesystem.
    pub read_only: bool,
    /// Writable tmpfs mounts (path -> mount options such as "size=64m"), e.g. for /tmp on a
    /// read-only root.
    pub tmpfs: Vec<(String, String)>,
    /// Drop every Linux capability from the commands. (With the agent, the agent keeps only
    /// SETUID, SETGID and KILL to start and stop runs; runs themselves have none.)
    pub cap_drop_all: bool,
    /// Forbid privilege gains (setuid binaries, file capabilities).
    pub no_new_privileges: bool,
    /// Most processes the sandbox may hold at once (a fork bomb stops there).
    pub pids_limit: Option<i64>,
    /// The user commands run as by default (`name`, `uid`, `uid:gid`); `None`: the image's.
    pub user: Option<String>,
    /// The project (a directory at or under a project root) this sandbox belongs to: it
    /// gets an instance directory, its `data/` mounted at `/data`, and run logs. Set it with
    /// `apply_project` to take the project's defaults too (see docs/projects.md).
    pub project_dir: Option<PathBuf>,
    /// How long an ephemeral sandbox may live: past it, `doctor` treats it as leaked (for
    /// clients whose process it cannot check, e.g. in another PID namespace). `None`: no limit.
    pub ttl: Option<Duration>,
}

fn tcp() -> String {
    "tcp".to_owned()
}

/// A [`Duration`] as whole milliseconds, the unit every binding uses for timeouts.
mod millis {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        u64::try_from(d.as_millis())
            .unwrap_or(u64::MAX)
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// User commands run as under the strict preset when the image names none (or root).
pub const STRICT_USER: &str = "65534:65534";

impl Default for ContainerOptions {
    fn default() -> Self {
        ContainerOptions {
            image: DEFAULT_IMAGE.to_owned(),
            name: None,
            timeout: DEFAULT_TIMEOUT,
            mem_limit: None,
            cpu_percent: None,
            persist: false,
            volumes: Vec::new(),
            ports: Vec::new(),
            devices: Vec::new(),
            env: Vec::new(),
            workdir: None,
            network: None,
            project: None,
            labels: Vec::new(),
            agent: true,
            read_only: false,
            tmpfs: Vec::new(),
            cap_drop_all: false,
            no_new_privileges: false,
            pids_limit: None,
            user: None,
            project_dir: None,
            ttl: None,
        }
    }
}

impl ContainerOptions {
    /// The preset for untrusted code: network off, read-only root with writable tmpfs for
    /// /tmp and the working directory, no capabilities, no privilege gains, at most 256
    /// processes, and a non-root user (the image's, or 65534 if it would be root). Each of
    /// these is also a field of its own.
    pub fn strict() -> ContainerOptions {
        let mut o = ContainerOptions::default();
        o.harden();
        o
    }

    /// Applies the strict preset's settings on top of these options (the writable working
    /// directory is `workdir`, or the default image's `/home/sandbox`).
    pub fn harden(&mut self) {
        let workdir = self
            .workdir
            .clone()
            .unwrap_or_else(|| "/home/sandbox".into());
        self.network = Some(false);
        self.read_only = true;
        for path in ["/tmp".to_owned(), workdir] {
            if !self.tmpfs.iter().any(|(p, _)| *p == path) {
                self.tmpfs
                    .push((path, "rw,nosuid,nodev,size=64m,mode=1777".into()));
            }
        }
        self.cap_drop_all = true;
        self.no_new_privileges = true;
        self.pids_limit = self.pids_limit.or(Some(256));
    }

    /// Whether the sandbox gets a network. This is the one rule for the default, whatever
    /// way the image was asked for (by name or by profile): the `network` option when set;
    /// else on when ports are published (asking for a port is asking for a network); else the
    /// image's default, from the profile table: on for `pocketdock/dev` and
    /// `pocketdock/embedded` (builds fetch packages), off for every other image, the default
    /// `pocketdock/minimal-python` and images pocketdock does not know included, so untrusted
    /// code starts offline.
    pub fn network_enabled(&self) -> bool {
        self.network.unwrap_or_else(|| {
            !self.ports.is_empty() || profile_of_image(&self.image).is_some_and(|p| p.network)
        })
    }

    /// Whether these options ask for a non-root user (the strict preset does).
    pub(crate) fn wants_non_root(&self) -> bool {
        self.cap_drop_all && self.no_new_privileges
    }
}

/// Parses a memory size: digits with an optional unit `b`, `k`, `m`, `g` (case-insensitive,
/// an extra trailing `b` as in `512mb` allowed). Powers of 1024, like Docker.
pub fn parse_mem_limit(s: &str) -> Result<i64> {
    let bad = || {
        Error::invalid(format!(
            "malformed mem_limit {s:?}: use e.g. \"256m\" or \"1g\""
        ))
    };
    let t = s.trim().to_ascii_lowercase();
    let t = t
        .strip_suffix('b')
        .filter(|r| r.ends_with(['k', 'm', 'g']))
        .unwrap_or(&t);
    let (digits, mult): (&str, i64) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1 << 10),
        Some('m') => (&t[..t.len() - 1], 1 << 20),
        Some('g') => (&t[..t.len() - 1], 1 << 30),
        Some('b') => (&t[..t.len() - 1], 1),
        _ => (t, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = digits.parse().map_err(|_| bad())?;
    match n.checked_mul(mult) {
        Some(v) if v > 0 => Ok(v),
        _ => Err(bad()),
    }
}

/// Docker's rule for container names.
pub(crate) fn validate_name(name: &str) -> Result<()> {
    let mut bytes = name.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphanumeric());
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if first_ok && rest_ok && name.len() <= 128 {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "container name {name:?} must match [a-zA-Z0-9][a-zA-Z0-9_.-]*"
        )))
    }
}

impl ContainerOptions {
    /// Checks everything that can be checked without the engine.
    pub fn validate(&self) -> Result<()> {
        checks::image_ref(&self.image)?;
        if let Some(n) = &self.name {
            validate_name(n)?;
        }
        if self.timeout.is_zero() {
            return Err(Error::invalid("timeout must be positive"));
        }
        if let Some(m) = &self.mem_limit {
            parse_mem_limit(m)?;
        }
        if self.pids_limit.is_some_and(|n| n < 1) {
            return Err(Error::invalid("pids_limit must be positive"));
        }
        if self.cpu_percent == Some(0) {
            return Err(Error::invalid("cpu_percent must be positive"));
        }
        if self.network == Some(false) && !self.ports.is_empty() {
            // Both engines would publish nothing without a word.
            return Err(Error::invalid(
                "ports need a network: do not turn the network off, or publish no ports",
            ));
        }
        self.tmpfs.iter().try_for_each(|(p, _)| checks::tmpfs(p))?;
        self.ports.iter().try_for_each(checks::port)?;
        self.volumes.iter().try_for_each(checks::volume)?;
        self.devices.iter().try_for_each(|d| checks::device(d))?;
        self.labels
            .iter()
            .try_for_each(|(k, _)| checks::label_key(k))?;
        check_env_names(&self.env)
    }
}

/// The options recorded in a container's labels (`None` when absent or unreadable, e.g. a
/// container made by an older pocketdock).
pub(crate) fn recorded(labels: &BTreeMap<String, String>) -> Option<ContainerOptions> {
    let json = labels.get(super::labels::LABEL_OPTIONS)?;
    serde_json::from_str(json)
        .map_err(|e| tracing::warn!(error = %e, "unreadable pocketdock.options label"))
        .ok()
}

/// Environment variable names must be non-empty and hold no `=` or NUL.
pub(crate) fn check_env_names(env: &[(String, String)]) -> Result<()> {
    env.iter().try_for_each(|(k, _)| checks::env_name(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_limits_parse_like_docker() {
        assert_eq!(parse_mem_limit("256m").unwrap(), 256 << 20);
        assert_eq!(parse_mem_limit("1g").unwrap(), 1 << 30);
        assert_eq!(parse_mem_limit("1G").unwrap(), 1 << 30);
        assert_eq!(parse_mem_limit("512mb").unwrap(), 512 << 20);
        assert_eq!(parse_mem_limit("64k").unwrap(), 64 << 10);
        assert_eq!(parse_mem_limit("1048576").unwrap(), 1 << 20);
        assert_eq!(parse_mem_limit("100b").unwrap(), 100);
    }

    #[test]
    fn malformed_mem_limits_are_rejected() {
        for s in [
            "",
            "m",
            "abc",
            "12x",
            "-5m",
            "1.5g",
            "0",
            "0m",
            "99999999999999999g",
            "1gb2",
        ] {
            assert!(parse_mem_limit(s).is_err(), "{s:?} should be rejected");
        }
    }

    #[test]
    fn names_follow_engine_rules() {
        assert!(validate_name("pd-0a1b2c3d").is_ok());
        assert!(validate_name("my_box.1").is_ok());
        for n in ["", "-x", "a b", "a/b", "ä"] {
            assert!(validate_name(n).is_err(), "{n:?}");
        }
    }
}
