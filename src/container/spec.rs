//! Turns [`ContainerOptions`] into the engine's create body.

use std::collections::BTreeMap;

use super::labels::{labels_for, LABEL_AGENT};
use super::options::{parse_mem_limit, ContainerOptions};
use crate::agent::{wire, AGENT_DIR, AGENT_PATH};
use crate::engine::models::{
    ContainerCreate, DeviceMapping, Empty, HostConfig, Mount, PortBinding,
};
use crate::engine::EngineKind;
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

/// What the agent (root, PID 1) keeps when every capability is dropped: enough to run
/// commands as their user and to stop them; the commands, never root, end up with none.
/// CHOWN: to hand the tmpfs mounts to the run user at start (see below).
const AGENT_CAPS: [&str; 4] = ["SETUID", "SETGID", "KILL", "CHOWN"];

/// The create body. With `agent_volume`, the agent (mounted read-only from that volume) is
/// PID 1 and runs as root so it can run each command as the user asked for; without it,
/// the engine's init keeps a `sleep` alive for engine execs.
pub(crate) fn create_body(
    name: &str,
    opts: &ContainerOptions,
    agent_volume: Option<&str>,
    engine: EngineKind,
) -> Result<ContainerCreate> {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let network = opts.network_enabled();
    let memory = opts.mem_limit.as_deref().map(parse_mem_limit).transpose()?;
    let mut host = HostConfig {
        init: agent_volume.is_none(),
        readonly_rootfs: opts.read_only,
        tmpfs: tmpfs(opts, agent_volume, engine),
        pids_limit: opts.pids_limit,
        memory,
        // Same value for memory+swap: the limit is a real limit, not a swap spill-over.
        memory_swap: memory,
        cpu_period: opts.cpu_percent.map(|_| 100_000),
        cpu_quota: opts.cpu_percent.map(|pct| i64::from(pct) * 1000),
        network_mode: (!network).then(|| "none".to_owned()),
        ..HostConfig::default()
    };
    if opts.cap_drop_all {
        host.cap_drop = strings(&["ALL"]);
        if agent_volume.is_some() {
            host.cap_add = strings(&AGENT_CAPS);
        }
    }
    if opts.no_new_privileges {
        host.security_opt = strings(&["no-new-privileges"]);
    }
    if let Some(volume) = agent_volume {
        host.mounts = vec![Mount {
            kind: "volume".into(),
            source: volume.into(),
            target: AGENT_DIR.into(),
            read_only: true,
        }];
    }
    host.binds = opts
        .volumes
        .iter()
        .map(|v| {
            let mode = if v.read_only { ":ro" } else { "" };
            format!("{}:{}{}", v.host_path, v.container_path, mode)
        })
        .collect();
    let mut exposed = BTreeMap::new();
    for p in &opts.ports {
        let key = format!("{}/{}", p.container_port, p.protocol);
        exposed.insert(key.clone(), Empty {});
        host.port_bindings
            .entry(key)
            .or_default()
            .push(PortBinding {
                host_ip: String::new(),
                host_port: p.host_port.to_string(),
            });
    }
    host.devices = opts
        .devices
        .iter()
        .map(|d| {
            let (on_host, in_ctr) = d.split_once(':').unwrap_or((d, d));
            DeviceMapping {
                path_on_host: on_host.into(),
                path_in_container: in_ctr.into(),
                cgroup_permissions: "rwm".into(),
            }
        })
        .collect();

    let mut body = ContainerCreate {
        image: opts.image.clone(),
        labels: labels_for(name, opts),
        env: opts.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        working_dir: opts.workdir.clone(),
        exposed_ports: exposed,
        network_disabled: !network,
        host_config: host,
        ..ContainerCreate::default()
    };
    match agent_volume {
        Some(_) => {
            body.entrypoint = Some(vec![AGENT_PATH.into(), "serve".into()]);
            body.user = Some("0".into());
            body.labels
                .insert(LABEL_AGENT.into(), wire::VERSION.to_string());
            // tmpfs mounts come up root-owned; the agent hands them to the run user.
            if let (Some(user), false) = (&opts.user, opts.tmpfs.is_empty()) {
                let paths: Vec<&str> = opts.tmpfs.iter().map(|(p, _)| p.as_str()).collect();
                body.env.push(format!("POCKETDOCK_AGENT_OWN_USER={user}"));
                body.env
                    .push(format!("POCKETDOCK_AGENT_OWN_PATHS={}", paths.join(":")));
            }
        }
        None => {
            body.cmd = Some(strings(&KEEPALIVE_CMD));
            body.user = opts.user.clone();
        }
    }
    Ok(body)
}

/// The tmpfs mounts: the caller's, plus scratch space on a read-only root; `None` when
/// there are none.
fn tmpfs(
    opts: &ContainerOptions,
    agent_volume: Option<&str>,
    engine: EngineKind,
) -> Option<BTreeMap<String, String>> {
    if opts.tmpfs.is_empty() && !opts.read_only {
        return None;
    }
    // Without the agent to hand them over, a numeric run user gets its tmpfs mounts
    // through mount options (names cannot be resolved before the container exists).
    // Only Docker needs them (it ignores `mode` on directories the image has) and only
    // Docker takes them: Podman 4.3 refuses `uid=` and honours the mode instead.
    let owner = match (agent_volume, engine) {
        (None, EngineKind::Docker) => opts.user.as_deref().and_then(numeric_ids),
        _ => None,
    };
    let mut t: BTreeMap<String, String> = opts
        .tmpfs
        .iter()
        .map(|(p, o)| {
            let o = match owner {
                Some((u, g)) if !o.contains("uid=") => format!("{o},uid={u},gid={g}"),
                _ => o.clone(),
            };
            (p.clone(), o)
        })
        .collect();
    if opts.read_only {
        for (path, o) in READ_ONLY_SCRATCH {
            t.entry(path.into()).or_insert_with(|| o.into());
        }
    }
    Some(t)
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
    use serde_json::json;

    fn ports_80() -> Vec<PortMapping> {
        vec![PortMapping {
            host_port: 8080,
            container_port: 80,
            protocol: "tcp".into(),
        }]
    }

    #[test]
    fn limits_network_mounts_and_ports_reach_the_body() {
        let o = ContainerOptions {
            mem_limit: Some("256m".into()),
            cpu_percent: Some(50),
            network: Some(true),
            volumes: vec![VolumeMount {
                host_path: "/h".into(),
                container_path: "/c".into(),
                read_only: true,
            }],
            ports: ports_80(),
            devices: vec!["/dev/null:/dev/mynull".into()],
            env: vec![("A".into(), "b=c".into())],
            workdir: Some("/w".into()),
            ..Default::default()
        };
        let b = create_body("pd-x", &o, None, EngineKind::Docker).unwrap();
        let h = &b.host_config;
        assert_eq!(
            (h.memory, h.memory_swap),
            (Some(256 << 20), Some(256 << 20))
        );
        assert_eq!((h.cpu_period, h.cpu_quota), (Some(100_000), Some(50_000)));
        assert_eq!(h.network_mode, None);
        assert!(!b.network_disabled);
        assert_eq!(h.binds, ["/h:/c:ro"]);
        assert_eq!(h.port_bindings["80/tcp"][0].host_port, "8080");
        assert!(b.exposed_ports.contains_key("80/tcp"));
        assert_eq!(h.devices[0].path_in_container, "/dev/mynull");
        assert_eq!(b.env, ["A=b=c"]);
        assert_eq!(b.working_dir.as_deref(), Some("/w"));
        assert_eq!(b.labels["pocketdock.instance"], "pd-x");
        assert_eq!(
            b.cmd.as_deref(),
            Some(&["sleep".into(), "infinity".into()][..])
        );
        assert!(h.init);
    }

    #[test]
    fn the_body_speaks_the_engine_api_names() {
        let o = ContainerOptions {
            mem_limit: Some("1m".into()),
            ports: ports_80(),
            env: vec![("A".into(), "1".into())],
            ..ContainerOptions::strict()
        };
        let o = ContainerOptions { network: None, ..o };
        let v =
            serde_json::to_value(create_body("pd-x", &o, Some("vol"), EngineKind::Docker).unwrap())
                .unwrap();
        let h = &v["HostConfig"];
        for key in [
            "Init",
            "ReadonlyRootfs",
            "Tmpfs",
            "CapDrop",
            "CapAdd",
            "SecurityOpt",
            "PidsLimit",
            "Mounts",
            "Memory",
            "MemorySwap",
            "PortBindings",
        ] {
            assert!(h.get(key).is_some(), "HostConfig.{key} missing: {h}");
        }
        assert_eq!(
            h["Mounts"][0],
            json!({"Type": "volume", "Source": "vol", "Target": AGENT_DIR, "ReadOnly": true})
        );
        assert_eq!(
            h["PortBindings"]["80/tcp"],
            json!([{"HostIp": "", "HostPort": "8080"}])
        );
        assert_eq!(v["ExposedPorts"], json!({"80/tcp": {}}));
        for key in [
            "Image",
            "Tty",
            "OpenStdin",
            "Entrypoint",
            "User",
            "Labels",
            "Env",
        ] {
            assert!(v.get(key).is_some(), "{key} missing: {v}");
        }
        // Unset fields are not sent, so the engine's defaults apply.
        for key in ["NetworkMode", "Binds", "Devices", "CpuQuota"] {
            assert!(h.get(key).is_none(), "HostConfig.{key} sent: {h}");
        }
        for key in ["Cmd", "WorkingDir", "NetworkDisabled"] {
            assert!(v.get(key).is_none(), "{key} sent: {v}");
        }
    }

    #[test]
    fn with_the_agent_it_is_pid_1_from_a_read_only_volume() {
        let o = ContainerOptions {
            read_only: true,
            ..Default::default()
        };
        let b = create_body("pd-x", &o, Some("vol"), EngineKind::Docker).unwrap();
        assert_eq!(
            b.entrypoint.as_deref(),
            Some(&[AGENT_PATH.to_owned(), "serve".into()][..])
        );
        assert!(b.cmd.is_none());
        assert_eq!(b.user.as_deref(), Some("0"));
        let h = &b.host_config;
        assert!(!h.init);
        assert!(h.readonly_rootfs);
        assert_eq!(
            (h.mounts[0].source.as_str(), h.mounts[0].read_only),
            ("vol", true)
        );
        assert_eq!(b.labels[LABEL_AGENT], wire::VERSION.to_string());
    }

    #[test]
    fn a_read_only_root_keeps_scratch_dirs_writable_unless_told_otherwise() {
        let o = ContainerOptions {
            read_only: true,
            tmpfs: vec![("/tmp".into(), "size=1m".into())],
            ..Default::default()
        };
        let b = create_body("pd-x", &o, None, EngineKind::Docker).unwrap();
        let t = b.host_config.tmpfs.unwrap();
        assert_eq!(t["/tmp"], "size=1m", "the caller's mount wins");
        assert_eq!(t["/var/tmp"], "rw,nosuid,nodev,mode=1777");
        assert_eq!(t["/run"], "rw,nosuid,nodev,mode=755");
        let rw = create_body(
            "pd-x",
            &ContainerOptions::default(),
            None,
            EngineKind::Docker,
        )
        .unwrap();
        assert!(rw.host_config.tmpfs.is_none());
    }

    #[test]
    fn strict_preset_reaches_the_body() {
        let o = ContainerOptions {
            user: Some("1000:1001".into()),
            ..ContainerOptions::strict()
        };
        let b = create_body("pd-x", &o, None, EngineKind::Docker).unwrap();
        let h = &b.host_config;
        assert_eq!(h.cap_drop, ["ALL"]);
        assert!(h.cap_add.is_empty(), "no agent: nothing added back");
        assert_eq!(h.security_opt, ["no-new-privileges"]);
        assert_eq!(h.pids_limit, Some(256));
        assert_eq!(h.network_mode.as_deref(), Some("none"));
        assert!(h.tmpfs.as_ref().unwrap()["/tmp"].ends_with(",uid=1000,gid=1001"));
        assert_eq!(b.user.as_deref(), Some("1000:1001"));
        let p = create_body("pd-x", &o, None, EngineKind::Podman).unwrap();
        let tmp = &p.host_config.tmpfs.unwrap()["/tmp"];
        assert!(!tmp.contains("uid=") && tmp.contains("mode=1777"), "{tmp}");
        let b = create_body("pd-x", &o, Some("vol"), EngineKind::Docker).unwrap();
        assert_eq!(b.host_config.cap_add, AGENT_CAPS);
        assert!(b
            .env
            .iter()
            .any(|e| e == "POCKETDOCK_AGENT_OWN_USER=1000:1001"));
        assert_eq!(numeric_ids("sandbox"), None);
        assert_eq!(numeric_ids("7"), Some((7, 7)));
    }

    #[test]
    fn the_network_follows_the_one_rule() {
        let body = |o: ContainerOptions| {
            let b = create_body("pd-x", &o, None, EngineKind::Podman).unwrap();
            assert_eq!(b.network_disabled, b.host_config.network_mode.is_some());
            !b.network_disabled
        };
        assert!(
            !body(ContainerOptions::default()),
            "untrusted code starts offline"
        );
        assert!(body(ContainerOptions {
            image: "localhost/pocketdock/embedded:latest".into(),
            ..Default::default()
        }));
        assert!(body(ContainerOptions {
            ports: ports_80(),
            ..Default::default()
        }));
        assert!(!body(ContainerOptions {
            image: "pocketdock/dev".into(),
            network: Some(false),
            ..Default::default()
        }));
    }

    #[test]
    fn bad_mem_limit_is_an_error() {
        let o = ContainerOptions {
            mem_limit: Some("lots".into()),
            ..Default::default()
        };
        assert!(create_body("pd-x", &o, None, EngineKind::Docker).is_err());
    }
}
