//! Warm pools on the real engine: pre-warm reaches the size, acquire is warm, exhaustion
//! waits then fails clearly, released members are destroyed and replaced, a member removed
//! from outside is never handed out, shutdown leaves nothing, and the members of a pool
//! whose process was SIGKILLed are found by `doctor` and removed by `prune`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{client, containers_labelled, force_remove, inspect, opts, unique_project};
use pocketdock::{ErrorKind, Pool, PoolOptions, PoolStats, ReleasePolicy, RunOptions};

/// Removes every container of the pool when dropped, even when the test panics.
struct Leftovers(String);

impl Drop for Leftovers {
    fn drop(&mut self) {
        for n in containers_labelled(&format!("pocketdock.pool={}", self.0)) {
            force_remove(&n);
        }
    }
}

fn members(pool_id: &str) -> Vec<String> {
    containers_labelled(&format!("pocketdock.pool={pool_id}"))
}

/// Waits (up to a minute: the engines are shared and slow under load) until `f` holds.
async fn until(pool: &Pool, what: &str, f: impl Fn(&PoolStats) -> bool) -> PoolStats {
    let start = Instant::now();
    loop {
        let s = pool.stats();
        if f(&s) {
            return s;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{what}: {s:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn pool_opts(min_idle: usize, max_size: usize) -> PoolOptions {
    PoolOptions {
        container: opts(),
        min_idle,
        max_size,
        ..PoolOptions::default()
    }
}

#[tokio::test]
async fn prewarm_acquire_release_and_shutdown() {
    let pool = Pool::new(client().await, pool_opts(2, 3)).await.unwrap();
    let _left = Leftovers(pool.id().to_owned());
    let s = until(&pool, "pre-warm reaches min_idle", |s| s.idle == 2).await;
    assert_eq!((s.in_use, s.failed), (0, 0));
    assert_eq!(
        members(pool.id()).len(),
        2,
        "exactly the idle members exist"
    );

    let c = pool.acquire(Some(Duration::from_secs(60))).await.unwrap();
    let r = c.run("echo warm", &RunOptions::default()).await.unwrap();
    assert_eq!(r.stdout_text(), "warm\n");
    let s = until(&pool, "refilled after an acquire", |s| s.idle == 2).await;
    assert_eq!(s.in_use, 1);
    assert!(s.acquire_p50 > Duration::ZERO);

    // Released: destroyed, never handed out again, and replaced.
    let used = c.name().to_owned();
    pool.release(c.clone()).await.unwrap();
    let e = pool.release(c).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    let start = Instant::now();
    while inspect(&used).is_some() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{used} still exists"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let s = until(&pool, "idle again", |s| s.idle == 2 && s.in_use == 0).await;
    assert!(s.created >= 3, "{s:?}");
    for _ in 0..2 {
        let c = pool.acquire(None).await.unwrap();
        assert_ne!(c.name(), used);
    }

    // Shutdown removes every member, idle and in use, and closes the pool.
    pool.shutdown().await.unwrap();
    assert_eq!(members(pool.id()), Vec::<String>::new());
    let e = pool.acquire(None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    pool.shutdown().await.unwrap();
}

#[tokio::test]
async fn exhaustion_waits_then_fails_and_a_release_unblocks_it() {
    let pool = Pool::new(client().await, pool_opts(1, 1)).await.unwrap();
    let _left = Leftovers(pool.id().to_owned());
    let held = pool.acquire(Some(Duration::from_secs(60))).await.unwrap();

    let start = Instant::now();
    let e = pool
        .acquire(Some(Duration::from_millis(300)))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(start.elapsed() >= Duration::from_millis(300));
    let msg = e.to_string();
    assert!(
        msg.contains("no sandbox free") && msg.contains("1 in use") && msg.contains("max_size 1"),
        "{msg}"
    );
    // Zero is "do not wait".
    let e = pool.acquire(Some(Duration::ZERO)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);

    // A waiter gets the replacement of a released member.
    let (got, ()) = tokio::join!(pool.acquire(Some(Duration::from_secs(60))), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        pool.release(held).await.unwrap();
    });
    got.unwrap();
    pool.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_pool_without_idle_members_creates_on_demand() {
    let pool = Pool::new(client().await, pool_opts(0, 2)).await.unwrap();
    let _left = Leftovers(pool.id().to_owned());
    assert_eq!(pool.stats().idle, 0, "min_idle 0 keeps nothing warm");
    let c = pool.acquire(Some(Duration::from_secs(60))).await.unwrap();
    assert!(c.run("true", &Default::default()).await.unwrap().ok());
    pool.release(c).await.unwrap();
    let s = pool.stats();
    assert_eq!((s.in_use, s.created), (0, 1), "{s:?}");
    pool.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_member_removed_from_outside_is_never_handed_out() {
    let pool = Pool::new(client().await, pool_opts(3, 3)).await.unwrap();
    let _left = Leftovers(pool.id().to_owned());
    until(&pool, "pre-warm", |s| s.idle == 3).await;
    let all = members(pool.id());
    let killed = all[0].clone();
    force_remove(&killed);
    let mut got = Vec::new();
    for _ in 0..3 {
        let c = pool.acquire(Some(Duration::from_secs(60))).await.unwrap();
        assert_ne!(c.name(), killed, "a removed member was handed out");
        let r = c.run("echo alive", &RunOptions::default()).await.unwrap();
        assert_eq!(r.stdout_text(), "alive\n");
        got.push(c);
    }
    let s = pool.stats();
    assert!(s.failed >= 1, "the dead member was counted: {s:?}");
    assert_eq!(
        s.engines_down, 0,
        "one dead member does not take its engine down"
    );
    pool.shutdown().await.unwrap();
    assert!(members(pool.id()).is_empty());
}

#[tokio::test]
async fn recycle_kills_processes_and_keeps_the_sandbox() {
    if !common::agent_on() {
        return; // recycling goes through the agent; without it a release destroys
    }
    let o = PoolOptions {
        release: ReleasePolicy::Recycle,
        warmup: Some("python3 -c pass".into()),
        ..pool_opts(1, 1)
    };
    let pool = Pool::new(client().await, o).await.unwrap();
    let _left = Leftovers(pool.id().to_owned());
    let c = pool.acquire(Some(Duration::from_secs(60))).await.unwrap();
    let p = c.spawn("sleep 300", &RunOptions::default()).await.unwrap();
    c.run("echo kept > /tmp/f", &RunOptions::default())
        .await
        .unwrap();
    let name = c.name().to_owned();
    pool.release(c).await.unwrap();
    assert!(!p.is_running().await.unwrap(), "recycle killed the process");
    let again = pool.acquire(Some(Duration::from_secs(60))).await.unwrap();
    assert_eq!(again.name(), name, "the same sandbox came back");
    let r = again
        .run("cat /tmp/f", &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "kept\n", "recycle does not reset files");
    pool.shutdown().await.unwrap();
}

const CHILD_ENV: &str = "POCKETDOCK_POOL_OWNER_CHILD";

/// Not a test of its own: the pool owner that gets SIGKILLed. Run by
/// `a_killed_owners_members_are_found_and_pruned`, it starts a pool in the given project,
/// prints its id once two members are ready, and waits to be killed.
#[tokio::test]
async fn pool_owner_child() {
    let Ok(project) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut o = pool_opts(2, 2);
    o.container.project = Some(project);
    let pool = Pool::new(client().await, o).await.unwrap();
    until(&pool, "the child's pool warms up", |s| s.idle == 2).await;
    println!("POOL-ID={}", pool.id());
    tokio::time::sleep(Duration::from_secs(120)).await;
}

#[tokio::test]
async fn a_killed_owners_members_are_found_and_pruned() {
    let project = unique_project("pool");
    let _left = common::ProjectGuard(project.clone());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "pool_owner_child", "--nocapture"])
        .env(CHILD_ENV, &project)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut id = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(i) = line.find("POOL-ID=") {
            id = Some(line[i + "POOL-ID=".len()..].trim().to_owned());
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL: no Drop, no shutdown
    child.wait().unwrap();
    let id = id.expect("the child started a pool");
    let left = members(&id);
    assert_eq!(left.len(), 2, "the killed owner's members are still there");

    let client = client().await;
    let report = client.doctor(None, false).await.unwrap();
    for name in &left {
        let item = report
            .crashed
            .iter()
            .find(|i| &i.name == name)
            .unwrap_or_else(|| panic!("doctor did not report {name}: {report:?}"));
        assert!(
            item.detail.contains(&format!("member of pool {id}")),
            "{item:?}"
        );
    }
    // They are running: only their pool label and dead owner make them prunable.
    assert_eq!(client.prune(Some(&project)).await.unwrap(), 2);
    assert!(members(&id).is_empty());
}
