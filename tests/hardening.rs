//! The strict preset for untrusted code, proved from inside the sandbox, on both paths.

mod common;

use common::*;
use pocketdock::{ContainerOptions, Lang, RunOptions};

/// The preset runs with the agent (which hands the tmpfs mounts to the run user; without
/// it, only numeric users get writable mounts on Docker, see docs/hardening.md).
fn strict() -> ContainerOptions {
    ContainerOptions {
        labels: opts().labels,
        ..ContainerOptions::strict()
    }
}

async fn sh(s: &Sandbox, cmd: &str) -> pocketdock::ExecResult {
    s.run(cmd, &RunOptions::default()).await.unwrap()
}

#[tokio::test]
async fn strict_sandbox_is_locked_down() {
    let s = sandbox_with(strict()).await;
    // Not root, no capabilities, no privilege gains.
    let r = sh(
        &s,
        "id -u; grep -E '^(CapEff|CapPrm|NoNewPrivs)' /proc/self/status",
    )
    .await;
    let out = r.stdout_text();
    assert!(out.starts_with("1000\n"), "{out}");
    assert!(out.contains("CapEff:\t0000000000000000"), "{out}");
    assert!(out.contains("CapPrm:\t0000000000000000"), "{out}");
    assert!(out.contains("NoNewPrivs:\t1"), "{out}");
    // Read-only root, writable /tmp and workdir.
    let r = sh(
        &s,
        "touch /etc/x 2>&1; echo ok > /tmp/t && cat /tmp/t; echo w > w && cat w",
    )
    .await;
    assert!(
        r.stdout_text().contains("Read-only file system"),
        "{}",
        r.stdout_text()
    );
    assert!(r.stdout_text().ends_with("ok\nw\n"), "{}", r.stdout_text());
    // No network.
    assert_eq!(sh(&s, "ls /sys/class/net").await.stdout_text(), "lo\n");
    let py = "import socket\ntry:\n socket.create_connection(('1.1.1.1', 53), timeout=2)\n print('connected')\nexcept OSError as e:\n print('no network')";
    let r = s
        .run(
            py,
            &RunOptions {
                lang: Lang::Python,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "no network\n");
    let info = inspect(s.name()).unwrap();
    assert_eq!(info["HostConfig"]["PidsLimit"], 256);
}

#[tokio::test]
async fn a_fork_bomb_is_contained() {
    let s = sandbox_with(ContainerOptions {
        pids_limit: Some(64),
        ..strict()
    })
    .await;
    // Fork until the kernel refuses, report, then hang: the run's timeout kills the lot.
    let bomb = "import os, time\nn = 0\ntry:\n    while n < 1000:\n        if os.fork() == 0:\n            time.sleep(300)\n            os._exit(0)\n        n += 1\nexcept OSError as e:\n    print(n, e.errno, flush=True)\ntime.sleep(300)";
    let o = RunOptions {
        lang: Lang::Python,
        timeout: Some(std::time::Duration::from_secs(3)),
        ..Default::default()
    };
    let r = s.run(bomb, &o).await.unwrap();
    assert!(r.timed_out, "{r:?}");
    let out = r.stdout_text();
    let (forks, errno) = out.trim().split_once(' ').expect("the bomb was refused");
    assert!(forks.parse::<usize>().unwrap() < 64, "{out}");
    assert_eq!(errno, "11", "EAGAIN: the pids limit");
    // The sandbox answers again once the run is killed.
    let r = s.run("echo alive", &RunOptions::default()).await.unwrap();
    assert_eq!(r.stdout_text(), "alive\n");
}

#[tokio::test]
async fn each_hardening_option_works_on_its_own() {
    let s = sandbox_with(ContainerOptions {
        no_new_privileges: true,
        ..opts()
    })
    .await;
    assert!(sh(&s, "grep NoNewPrivs /proc/self/status")
        .await
        .stdout_text()
        .contains('1'));
    let s = sandbox_with(ContainerOptions {
        user: Some("root".into()),
        ..opts()
    })
    .await;
    assert_eq!(sh(&s, "id -u").await.stdout_text(), "0\n");
    let s = sandbox_with(ContainerOptions {
        tmpfs: vec![("/scratch".into(), "size=8m".into())],
        read_only: true,
        ..opts()
    })
    .await;
    let r = sh(&s, "grep ' /scratch ' /proc/mounts | cut -d' ' -f3").await;
    assert_eq!(r.stdout_text(), "tmpfs\n");
}

#[tokio::test]
async fn a_read_only_root_has_the_same_scratch_dirs_on_both_engines() {
    // Podman mounts tmpfs on these for a read-only container by itself, Docker does not:
    // pocketdock names them so the same code works on both.
    let s = sandbox_with(ContainerOptions {
        read_only: true,
        ..opts()
    })
    .await;
    let r = sh(
        &s,
        "for d in /tmp /var/tmp; do touch $d/w && echo $d:w || echo $d:ro; done; \
         touch /etc/w 2>/dev/null && echo /etc:w || echo /etc:ro; \
         grep -c ' /run tmpfs ' /proc/mounts",
    )
    .await;
    assert_eq!(r.stdout_text(), "/tmp:w\n/var/tmp:w\n/etc:ro\n1\n", "{r:?}");
}
