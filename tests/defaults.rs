//! One rule for defaults (README.md, "Defaults"): the same image gets the same network, user
//! and limits whether it is asked for by image name or by profile, and untrusted code starts
//! offline. Proved from inside the sandbox, on both engines and both execution paths.

mod common;

use common::*;
use pocketdock::{Client, ContainerOptions, ErrorKind, PortMapping, RunOptions};

/// What a sandbox sees of itself: user, network interfaces, a default route, memory and
/// process limits (cgroup v1 or v2).
const PROBE: &str = "id -un; id -u; echo $(ls /sys/class/net); \
    cut -f2 /proc/net/route | grep -qx 00000000 && echo route || echo no-route; \
    cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; \
    cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max";

/// Options for a test sandbox asked for by image name (`None`: the default image).
fn by_image(image: Option<&str>) -> ContainerOptions {
    let mut o = opts();
    if let Some(i) = image {
        o.image = i.to_owned();
    }
    o
}

fn by_profile(profile: &str) -> ContainerOptions {
    let mut o = opts();
    o.apply_profile(profile).unwrap();
    o
}

/// The probe's lines, and the engine's network mode, memory and pids limits.
async fn seen(client: &Client, o: ContainerOptions) -> (Vec<String>, String) {
    let s = Sandbox {
        c: client.create_container(&o).await.expect("create"),
    };
    assert_eq!(s.uses_agent(), o.agent);
    let r = s.run(PROBE, &RunOptions::default()).await.unwrap();
    assert_eq!(r.exit_code, 0, "{}{}", r.stdout_text(), r.stderr_text());
    let doc = inspect(s.name()).unwrap();
    let h = &doc["HostConfig"];
    let engine = format!(
        "{} memory={} pids={}",
        h["NetworkMode"], h["Memory"], h["PidsLimit"]
    );
    let lines: Vec<String> = r.stdout_text().lines().map(str::to_owned).collect();
    let limit = |l: &String| l == "max" || l.parse::<u64>().is_ok();
    assert!(
        lines.len() == 6 && limit(&lines[4]) && limit(&lines[5]),
        "{lines:?} {}",
        r.stderr_text()
    );
    (lines, engine)
}

#[tokio::test]
async fn the_default_image_is_offline_however_it_is_asked_for() {
    let c = client().await;
    let (default, named, profile) = tokio::join!(
        seen(&c, by_image(None)),
        seen(&c, by_image(Some("pocketdock/minimal-python"))),
        seen(&c, by_profile("minimal-python")),
    );
    assert_eq!(default, named, "default options vs the image by name");
    assert_eq!(named, profile, "the image by name vs its profile");
    let (lines, engine) = default;
    assert_eq!(lines[0], "sandbox", "{lines:?}");
    assert_ne!(lines[1], "0", "not root: {lines:?}");
    assert_eq!(lines[2], "lo", "no interface but loopback: {lines:?}");
    assert_eq!(lines[3], "no-route", "{lines:?}");
    assert!(engine.starts_with("\"none\""), "{engine}");
    eprintln!("default sandbox: {lines:?}, engine: {engine}");
}

#[tokio::test]
async fn a_profile_with_a_network_has_it_by_image_name_too() {
    let c = client().await;
    let (named, profile) = tokio::join!(
        seen(&c, by_image(Some("pocketdock/dev"))),
        seen(&c, by_profile("dev")),
    );
    assert_eq!(named, profile, "the image by name vs its profile");
    let (lines, engine) = named;
    assert_eq!(lines[0], "sandbox", "{lines:?}");
    assert!(
        lines[2].split(' ').any(|i| i != "lo"),
        "an interface: {lines:?}"
    );
    assert_eq!(lines[3], "route", "{lines:?}");
    assert!(!engine.starts_with("\"none\""), "{engine}");
}

#[tokio::test]
async fn explicit_choices_win_and_ports_need_a_network() {
    let port = 40_000 + (std::process::id() % 20_000) as u16 + 7;
    let ports = vec![PortMapping {
        host_port: port,
        container_port: 8000,
        protocol: "tcp".into(),
    }];
    let c = client().await;
    let (on, off, published) = tokio::join!(
        seen(
            &c,
            ContainerOptions {
                network: Some(true),
                ..by_profile("minimal-python")
            }
        ),
        seen(
            &c,
            ContainerOptions {
                network: Some(false),
                ..by_image(Some("pocketdock/dev"))
            }
        ),
        seen(
            &c,
            ContainerOptions {
                ports: ports.clone(),
                ..by_image(None)
            }
        ),
    );
    assert_eq!(on.0[3], "route", "{on:?}");
    assert_eq!(off.0[3], "no-route", "{off:?}");
    assert_eq!(
        published.0[3], "route",
        "asking for a port is asking for a network"
    );
    let refused = c
        .create_container(&ContainerOptions {
            network: Some(false),
            ports,
            ..by_image(None)
        })
        .await
        .map(|c| force_remove(c.name()))
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidArgument, "{refused}");
}
