//! Parsers of flag values. A malformed value is a usage error naming the flag and the
//! expected form (the reference silently dropped bad `-v`/`-p` values).

use std::time::Duration;

use pocketdock::{PortMapping, VolumeMount};

/// `HOST:CONTAINER[:ro|:rw]`; a relative host path is made absolute (the engine needs one).
pub fn volume(s: &str) -> Result<VolumeMount, String> {
    let bad = || format!("{s:?} is not HOST:CONTAINER[:ro|:rw]");
    let parts: Vec<&str> = s.split(':').collect();
    let (host, container, read_only) = match parts.as_slice() {
        [h, c] => (*h, *c, false),
        [h, c, "ro"] => (*h, *c, true),
        [h, c, "rw"] => (*h, *c, false),
        _ => return Err(bad()),
    };
    if host.is_empty() || !container.starts_with('/') {
        return Err(bad());
    }
    let host = std::path::absolute(host).map_err(|e| format!("{host}: {e}"))?;
    Ok(VolumeMount {
        host_path: host.to_string_lossy().into_owned(),
        container_path: container.to_owned(),
        read_only,
    })
}

/// `HOST:CONTAINER[/tcp|/udp]`, both ports numbers 1-65535.
pub fn port(s: &str) -> Result<PortMapping, String> {
    let bad = || format!("{s:?} is not HOST_PORT:CONTAINER_PORT[/tcp|/udp]");
    let (ports, protocol) = match s.split_once('/') {
        Some((p, proto @ ("tcp" | "udp"))) => (p, proto),
        Some(_) => return Err(bad()),
        None => (s, "tcp"),
    };
    let (h, c) = ports.split_once(':').ok_or_else(bad)?;
    let num = |v: &str| v.parse::<u16>().ok().filter(|n| *n > 0).ok_or_else(bad);
    Ok(PortMapping {
        host_port: num(h)?,
        container_port: num(c)?,
        protocol: protocol.to_owned(),
    })
}

/// `KEY=VALUE` (the value may be empty or hold `=`).
pub fn env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{s:?} is not KEY=VALUE")),
    }
}

/// A duration: a number of seconds (`30`, `1.5`) or with a unit (`500ms`, `30s`, `5m`, `2h`).
pub fn duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("{s:?} is not a duration such as 30, 1.5s, 500ms, 5m or 2h");
    let t = s.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t, 1.0)
    };
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    if !v.is_finite() || v <= 0.0 {
        return Err(bad());
    }
    Duration::try_from_secs_f64(v * scale).map_err(|_| bad())
}

/// A byte size: digits with an optional unit (`k`, `m`, `g`, powers of 1024).
pub fn size(s: &str) -> Result<u64, String> {
    pocketdock::container::options::parse_mem_limit(s)
        .map(|n| n as u64)
        .map_err(|_| format!("{s:?} is not a size such as 4096, 512k, 10m or 1g"))
}

/// A memory limit, checked here so that a bad one is a usage error before any engine call.
pub fn mem_limit(s: &str) -> Result<String, String> {
    size(s).map(|_| s.to_owned())
}

/// A signal by number or name (`9`, `KILL`, `SIGKILL`, `term`).
pub fn signal(s: &str) -> Result<i32, String> {
    if let Ok(n) = s.parse::<i32>() {
        return if (1..=64).contains(&n) {
            Ok(n)
        } else {
            Err(format!("{n} is not a signal number (1-64)"))
        };
    }
    let name = s.to_ascii_uppercase();
    let name = name.strip_prefix("SIG").unwrap_or(&name);
    const NAMES: &[(&str, i32)] = &[
        ("HUP", 1),
        ("INT", 2),
        ("QUIT", 3),
        ("KILL", 9),
        ("USR1", 10),
        ("USR2", 12),
        ("TERM", 15),
        ("CONT", 18),
        ("STOP", 19),
    ];
    NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .ok_or_else(|| format!("{s:?} is not a signal (a number, or HUP, INT, QUIT, KILL, USR1, USR2, TERM, CONT, STOP)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_and_ports() {
        let v = volume("/a:/b:ro").unwrap();
        assert_eq!(
            (v.host_path.as_str(), v.container_path.as_str(), v.read_only),
            ("/a", "/b", true)
        );
        assert!(volume("/a").is_err());
        assert!(volume("/a:b").is_err());
        assert!(volume("/a:/b:xx").is_err());
        assert!(volume("rel:/b").unwrap().host_path.starts_with('/'));
        let p = port("8080:80/udp").unwrap();
        assert_eq!(
            (p.host_port, p.container_port, p.protocol.as_str()),
            (8080, 80, "udp")
        );
        for bad in ["80", "a:80", "80:0", "80:80/sctp", "70000:80"] {
            assert!(port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_sizes_signals() {
        assert_eq!(duration("1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(duration("2m").unwrap(), Duration::from_secs(120));
        for bad in ["", "0", "-1", "x", "1y"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
        assert_eq!(size("10m").unwrap(), 10 << 20);
        assert!(size("ten").is_err());
        assert_eq!(signal("SIGKILL").unwrap(), 9);
        assert_eq!(signal("term").unwrap(), 15);
        assert!(signal("FOO").is_err() && signal("0").is_err());
        assert_eq!(env("A=b=c").unwrap(), ("A".into(), "b=c".into()));
        assert!(env("=x").is_err() && env("A").is_err());
    }
}
