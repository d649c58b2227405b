//! One pool over two real engines, one of which stops answering mid-run: the engine under
//! test (`POCKETDOCK_SOCKET`) is reached through a relay socket this test owns, the other
//! engine (`POCKETDOCK_OTHER_SOCKET`, else the other of the two scripts/engine-up starts,
//! else the same engine directly) is reached directly. "Stopping" is closing the relay, so
//! the shared engines keep running. Acquires keep succeeding on the other engine; when the
//! relay comes back the engine is probed up again, and nothing leaks on either.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{containers_labelled, opts, socket};
use pocketdock::{Client, EngineSet, Pool, PoolOptions, RunOptions};
use tokio::net::{UnixListener, UnixStream};

/// Relays every connection on `front` to `engine`; aborting the task closes them all.
fn relay(front: &Path, engine: PathBuf) -> tokio::task::JoinHandle<()> {
    let _ = std::fs::remove_file(front);
    let listener = UnixListener::bind(front).unwrap();
    tokio::spawn(async move {
        let mut conns = tokio::task::JoinSet::new();
        while let Ok((mut a, _)) = listener.accept().await {
            let engine = engine.clone();
            conns.spawn(async move {
                if let Ok(mut b) = UnixStream::connect(&engine).await {
                    let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await;
                }
            });
        }
    })
}

fn other_socket() -> PathBuf {
    if let Ok(s) = std::env::var("POCKETDOCK_OTHER_SOCKET") {
        return s.into();
    }
    let mine = socket();
    ["/run/podman/podman.sock", "/run/pocketdock-docker.sock"]
        .iter()
        .map(PathBuf::from)
        .find(|p| *p != mine && p.exists())
        .unwrap_or(mine)
}

/// Names of the project's containers on the engine at `sock`, asked through a client of
/// its own (the helpers in common ask POCKETDOCK_SOCKET only).
async fn on_engine(sock: &Path, project: &str) -> Vec<String> {
    let c = Client::connect_to(Some(sock)).await.unwrap();
    let all = c.list_containers(Some(project)).await.unwrap();
    all.into_iter().map(|s| s.name).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acquires_keep_working_when_an_engine_stops_answering() {
    let dir = std::env::temp_dir().join(format!("pd-pool-relay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let front = dir.join("engine.sock");
    let task = relay(&front, socket());
    let other = other_socket();

    let a = Client::connect_to(Some(&front)).await.unwrap();
    let b = Client::connect_to(Some(&other)).await.unwrap();
    let mut set = EngineSet::new();
    set.add(a, 1, None).add(b, 1, Some(4));
    let project = common::unique_project("poolset");
    let _left = common::ProjectGuard(project.clone());
    let mut container = opts();
    container.project = Some(project.clone());
    let o = PoolOptions {
        container,
        min_idle: 4,
        max_size: 8,
        ..PoolOptions::default()
    };
    let pool = Pool::new(set, o).await.unwrap();
    let id = pool.id().to_owned();
    let _left_there = OtherEngine(other.clone(), project.clone());
    let start = Instant::now();
    while pool.stats().idle < 4 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{:?}",
            pool.stats()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let label = format!("pocketdock.pool={id}");
    let here = containers_labelled(&label);
    assert!(!here.is_empty(), "the engine behind the relay got members");

    // The engine behind the relay stops answering.
    task.abort();
    let _ = task.await;
    std::fs::remove_file(&front).unwrap();
    for i in 0..6 {
        let c = pool
            .acquire(Some(Duration::from_secs(60)))
            .await
            .unwrap_or_else(|e| panic!("acquire {i} with one engine down: {e}"));
        assert!(
            !here.contains(&c.name().to_owned()),
            "a member of the down engine"
        );
        let r = c.run("echo up", &RunOptions::default()).await.unwrap();
        assert_eq!(r.stdout_text(), "up\n");
        pool.release(c).await.unwrap();
    }
    assert_eq!(pool.stats().engines_down, 1, "{:?}", pool.stats());

    // It comes back: a probe after the backoff finds it, and its stranded members go.
    let task = relay(&front, socket());
    let start = Instant::now();
    loop {
        let left: Vec<_> = containers_labelled(&label)
            .into_iter()
            .filter(|n| here.contains(n))
            .collect();
        if left.is_empty() && pool.stats().engines_down == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "stranded members not removed: {left:?} {:?}",
            pool.stats()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pool.shutdown().await.unwrap();
    assert!(containers_labelled(&label).is_empty(), "nothing left here");
    assert!(
        on_engine(&other, &project).await.is_empty(),
        "nothing left there"
    );
    task.abort();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Removes the project's containers on the other engine when dropped, even after a panic.
struct OtherEngine(PathBuf, String);

impl Drop for OtherEngine {
    fn drop(&mut self) {
        let (sock, project) = (self.0.clone(), self.1.clone());
        // Drop runs on the test's runtime: clean up from a thread with a runtime of its own.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let Ok(c) = Client::connect_to(Some(&sock)).await else {
                    return;
                };
                for n in on_engine(&sock, &project).await {
                    let _ = c.destroy_container(&n).await;
                }
            })
        })
        .join()
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_create_on_a_set_skips_an_engine_that_does_not_answer() {
    let dir = std::env::temp_dir().join(format!("pd-set-create-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let front = dir.join("engine.sock");
    let task = relay(&front, socket());
    let a = Client::connect_to(Some(&front)).await.unwrap();
    task.abort();
    let _ = task.await;
    std::fs::remove_file(&front).unwrap();
    let other = other_socket();
    let b = Client::connect_to(Some(&other)).await.unwrap();
    let project = common::unique_project("setcreate");
    let _left = common::ProjectGuard(project.clone());
    let _left_there = OtherEngine(other.clone(), project.clone());
    let mut o = opts();
    o.project = Some(project.clone());

    // The engine behind the closed relay weighs far more, yet does not answer.
    let mut set = EngineSet::new();
    set.add(a, 100, None).add(b, 1, None);
    let c = set.create_container(&o).await.unwrap();
    assert_eq!(on_engine(&other, &project).await, vec![c.name().to_owned()]);
    c.shutdown().await.unwrap();

    let _ = std::fs::remove_dir_all(&dir);
}
