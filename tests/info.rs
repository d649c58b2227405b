//! Container info on a running and on a stopped sandbox.

mod common;

use common::*;
use pocketdock::{ContainerOptions, PortMapping, RunOptions};

#[tokio::test]
async fn info_of_a_running_sandbox() {
    let port = 40_000 + (std::process::id() % 20_000) as u16;
    let s = sandbox_with(ContainerOptions {
        mem_limit: Some("256m".into()),
        ports: vec![PortMapping {
            host_port: port,
            container_port: 8000,
            protocol: "tcp".into(),
        }],
        ..opts()
    })
    .await;
    // Keep one core busy for a while, detached from the run.
    let r = s
        .run(
            "timeout 5 sh -c 'while :; do :; done' >/dev/null 2>&1 &",
            &RunOptions::default(),
        )
        .await
        .unwrap();
    assert!(r.ok());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let i = s.info().await.unwrap();
    assert_eq!((i.status.as_str(), i.running), ("running", true));
    assert_eq!(i.name, s.name());
    assert!(i.image.contains("pocketdock/minimal-python"), "{}", i.image);
    assert!(
        i.uptime_ms.is_some_and(|u| u < 600_000),
        "{:?}",
        i.uptime_ms
    );
    assert_eq!(i.memory_limit_bytes, Some(256 << 20));
    assert!(i.memory_usage_bytes.is_some_and(|u| u > 0));
    assert!(i.memory_percent.is_some_and(|p| p > 0.0 && p < 100.0));
    let cpu = i.cpu_percent.expect("two samples give a rate");
    // Loose on purpose: CI shares two cores between this loop, the engines and other tests.
    assert!(cpu > 5.0, "a busy loop should show: {cpu}");
    assert!(i.pids.is_some_and(|p| p >= 2), "{:?}", i.pids);
    assert!(i.network);
    assert!(i.ip_address.is_some());
    assert!(
        i.ports
            .iter()
            .any(|p| p.container_port == 8000 && p.host_port == port),
        "{:?}",
        i.ports
    );
    let all = i
        .processes
        .iter()
        .map(|p| p.join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(all.contains("while"), "{all}");
    assert!(!i.process_titles.is_empty());
}

#[tokio::test]
async fn info_of_a_stopped_sandbox() {
    let s = sandbox_with(ContainerOptions {
        persist: true,
        network: Some(false),
        ..opts()
    })
    .await;
    s.shutdown().await.unwrap();
    let i = s.info().await.unwrap();
    assert!(!i.running);
    assert_eq!(i.status, "exited");
    assert_eq!(
        (i.cpu_percent, i.memory_usage_bytes, i.uptime_ms),
        (None, None, None)
    );
    assert!(i.processes.is_empty());
    assert!(!i.network);
}
