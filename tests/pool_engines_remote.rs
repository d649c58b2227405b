//! One pool over three engines: Podman and Docker on their Unix sockets, and the TLS dockerd
//! of scripts/remote-up reached through a TCP relay this test owns (TLS passes through it
//! untouched; the server certificate names 127.0.0.1). "Stopping" that engine is closing the
//! relay, so no shared engine is touched. Mid-run: acquires keep succeeding on the other two,
//! a plain create on the same set lands on them, the engine is marked down; once the relay is
//! back its stranded members are removed, and the shutdown leaves nothing on any engine.
//! Skipped unless `POCKETDOCK_TEST_REMOTE` names remote-up's env file (scripts/test sets it).

mod remote_support;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use pocketdock::{Client, ClientOptions, EngineSet, Pool, PoolOptions, RunOptions, TlsFiles};
use remote_support::{settings, LABEL};
use tokio::net::{TcpListener, TcpStream};

const PODMAN: &str = "/run/podman/podman.sock";
const DOCKER: &str = "/run/pocketdock-docker.sock";

/// Relays every connection on `listener` to `target`; aborting the task closes them all.
fn relay(listener: TcpListener, target: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut conns = tokio::task::JoinSet::new();
        while let Ok((mut a, _)) = listener.accept().await {
            let target = target.clone();
            conns.spawn(async move {
                if let Ok(mut b) = TcpStream::connect(&target).await {
                    let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await;
                }
            });
        }
    })
}

/// Names of the project's containers on the engine at Unix socket `sock`.
async fn on_engine(sock: &str, project: &str) -> HashSet<String> {
    let c = Client::connect_to(Some(Path::new(sock))).await.unwrap();
    let all = c.list_containers(Some(project)).await.unwrap();
    all.into_iter().map(|s| s.name).collect()
}

/// Removes the project's containers on every engine (through their Unix sockets) when
/// dropped, even after a panic.
struct Leftovers(Vec<String>, String);

impl Drop for Leftovers {
    fn drop(&mut self) {
        let (socks, project) = (self.0.clone(), self.1.clone());
        // Drop runs on the test's runtime: clean up from a thread with a runtime of its own.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                for sock in socks {
                    let Ok(c) = Client::connect_to(Some(Path::new(&sock))).await else {
                        continue;
                    };
                    for n in on_engine(&sock, &project).await {
                        let _ = c.destroy_container(&n).await;
                    }
                }
            })
        })
        .join()
        .unwrap();
    }
}

async fn wait_until(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !done().await {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_over_podman_docker_and_tls_keeps_working_when_one_stops() {
    let Some(s) = settings() else { return };
    let started = Instant::now();
    let remote_sock = s["PD_REMOTE_SOCKET"].clone();
    let target = s["PD_REMOTE_TLS"].trim_start_matches("tcp://").to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let front = listener.local_addr().unwrap();
    let mut task = relay(listener, target.clone());

    let tls = Client::connect_with(&ClientOptions {
        tls: Some(TlsFiles::dir(Path::new(&s["PD_REMOTE_CERTS"]).join("good"))),
        connect_timeout: Duration::from_secs(10),
        ..ClientOptions::socket(format!("tcp://{front}"))
    })
    .await
    .expect("connect over TLS through the relay");
    let podman = Client::connect_to(Some(Path::new(PODMAN))).await.unwrap();
    let docker = Client::connect_to(Some(Path::new(DOCKER))).await.unwrap();
    let project = format!("pdtest-set3-{}", std::process::id());
    let _left = Leftovers(
        vec![PODMAN.into(), DOCKER.into(), remote_sock.clone()],
        project.clone(),
    );
    let container = pocketdock::ContainerOptions {
        labels: vec![(LABEL.0.into(), LABEL.1.into())],
        project: Some(project.clone()),
        ..Default::default()
    };
    // One create there first: a fresh daemon fills its agent volume at the first create, and
    // two creates doing that at once race (tests/remote.rs).
    tls.create_container(&container)
        .await
        .expect("create over TLS")
        .shutdown()
        .await
        .unwrap();

    let mut set = EngineSet::new();
    set.add(podman, 1, Some(3))
        .add(docker, 1, Some(3))
        .add(tls, 1, None);
    let o = PoolOptions {
        container: container.clone(),
        min_idle: 6,
        max_size: 9,
        ..PoolOptions::default()
    };
    let pool = Pool::new(set.clone(), o).await.unwrap();
    wait_until("6 idle members", Duration::from_secs(180), async || {
        pool.stats().idle >= 6
    })
    .await;
    let there = on_engine(&remote_sock, &project).await;
    assert!(!there.is_empty(), "the TLS engine got members");
    let mut per_engine = HashMap::new();
    for sock in [PODMAN, DOCKER] {
        per_engine.insert(sock, on_engine(sock, &project).await.len());
    }
    assert!(
        per_engine.values().all(|n| *n > 0),
        "members on every engine: {per_engine:?}, TLS {}",
        there.len()
    );

    // The TLS engine stops answering.
    task.abort();
    let _ = task.await;
    for i in 0..6 {
        let c = pool
            .acquire(Some(Duration::from_secs(90)))
            .await
            .unwrap_or_else(|e| panic!("acquire {i} with the TLS engine down: {e}"));
        assert!(!there.contains(c.name()), "a member of the down engine");
        let r = c.run("echo up", &RunOptions::default()).await.unwrap();
        assert_eq!(r.stdout_text(), "up\n");
        pool.release(c).await.unwrap();
    }
    assert_eq!(pool.stats().engines_down, 1, "{:?}", pool.stats());
    // A plain create on the same set passes the down engine over.
    let (i, c) = set.create_placed(&container).await.unwrap();
    assert!(i < 2, "placed on engine {i}, the down one");
    c.shutdown().await.unwrap();

    // It comes back on the same address: a probe after the backoff finds it, and the
    // members set aside there are removed.
    task = relay(TcpListener::bind(front).await.unwrap(), target);
    wait_until(
        "the stranded members removed",
        Duration::from_secs(90),
        async || {
            let left = on_engine(&remote_sock, &project).await;
            there.iter().all(|n| !left.contains(n)) && pool.stats().engines_down == 0
        },
    )
    .await;
    pool.shutdown().await.unwrap();
    for sock in [PODMAN, DOCKER, remote_sock.as_str()] {
        let left = on_engine(sock, &project).await;
        assert!(left.is_empty(), "left on {sock}: {left:?}");
    }
    task.abort();
    eprintln!("three-engine set: {:.1} s", started.elapsed().as_secs_f64());
}
