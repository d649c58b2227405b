//! Container options as a plain struct with the reference defaults, and their validation.

use std::time::Duration;

use crate::error::{Error, Result};

/// The image a sandbox uses when none is given.
pub const DEFAULT_IMAGE: &str = "pocketdock/minimal-python";
/// The default timeout of a run on a container.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A host path mounted into the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeMount {
    pub host_path: String,
    pub container_path: String,
    pub read_only: bool,
}

/// A container port published on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortMapping {
    pub host_port: u16,
    pub container_port: u16,
    /// `tcp` (default) or `udp`.
    pub protocol: String,
}

/// How to create a sandbox. `Default` gives the reference defaults.
#[derive(Debug, Clone)]
pub struct ContainerOptions {
    /// Image to run; must be present locally (never pulled).
    pub image: String,
    /// Container name (also the engine's name). `None`: `pd-<8 hex>`.
    pub name: Option<String>,
    /// Default timeout for runs on this container.
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
    /// Network on (default bridge) or off (`none`).
    pub network: bool,
    /// Project label value.
    pub project: Option<String>,
    /// Extra labels (e.g. for tests to find their containers).
    pub labels: Vec<(String, String)>,
    /// Run commands through the in-sandbox agent (default). Off: every run is an engine
    /// exec. If the agent cannot be placed, the engine exec is used and the reason logged.
    pub agent: bool,
    /// Read-only root filesystem.
    pub read_only: bool,
}

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
            network: true,
            project: None,
            labels: Vec::new(),
            agent: true,
            read_only: false,
        }
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
    pub(crate) fn validate(&self) -> Result<()> {
        if self.image.trim().is_empty() {
            return Err(Error::invalid("image must not be empty"));
        }
        if let Some(n) = &self.name {
            validate_name(n)?;
        }
        if self.timeout.is_zero() {
            return Err(Error::invalid("timeout must be positive"));
        }
        if let Some(m) = &self.mem_limit {
            parse_mem_limit(m)?;
        }
        if self.cpu_percent == Some(0) {
            return Err(Error::invalid("cpu_percent must be positive"));
        }
        for p in &self.ports {
            if p.protocol != "tcp" && p.protocol != "udp" {
                return Err(Error::invalid(format!(
                    "port protocol {:?} is not tcp or udp",
                    p.protocol
                )));
            }
        }
        for v in &self.volumes {
            if !v.container_path.starts_with('/') || v.host_path.is_empty() {
                return Err(Error::invalid(format!(
                    "volume {:?}:{:?} needs a host path and an absolute container path",
                    v.host_path, v.container_path
                )));
            }
        }
        for (k, _) in &self.env {
            if k.is_empty() || k.contains('=') {
                return Err(Error::invalid(format!(
                    "bad environment variable name {k:?}"
                )));
            }
        }
        Ok(())
    }
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
