//! `pocketdock mcp`'s settings: defaults, then a TOML file (`--config`), then flags. Sizes
//! and durations are written as the other commands take them (`10m`, `30s`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde::Deserialize;

use crate::parse;

/// Flags of `pocketdock mcp`; each overrides the config file's key of the same name.
#[derive(Args, Debug, Clone, Default)]
pub struct McpArgs {
    /// A TOML file with any of the keys below (docs/mcp.md)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Serve MCP over streamable HTTP on this loopback port (path /mcp) instead of stdio
    #[arg(long, value_name = "PORT")]
    pub http_port: Option<u16>,
    /// Image of the sessions' sandboxes [default: pocketdock/datasci]
    #[arg(long)]
    pub image: Option<String>,
    /// Profile whose image the sessions use (instead of --image)
    #[arg(long)]
    pub profile: Option<String>,
    /// Most sessions at once [default: 4]
    #[arg(long, value_name = "N")]
    pub max_sessions: Option<usize>,
    /// Per-call timeout [default: 30s]
    #[arg(long, value_parser = parse::duration, value_name = "DURATION")]
    pub timeout: Option<Duration>,
    /// A session unused this long is closed [default: 10m]
    #[arg(long, value_parser = parse::duration, value_name = "DURATION")]
    pub idle_ttl: Option<Duration>,
    /// Sandboxes kept warm for new sessions (0: created on demand) [default: 1]
    #[arg(long, value_name = "N")]
    pub warm: Option<usize>,
    /// Give the sandboxes a network (off by default)
    #[arg(long)]
    pub network: bool,
    /// Memory limit of each sandbox [default: 1g]
    #[arg(long, value_parser = parse::mem_limit, value_name = "SIZE")]
    pub mem_limit: Option<String>,
    /// Loopback port of the artifact download server (0: any free port) [default: 0]
    #[arg(long, value_name = "PORT")]
    pub artifact_port: Option<u16>,
    /// No artifact download server (artifacts have no download_url)
    #[arg(long)]
    pub no_artifact_server: bool,
    /// Write the JSON logs to this file (default: stderr)
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Log level: error, warn, info, debug, trace [default: info]
    #[arg(long, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// An extra label for the sessions' sandboxes (repeatable)
    #[arg(long = "label", value_parser = parse::env, value_name = "KEY=VALUE")]
    pub labels: Vec<(String, String)>,
    /// This server's name: its sandboxes carry it (label pocketdock.mcp), and only orphans
    /// of the same name are removed at start-up [default: default]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// The config file's keys (all optional; docs/mcp.md).
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    name: Option<String>,
    http_port: Option<u16>,
    image: Option<String>,
    profile: Option<String>,
    max_sessions: Option<usize>,
    timeout: Option<String>,
    idle_ttl: Option<String>,
    warm: Option<usize>,
    network: Option<bool>,
    mem_limit: Option<String>,
    cpu_percent: Option<u32>,
    pids_limit: Option<i64>,
    data_dir: Option<String>,
    data_size: Option<String>,
    max_output: Option<String>,
    max_code: Option<String>,
    max_upload: Option<String>,
    max_read: Option<String>,
    max_download: Option<String>,
    artifact_server: Option<bool>,
    artifact_port: Option<u16>,
    log_file: Option<PathBuf>,
    log_level: Option<String>,
    labels: Option<std::collections::BTreeMap<String, String>>,
}

/// Everything the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub name: String,
    pub http_port: Option<u16>,
    pub image: String,
    pub max_sessions: usize,
    pub timeout: Duration,
    pub idle_ttl: Duration,
    pub warm: usize,
    pub network: bool,
    pub mem_limit: Option<String>,
    pub cpu_percent: Option<u32>,
    pub pids_limit: i64,
    /// Where uploads land, code runs, and artifacts are looked for (a tmpfs).
    pub data_dir: String,
    pub data_size: u64,
    /// Cap of each of stdout and stderr (and of a result's repr), per call.
    pub max_output: usize,
    pub max_code: usize,
    pub max_upload: usize,
    pub max_read: usize,
    pub max_download: u64,
    pub artifact_server: bool,
    pub artifact_port: u16,
    pub log_file: Option<PathBuf>,
    pub log_level: String,
    pub labels: Vec<(String, String)>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            name: "default".into(),
            http_port: None,
            image: "pocketdock/datasci".into(),
            max_sessions: 4,
            timeout: Duration::from_secs(30),
            idle_ttl: Duration::from_secs(600),
            warm: 1,
            network: false,
            mem_limit: Some("1g".into()),
            cpu_percent: Some(100),
            pids_limit: 256,
            data_dir: "/data".into(),
            data_size: 256 << 20,
            max_output: 1 << 20,
            max_code: 1 << 20,
            max_upload: 10 << 20,
            max_read: 5 << 20,
            max_download: 100 << 20,
            artifact_server: true,
            artifact_port: 0,
            log_file: None,
            log_level: "info".into(),
            labels: Vec::new(),
        }
    }
}

fn key<T>(
    name: &str,
    v: Option<String>,
    f: fn(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    v.map(|s| f(&s).map_err(|e| format!("{name}: {e}")))
        .transpose()
}

fn size(s: &str) -> Result<usize, String> {
    parse::size(s).and_then(|n| usize::try_from(n).map_err(|e| e.to_string()))
}

impl Config {
    /// Defaults, the file, then the flags.
    pub fn load(args: &McpArgs) -> Result<Config, String> {
        let mut c = Config::default();
        if let Some(path) = &args.config {
            c.apply_file(path)?;
        }
        c.apply_args(args)?;
        c.check()?;
        Ok(c)
    }

    fn apply_file(&mut self, path: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let f: FileConfig =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let c = self;
        macro_rules! set {
            ($($k:ident),*) => { $(if let Some(v) = f.$k { c.$k = v; })* };
        }
        set!(
            name,
            max_sessions,
            warm,
            network,
            pids_limit,
            data_dir,
            artifact_server,
            artifact_port,
            log_level
        );
        c.http_port = f.http_port.or(c.http_port);
        c.log_file = f.log_file.or(c.log_file.take());
        c.cpu_percent = f.cpu_percent.or(c.cpu_percent);
        c.labels.extend(f.labels.unwrap_or_default());
        if let Some(i) = f.image {
            c.image = i;
        }
        if let Some(p) = f.profile {
            c.image = profile_image(&p)?;
        }
        if let Some(v) = key("mem_limit", f.mem_limit, parse::mem_limit)? {
            c.mem_limit = Some(v);
        }
        if let Some(v) = key("timeout", f.timeout, parse::duration)? {
            c.timeout = v;
        }
        if let Some(v) = key("idle_ttl", f.idle_ttl, parse::duration)? {
            c.idle_ttl = v;
        }
        if let Some(v) = key("data_size", f.data_size, parse::size)? {
            c.data_size = v;
        }
        if let Some(v) = key("max_download", f.max_download, parse::size)? {
            c.max_download = v;
        }
        for (name, v, dst) in [
            ("max_output", f.max_output, &mut c.max_output),
            ("max_code", f.max_code, &mut c.max_code),
            ("max_upload", f.max_upload, &mut c.max_upload),
            ("max_read", f.max_read, &mut c.max_read),
        ] {
            if let Some(n) = key(name, v, size)? {
                *dst = n;
            }
        }
        Ok(())
    }

    fn apply_args(&mut self, a: &McpArgs) -> Result<(), String> {
        if let Some(i) = &a.image {
            self.image = i.clone();
        }
        if let Some(p) = &a.profile {
            self.image = profile_image(p)?;
        }
        macro_rules! opt {
            ($($k:ident),*) => { $(if let Some(v) = a.$k.clone() { self.$k = v; })* };
        }
        opt!(
            max_sessions,
            timeout,
            idle_ttl,
            warm,
            artifact_port,
            log_level,
            name
        );
        if a.http_port.is_some() {
            self.http_port = a.http_port;
        }
        if a.mem_limit.is_some() {
            self.mem_limit = a.mem_limit.clone();
        }
        if a.log_file.is_some() {
            self.log_file = a.log_file.clone();
        }
        self.network |= a.network;
        self.labels.extend(a.labels.iter().cloned());
        if a.no_artifact_server {
            self.artifact_server = false;
        }
        Ok(())
    }

    fn check(&self) -> Result<(), String> {
        if self.max_sessions == 0 {
            return Err("max_sessions must be at least 1".into());
        }
        if self.timeout.is_zero() || self.idle_ttl.is_zero() {
            return Err("timeout and idle_ttl must be positive".into());
        }
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !name_ok {
            return Err(format!(
                "name {:?}: use letters, digits, _ . - (at most 64)",
                self.name
            ));
        }
        // An upload travels in one agent frame (16 MiB, with room for the request).
        if self.max_upload > 15 << 20 {
            return Err("max_upload is at most 15m".into());
        }
        if !self.data_dir.starts_with('/') || self.data_dir.contains("..") || self.data_dir == "/" {
            return Err(format!(
                "data_dir {:?} must be an absolute path below /",
                self.data_dir
            ));
        }
        Ok(())
    }
}

fn profile_image(name: &str) -> Result<String, String> {
    pocketdock::resolve_profile(name)
        .map(|p| p.image.to_owned())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mcp.toml");
        std::fs::write(
            &path,
            "max_sessions = 2\ntimeout = \"5s\"\nmax_upload = \"1k\"\nprofile = \"agent\"\n",
        )
        .unwrap();
        let args = McpArgs {
            config: Some(path.clone()),
            max_sessions: Some(3),
            ..Default::default()
        };
        let c = Config::load(&args).unwrap();
        assert_eq!(c.max_sessions, 3);
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert_eq!(c.max_upload, 1024);
        assert_eq!(c.image, "pocketdock/agent");
        std::fs::write(&path, "max_sesions = 2\n").unwrap();
        let e = Config::load(&args).unwrap_err();
        assert!(e.contains("max_sesions"), "{e}");
        std::fs::write(&path, "timeout = \"soon\"\n").unwrap();
        assert!(Config::load(&args).unwrap_err().starts_with("timeout"));
    }

    #[test]
    fn bad_values_are_refused() {
        let bad = |a: McpArgs| Config::load(&a).unwrap_err();
        bad(McpArgs {
            max_sessions: Some(0),
            ..Default::default()
        });
        bad(McpArgs {
            name: Some("a/b".into()),
            ..Default::default()
        });
        bad(McpArgs {
            profile: Some("nope".into()),
            ..Default::default()
        });
    }
}
