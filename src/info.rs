//! What a sandbox is doing: state, resources, network, processes. Live figures come from
//! two stats samples (CPU is the rate between them, not an average since start); a stopped
//! container reports its state and no live figures.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::container::Container;
use crate::engine::models::{ContainerInspect, NetworkSettings, Stats, Top};
use crate::engine::request::Subject;
use crate::error::Result;

/// Time between the two stats samples behind `cpu_percent`.
const CPU_SAMPLE: Duration = Duration::from_millis(250);

/// A published port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortInfo {
    pub container_port: u16,
    pub protocol: String,
    pub host_ip: String,
    pub host_port: u16,
}

/// A snapshot of a sandbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerInfo {
    pub id: String,
    pub name: String,
    /// The engine's status word: `running`, `exited`, `created`, ...
    pub status: String,
    pub running: bool,
    pub image: String,
    /// RFC 3339, as the engine reports it.
    pub created_at: String,
    pub started_at: Option<String>,
    pub uptime_ms: Option<u64>,
    pub memory_usage_bytes: Option<u64>,
    pub memory_limit_bytes: Option<u64>,
    pub memory_percent: Option<f64>,
    pub cpu_percent: Option<f64>,
    pub pids: Option<u64>,
    pub network: bool,
    pub ip_address: Option<String>,
    pub ports: Vec<PortInfo>,
    /// Column names of `processes` (from the engine's `top`).
    pub process_titles: Vec<String>,
    pub processes: Vec<Vec<String>>,
}

impl Container {
    /// Inspects the sandbox; takes ~250 ms when it runs (two stats samples).
    pub async fn info(&self) -> Result<ContainerInfo> {
        let doc: ContainerInspect = self
            .get_json(&format!("/containers/{}/json", self.id()))
            .await?;
        let running = doc.state.running;
        let started_at = doc.state.started().map(str::to_owned);
        let net = &doc.network_settings;
        let mut info = ContainerInfo {
            id: self.id().to_owned(),
            name: self.name().to_owned(),
            status: doc.state.status.clone(),
            running,
            image: doc.config.image.clone(),
            created_at: doc.created.clone(),
            uptime_ms: started_at
                .as_deref()
                .filter(|_| running)
                .and_then(parse_rfc3339)
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .map(|d| d.as_millis() as u64),
            started_at,
            memory_usage_bytes: None,
            memory_limit_bytes: None,
            memory_percent: None,
            cpu_percent: None,
            pids: None,
            network: doc.host_config.network_mode != "none",
            ip_address: net.ip().map(str::to_owned),
            ports: ports(net),
            process_titles: Vec::new(),
            processes: Vec::new(),
        };
        if running {
            self.live_figures(&mut info).await?;
        }
        Ok(info)
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.engine()
            .call_json(Method::GET, path, None, Subject::Container(self.name()))
            .await
            .map_err(|e| self.explain(e))
    }

    async fn live_figures(&self, info: &mut ContainerInfo) -> Result<()> {
        let stats = format!("/containers/{}/stats?stream=false&one-shot=true", self.id());
        let first: Stats = self.get_json(&stats).await?;
        tokio::time::sleep(CPU_SAMPLE).await;
        let second: Stats = self.get_json(&stats).await?;
        info.cpu_percent = cpu_percent(&first, &second);
        let mem = &second.memory_stats;
        info.memory_usage_bytes = mem.used();
        info.memory_limit_bytes = mem.limit.filter(|&l| l > 0);
        if let (Some(u), Some(l)) = (info.memory_usage_bytes, info.memory_limit_bytes) {
            info.memory_percent = Some(u as f64 * 100.0 / l as f64);
        }
        info.pids = second.pids_stats.current;
        let top: Top = self
            .get_json(&format!("/containers/{}/top", self.id()))
            .await?;
        info.process_titles = top.titles;
        info.processes = top.processes;
        Ok(())
    }
}

/// The published ports, one entry per host binding (exposed but unpublished ones have none).
pub(crate) fn ports(net: &NetworkSettings) -> Vec<PortInfo> {
    let mut out = Vec::new();
    for (key, bindings) in &net.ports {
        let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
        let Ok(container_port) = port.parse() else {
            continue;
        };
        for b in bindings.iter().flatten() {
            out.push(PortInfo {
                container_port,
                protocol: proto.to_owned(),
                host_ip: b.host_ip.clone(),
                host_port: b.host_port.parse().unwrap_or(0),
            });
        }
    }
    out
}

/// CPU use between two stats samples, in percent of one core (200 = two cores busy).
pub(crate) fn cpu_percent(a: &Stats, b: &Stats) -> Option<f64> {
    let total = |s: &Stats| s.cpu_stats.cpu_usage.total_usage.map(|n| n as f64);
    let system = |s: &Stats| s.cpu_stats.system_cpu_usage.map(|n| n as f64);
    let d_cpu = total(b)? - total(a)?;
    let d_sys = system(b)? - system(a)?;
    let cpus = b.cpu_stats.online_cpus.filter(|&n| n > 0).unwrap_or(1) as f64;
    (d_sys > 0.0).then(|| (d_cpu.max(0.0) / d_sys) * cpus * 100.0)
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`.
pub(crate) fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let rest = s.get(19..)?;
    let (frac, zone) = match rest.strip_prefix('.') {
        Some(r) => {
            let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            (&r[..end], &r[end..])
        }
        None => ("", rest),
    };
    let offset = match zone {
        "Z" | "z" => 0,
        z if z.len() == 6 => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            sign * (z.get(1..3)?.parse::<i64>().ok()? * 3600
                + z.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from civil (H. Hinnant).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
    let nanos: u32 = format!("{frac:0<9}").get(..9)?.parse().ok()?;
    let t = UNIX_EPOCH.checked_add(Duration::from_secs(u64::try_from(secs).ok()?))?;
    t.checked_add(Duration::from_nanos(u64::from(nanos)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc3339_with_fractions_and_zones() {
        let t = parse_rfc3339("2024-02-29T12:34:56.123456789Z").unwrap();
        let d = t.duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(d.as_secs(), 1_709_210_096);
        assert_eq!(d.subsec_nanos(), 123_456_789);
        let t = parse_rfc3339("2024-02-29T14:34:56+02:00").unwrap();
        assert_eq!(
            t.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_709_210_096
        );
        assert!(parse_rfc3339("yesterday").is_none());
        let round = crate::container::labels::rfc3339_utc(t);
        assert_eq!(parse_rfc3339(&round), Some(t));
    }

    #[test]
    fn cpu_is_the_rate_between_samples() {
        let s = |cpu: u64, sys: u64| -> Stats {
            serde_json::from_value(json!({"cpu_stats": {"cpu_usage": {"total_usage": cpu}, "system_cpu_usage": sys, "online_cpus": 2}}))
                .unwrap()
        };
        // Half of the machine's time went to the container: one core of two.
        assert_eq!(
            cpu_percent(&s(1_000, 10_000), &s(2_000, 12_000)),
            Some(100.0)
        );
        assert_eq!(cpu_percent(&s(1_000, 10_000), &s(1_000, 10_000)), None);
    }

    #[test]
    fn ports_are_flattened() {
        let net: NetworkSettings = serde_json::from_value(json!({
            "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "53/udp": null}
        }))
        .unwrap();
        assert_eq!(
            ports(&net),
            vec![PortInfo {
                container_port: 80,
                protocol: "tcp".into(),
                host_ip: "0.0.0.0".into(),
                host_port: 8080
            }]
        );
    }
}
