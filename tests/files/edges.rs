//! Edges both paths must agree on (links, special files, root-only places, concurrency), and
//! what only the agent path promises: writes land in tmpfs mounts the archive API cannot
//! see, a cancelled write never leaves half a file, and a sandbox whose agent lacks the
//! capabilities falls back to the archive API with the same result.

use std::time::Duration;

use pocketdock::{ContainerOptions, ErrorKind};

use crate::common::*;
use crate::{kind, noise, sh, sh_as_root};

#[tokio::test]
async fn writes_replace_links_and_refuse_directories_even_behind_links() {
    let s = sandbox().await;
    sh(
        &s,
        "echo old > /tmp/target && ln -s /tmp/target /tmp/lnk && ln -s /tmp /tmp/dlink",
    )
    .await;
    s.write_file("/tmp/lnk", b"new").await.unwrap();
    assert_eq!(
        sh(&s, "test -L /tmp/lnk || cat /tmp/lnk /tmp/target").await,
        "newold\n",
        "the link is replaced by a file, its target left alone"
    );
    for p in ["/tmp/dlink", "/", ".", "/tmp/"] {
        let e = s.write_file(p, b"x").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{p}: {e}");
    }
    // A relative path that climbs above the root stays at the root, as the engines have it.
    s.write_file("../../../../tmp/up.txt", b"up").await.unwrap();
    assert_eq!(s.read_file("/tmp/up.txt").await.unwrap(), b"up");
}

#[tokio::test]
async fn special_files_are_refused_without_hanging() {
    let s = sandbox().await;
    sh(&s, "mkfifo /tmp/ff").await;
    let h = crate::HostDir::new("fifo");
    let limit = Duration::from_secs(30);
    let read = tokio::time::timeout(limit, s.read_file("/tmp/ff")).await;
    assert_eq!(
        kind(read.expect("a fifo read must not hang")),
        ErrorKind::InvalidArgument
    );
    let pull = tokio::time::timeout(limit, s.pull("/tmp/ff", h.join("ff"))).await;
    assert_eq!(
        kind(pull.expect("a fifo pull must not hang")),
        ErrorKind::InvalidArgument
    );
    let list = tokio::time::timeout(limit, s.list_files("/tmp/ff")).await;
    assert_eq!(kind(list.expect("no hang")), ErrorKind::InvalidArgument);
    // Below a directory it is an entry like any other, pulled as nothing.
    sh(&s, "mkdir /tmp/d && mkfifo /tmp/d/f && echo x > /tmp/d/x").await;
    tokio::time::timeout(limit, s.pull("/tmp/d", h.join("d")))
        .await
        .expect("no hang")
        .unwrap();
    assert!(!h.join("d/f").exists() && h.join("d/x").exists());
}

#[tokio::test]
async fn root_only_places_work_as_through_the_archive_api() {
    // Both paths act with the engine's rights (root in the sandbox) and hand what they
    // write to the image's user.
    let s = sandbox().await;
    sh_as_root(
        &s,
        "mkdir -m 700 /opt/locked && echo secret > /opt/locked/s && chmod 600 /opt/locked/s",
    )
    .await;
    assert_eq!(s.read_file("/opt/locked/s").await.unwrap(), b"secret\n");
    s.write_file("/opt/locked/new/f", b"mine").await.unwrap();
    assert_eq!(
        sh_as_root(
            &s,
            "stat -c '%U %a' /opt/locked /opt/locked/new /opt/locked/new/f"
        )
        .await,
        "root 700\nsandbox 755\nsandbox 644\n"
    );
}

#[tokio::test]
async fn many_transfers_share_one_sandbox_at_once() {
    let s = sandbox().await;
    let sizes = [0usize, 1, 511, 512, 70_000, 300_000, 1 << 20, 3 << 20];
    let writes = sizes.iter().map(|&n| {
        let s = &s;
        async move { s.write_file(&format!("/tmp/many/{n}"), &noise(n)).await }
    });
    for r in futures_util::future::join_all(writes).await {
        r.unwrap();
    }
    let reads = sizes.iter().map(|&n| {
        let s = &s;
        async move { (n, s.read_file(&format!("/tmp/many/{n}")).await.unwrap()) }
    });
    for (n, data) in futures_util::future::join_all(reads).await {
        assert!(data == noise(n), "{n} bytes come back intact");
    }
}

#[tokio::test]
async fn writes_land_in_tmpfs_mounts_through_the_agent() {
    if !agent_on() {
        return; // the archive API writes below the mount, where nobody sees it
    }
    let s = sandbox_with(ContainerOptions {
        tmpfs: vec![("/scratch".into(), "rw,size=16m,mode=1777".into())],
        ..opts()
    })
    .await;
    s.write_file("/scratch/in/a.txt", b"in tmpfs")
        .await
        .unwrap();
    assert_eq!(sh(&s, "cat /scratch/in/a.txt").await, "in tmpfs");
    assert_eq!(s.read_file("/scratch/in/a.txt").await.unwrap(), b"in tmpfs");
    assert_eq!(s.list_files("/scratch/in").await.unwrap()[0].name, "a.txt");
}

#[tokio::test]
async fn a_cancelled_write_leaves_the_old_file_or_the_new_one_whole() {
    if !agent_on() {
        return; // the archive API extracts as it receives: no such promise
    }
    let s = sandbox().await;
    s.write_file("/tmp/c.bin", b"old").await.unwrap();
    let big = noise(32 << 20);
    let cut =
        tokio::time::timeout(Duration::from_millis(20), s.write_file("/tmp/c.bin", &big)).await;
    // The agent notices the cancel (or the end) shortly after.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let now = s.read_file("/tmp/c.bin").await.unwrap();
    match cut {
        Ok(r) => {
            r.unwrap();
            assert!(now == big, "a finished write is whole");
        }
        Err(_) => assert!(
            now == b"old" || now == big,
            "never half a file ({} bytes)",
            now.len()
        ),
    }
    assert_eq!(
        sh(&s, "ls -a /tmp | grep -c pd-put || true").await,
        "0\n",
        "no temporary left"
    );
    // The channel is still good for the next write.
    s.write_file("/tmp/c.bin", b"after").await.unwrap();
    assert_eq!(s.read_file("/tmp/c.bin").await.unwrap(), b"after");
}

#[tokio::test]
async fn without_capabilities_files_fall_back_to_the_archive_api() {
    let s = sandbox_with(ContainerOptions {
        cap_drop_all: true,
        ..opts()
    })
    .await;
    s.write_file("/home/sandbox/nocap/f.txt", b"fallback")
        .await
        .unwrap();
    assert_eq!(
        s.read_file("/home/sandbox/nocap/f.txt").await.unwrap(),
        b"fallback"
    );
    assert_eq!(
        sh(
            &s,
            "stat -c '%U %a' /home/sandbox/nocap /home/sandbox/nocap/f.txt"
        )
        .await,
        "sandbox 755\nsandbox 644\n"
    );
    let h = crate::HostDir::new("nocap");
    s.pull("/home/sandbox/nocap", h.join("back")).await.unwrap();
    assert_eq!(std::fs::read(h.join("back/f.txt")).unwrap(), b"fallback");
}
