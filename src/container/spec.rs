//! Turns [`ContainerOptions`] into the engine's create body.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::labels::{labels_for, LABEL_AGENT};
use super::options::{parse_mem_limit, ContainerOptions};
use crate::agent::{wire, AGENT_DIR, AGENT_PATH};
use crate::error::Result;

/// The command that keeps an agent-less sandbox alive. Under `Init` the engine's tiny init
/// (docker-init / catatonit) is PID 1, so zombies are reaped and SIGTERM stops it at once.
const KEEPALIVE_CMD: [&str; 2] = ["sleep", "infinity"];

/// Scratch space a read-only root keeps writable. Podman mounts these itself for a read-only
/// container and Docker does not; naming them makes both engines behave the same.
const READ_ONLY_SCRATCH: [(&str, &str); 3] = [
    ("/tmp", "rw,nosuid,nodev,mode=1777"),
    ("/var/tmp", "rw,nosuid,nodev,mode=1777"),
    ("/run", "rw,nosuid,nodev,mode=755"),
];

/// The create body. With `agent_volume`, the agent (mounted read-only from that volume) is
/// PID 1 and runs as root so it can run each command as the user asked for; without it,
/// the engine's init keeps a `sleep` alive for engine execs.
pub(crate) fn create_body(
    name: &str,
    opts: &ContainerOptions,
    agent_volume: Option<&str>,
) -> Result<Value> {
    let mut host = Map::new();
    host.insert("Init".into(), json!(agent_volume.is_none()));
    if opts.read_only {
        host.insert("ReadonlyRootfs".into(), json!(true));
    }
    if !opts.tmpfs.is_empty() || opts.read_only {
        // Without the agent to hand them over, a numeric run user gets its tmpfs mounts
        // through mount options (names cannot be resolved before the container exists).
        let owner = match agent_volume {
            None => opts.user.as_deref().and_then(numeric_ids),
            Some(_) => None,
        };
        let mut t: Map<String, Value> = opts
            .tmpfs
            .iter()
            .map(|(p, o)| {
                let o = match owner {
                    Some((u, g)) if !o.contains("uid=") => format!("{o},uid={u},gid={g}"),
                    _ => o.clone(),
                };
                (p.clone(), json!(o))
            })
            .collect();
        if opts.read_only {
            for (path, o) in READ_ONLY_SCRATCH {
                t.entry(path).or_insert_with(|| json!(o));
            }
        }
        host.insert("Tmpfs".into(), Value::Object(t));
    }
    if opts.cap_drop_all {
        host.insert("CapDrop".into(), json!(["ALL"]));
        if agent_volume.is_some() {
            // The agent (root, PID 1) needs these to run commands as their user and to stop
            // them; the commands, never root, end up with no capabilities at all.
            // CHOWN: to hand the tmpfs mounts to the run user at start (see below).
            host.insert(
                "CapAdd".into(),
                json!(["SETUID", "SETGID", "KILL", "CHOWN"]),
            );
        }
    }
    if opts.no_new_privileges {
        host.insert("SecurityOpt".into(), json!(["no-new-privileges"]));
    }
    if let Some(n) = opts.pids_limit {
        host.insert("PidsLimit".into(), json!(n));
    }
    if let Some(volume) = agent_volume {
        host.insert(
            "Mounts".into(),
            json!([{"Type": "volume", "Source": volume, "Target": AGENT_DIR, "ReadOnly": true}]),
        );
    }
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

    let mut labels = labels_for(name, opts);
    let mut body = json!({
        "Image": opts.image,
        "Tty": false,
        "OpenStdin": false,
        "HostConfig": host,
    });
    let mut env: Vec<String> = opts.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    match agent_volume {
        Some(_) => {
            body["Entrypoint"] = json!([AGENT_PATH, "serve"]);
            body["User"] = json!("0");
            labels.insert(LABEL_AGENT.into(), wire::VERSION.to_string());
            // tmpfs mounts come up root-owned; the agent hands them to the run user.
            if let (Some(user), false) = (&opts.user, opts.tmpfs.is_empty()) {
                let paths: Vec<&str> = opts.tmpfs.iter().map(|(p, _)| p.as_str()).collect();
                env.push(format!("POCKETDOCK_AGENT_OWN_USER={user}"));
                env.push(format!("POCKETDOCK_AGENT_OWN_PATHS={}", paths.join(":")));
            }
        }
        None => {
            body["Cmd"] = json!(KEEPALIVE_CMD);
            if let Some(user) = &opts.user {
                body["User"] = json!(user);
            }
        }
    }
    body["Labels"] = json!(labels);
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

/// `uid` or `uid:gid` as numbers.
fn numeric_ids(user: &str) -> Option<(u32, u32)> {
    let (u, g) = user.split_once(':').unwrap_or((user, user));
    Some((u.parse().ok()?, g.parse().ok()?))
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
        let b = create_body("pd-x", &o, None).unwrap();
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
        assert_eq!(b["Cmd"], json!(["sleep", "infinity"]));
        assert_eq!(h["Init"], json!(true));
    }

    #[test]
    fn with_the_agent_it_is_pid_1_from_a_read_only_volume() {
        let o = ContainerOptions {
            read_only: true,
            ..Default::default()
        };
        let b = create_body("pd-x", &o, Some("vol")).unwrap();
        assert_eq!(b["Entrypoint"], json!([AGENT_PATH, "serve"]));
        assert!(b.get("Cmd").is_none());
        assert_eq!(b["User"], json!("0"));
        let h = &b["HostConfig"];
        assert_eq!(h["Init"], json!(false));
        assert_eq!(h["ReadonlyRootfs"], json!(true));
        assert_eq!(h["Mounts"][0]["Source"], json!("vol"));
        assert_eq!(h["Mounts"][0]["ReadOnly"], json!(true));
        assert_eq!(b["Labels"][LABEL_AGENT], json!(wire::VERSION.to_string()));
    }

    #[test]
    fn a_read_only_root_keeps_scratch_dirs_writable_unless_told_otherwise() {
        let o = ContainerOptions {
            read_only: true,
            tmpfs: vec![("/tmp".into(), "size=1m".into())],
            ..Default::default()
        };
        let b = create_body("pd-x", &o, None).unwrap();
        let t = &b["HostConfig"]["Tmpfs"];
        assert_eq!(t["/tmp"], json!("size=1m"), "the caller's mount wins");
        assert_eq!(t["/var/tmp"], json!("rw,nosuid,nodev,mode=1777"));
        assert_eq!(t["/run"], json!("rw,nosuid,nodev,mode=755"));
        let rw = create_body("pd-x", &ContainerOptions::default(), None).unwrap();
        assert!(rw["HostConfig"].get("Tmpfs").is_none());
    }

    #[test]
    fn strict_preset_reaches_the_body() {
        let o = ContainerOptions {
            user: Some("1000:1001".into()),
            ..ContainerOptions::strict()
        };
        let b = create_body("pd-x", &o, None).unwrap();
        let h = &b["HostConfig"];
        assert_eq!(h["CapDrop"], json!(["ALL"]));
        assert!(h.get("CapAdd").is_none(), "no agent: nothing added back");
        assert_eq!(h["SecurityOpt"], json!(["no-new-privileges"]));
        assert_eq!(h["PidsLimit"], json!(256));
        assert_eq!(h["NetworkMode"], json!("none"));
        assert!(h["Tmpfs"]["/tmp"]
            .as_str()
            .unwrap()
            .ends_with(",uid=1000,gid=1001"));
        assert_eq!(b["User"], json!("1000:1001"));
        let b = create_body("pd-x", &o, Some("vol")).unwrap();
        assert_eq!(
            b["HostConfig"]["CapAdd"],
            json!(["SETUID", "SETGID", "KILL", "CHOWN"])
        );
        assert!(b["Env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "POCKETDOCK_AGENT_OWN_USER=1000:1001"));
        assert_eq!(numeric_ids("sandbox"), None);
        assert_eq!(numeric_ids("7"), Some((7, 7)));
    }

    #[test]
    fn bad_mem_limit_is_an_error() {
        let o = ContainerOptions {
            mem_limit: Some("lots".into()),
            ..Default::default()
        };
        assert!(create_body("pd-x", &o, None).is_err());
    }
}
