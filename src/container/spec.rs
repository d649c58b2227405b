//! Turns [`ContainerOptions`] into the engine's create body.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::labels::labels_for;
use super::options::{parse_mem_limit, ContainerOptions};
use crate::error::Result;

/// The command that keeps an agent-less sandbox alive. Under `Init` the engine's tiny init
/// (docker-init / catatonit) is PID 1, so zombies are reaped and SIGTERM stops it at once.
const KEEPALIVE_CMD: [&str; 2] = ["sleep", "infinity"];

pub(crate) fn create_body(name: &str, opts: &ContainerOptions) -> Result<Value> {
    let mut host = Map::new();
    host.insert("Init".into(), json!(true));
    if let Some(m) = &opts.mem_limit {
        let bytes = parse_mem_limit(m)?;
        host.insert("Memory".into(), json!(bytes));
        // Same value for memory+swap: the limit is a real limit, not a swap spill-over.
        host.insert("MemorySwap".into(), json!(bytes));
    }
    if let Some(pct) = opts.cpu_percent {
        host.insert("CpuPeriod".into(), json!(100_000));
        host.insert("CpuQuota".into(), json!(i64::from(pct) * 1000));
    }
    if !opts.network {
        host.insert("NetworkMode".into(), json!("none"));
    }
    let binds: Vec<String> = opts
        .volumes
        .iter()
        .map(|v| {
            let mode = if v.read_only { ":ro" } else { "" };
            format!("{}:{}{}", v.host_path, v.container_path, mode)
        })
        .collect();
    if !binds.is_empty() {
        host.insert("Binds".into(), json!(binds));
    }
    let mut exposed = Map::new();
    let mut bindings: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for p in &opts.ports {
        let key = format!("{}/{}", p.container_port, p.protocol);
        exposed.insert(key.clone(), json!({}));
        bindings
            .entry(key)
            .or_default()
            .push(json!({"HostIp": "", "HostPort": p.host_port.to_string()}));
    }
    if !bindings.is_empty() {
        host.insert("PortBindings".into(), json!(bindings));
    }
    let devices: Vec<Value> = opts
        .devices
        .iter()
        .map(|d| {
            let (on_host, in_ctr) = d.split_once(':').unwrap_or((d, d));
            json!({"PathOnHost": on_host, "PathInContainer": in_ctr, "CgroupPermissions": "rwm"})
        })
        .collect();
    if !devices.is_empty() {
        host.insert("Devices".into(), json!(devices));
    }

    let mut body = json!({
        "Image": opts.image,
        "Cmd": KEEPALIVE_CMD,
        "Labels": labels_for(name, opts),
        "Tty": false,
        "OpenStdin": false,
        "HostConfig": host,
    });
    let env: Vec<String> = opts.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if !env.is_empty() {
        body["Env"] = json!(env);
    }
    if let Some(wd) = &opts.workdir {
        body["WorkingDir"] = json!(wd);
    }
    if !exposed.is_empty() {
        body["ExposedPorts"] = Value::Object(exposed);
    }
    if !opts.network {
        body["NetworkDisabled"] = json!(true);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::options::{PortMapping, VolumeMount};

    #[test]
    fn limits_network_mounts_and_ports_reach_the_body() {
        let o = ContainerOptions {
            mem_limit: Some("256m".into()),
            cpu_percent: Some(50),
            network: false,
            volumes: vec![VolumeMount {
                host_path: "/h".into(),
                container_path: "/c".into(),
                read_only: true,
            }],
            ports: vec![PortMapping {
                host_port: 8080,
                container_port: 80,
                protocol: "tcp".into(),
            }],
            devices: vec!["/dev/null:/dev/mynull".into()],
            env: vec![("A".into(), "b=c".into())],
            workdir: Some("/w".into()),
            ..Default::default()
        };
        let b = create_body("pd-x", &o).unwrap();
        let h = &b["HostConfig"];
        assert_eq!(h["Memory"], json!(256 << 20));
        assert_eq!(h["CpuQuota"], json!(50_000));
        assert_eq!(h["NetworkMode"], json!("none"));
        assert_eq!(h["Binds"], json!(["/h:/c:ro"]));
        assert_eq!(h["PortBindings"]["80/tcp"][0]["HostPort"], json!("8080"));
        assert_eq!(h["Devices"][0]["PathInContainer"], json!("/dev/mynull"));
        assert_eq!(b["Env"], json!(["A=b=c"]));
        assert_eq!(b["WorkingDir"], json!("/w"));
        assert_eq!(b["Labels"]["pocketdock.instance"], json!("pd-x"));
    }

    #[test]
    fn bad_mem_limit_is_an_error() {
        let o = ContainerOptions {
            mem_limit: Some("lots".into()),
            ..Default::default()
        };
        assert!(create_body("pd-x", &o).is_err());
    }
}
