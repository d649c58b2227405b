//! Fault injection on real engines (issue 13): engines that do not answer, answer garbage,
//! close mid-answer or answer the ping and then go silent (fake sockets made here); the
//! engine going away mid-run and coming back (a relay in front of the real engine that the
//! test cuts and restores: restarting the shared engine would disturb other suites); the
//! agent killed from the host; a full disk during a push; an outside removal during a
//! detached wait and a session command. Each must end in bounded time with a clear error
//! kind, and what works again must work again.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use pocketdock::{Client, ClientOptions, ErrorKind, RunOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::JoinHandle;

/// The request timeout the tests give their clients: short, so a stuck engine costs little.
const REQUEST_TIMEOUT: Duration = Duration::from_millis(1500);
/// The request timeout through the relay to the real engine.
const RELAYED_TIMEOUT: Duration = Duration::from_secs(30);
/// What a timed-out call may take beyond its limit (a loaded 2-core machine).
const SLACK: Duration = Duration::from_secs(3);

fn temp_socket(tag: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "pd-faults-{tag}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sock = dir.join("engine.sock");
    (dir, sock)
}

fn opts_for(sock: &Path) -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: REQUEST_TIMEOUT,
        ..ClientOptions::socket(sock.to_string_lossy().into_owned())
    }
}

/// How a fake engine treats a connection.
#[derive(Clone, Copy, Debug)]
enum Fake {
    /// Accepts and never answers.
    Silent,
    /// Answers bytes that are not HTTP, then closes.
    Garbage,
    /// Starts an answer (head and part of the body) and closes.
    ClosesMidAnswer,
    /// Answers `/_ping` as Docker would, then never answers anything else.
    PingThenSilent,
    /// Answers `/_ping`, then garbage to anything else.
    PingThenGarbage,
    /// Answers `/_ping`, then starts every other answer and closes mid-body.
    PingThenClosesMidAnswer,
}

const PING: &[u8] = b"HTTP/1.1 200 OK\r\nServer: Docker/20.10.24 (linux)\r\nApi-Version: 1.41\r\n\
    Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK";
const HALF: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{\"Id\":";

/// A fake engine on a temp socket, serving each connection as `how` says until dropped.
struct FakeEngine {
    dir: PathBuf,
    sock: PathBuf,
    task: JoinHandle<()>,
}

impl Drop for FakeEngine {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn fake(how: Fake) -> FakeEngine {
    let (dir, sock) = temp_socket(&format!("{how:?}"));
    let listener = UnixListener::bind(&sock).unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let Ok((c, _)) = listener.accept().await else {
                return;
            };
            held.push(tokio::spawn(serve(c, how)));
        }
    });
    FakeEngine { dir, sock, task }
}

async fn serve(mut c: UnixStream, how: Fake) {
    loop {
        // One request head (the fakes answer before any body the request has).
        let mut req = Vec::new();
        let mut b = [0u8; 4096];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            match c.read(&mut b).await {
                Ok(0) | Err(_) => return,
                Ok(n) => req.extend_from_slice(&b[..n]),
            }
        }
        let line = String::from_utf8_lossy(&req)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
        let ping = line.contains("/_ping");
        let silent = || async { std::future::pending::<()>().await };
        match how {
            Fake::Silent => silent().await,
            Fake::Garbage => {
                let _ = c.write_all(b"\x00\x01garbage, not HTTP\r\n\r\n").await;
                return;
            }
            Fake::ClosesMidAnswer => {
                let _ = c.write_all(HALF).await;
                return;
            }
            _ if ping => {
                if c.write_all(PING).await.is_err() {
                    return;
                }
            }
            Fake::PingThenSilent => silent().await,
            Fake::PingThenGarbage => {
                let _ = c.write_all(b"\x00\x01garbage, not HTTP\r\n\r\n").await;
                return;
            }
            Fake::PingThenClosesMidAnswer => {
                let _ = c.write_all(HALF).await;
                return;
            }
        }
    }
}

/// Runs `call` and checks it ends within `limit`, answering its error.
async fn bounded<T: std::fmt::Debug>(
    what: &str,
    limit: Duration,
    call: impl std::future::Future<Output = pocketdock::Result<T>>,
) -> pocketdock::Error {
    let t0 = Instant::now();
    let r = tokio::time::timeout(limit + Duration::from_secs(30), call)
        .await
        .unwrap_or_else(|_| panic!("{what} hung past {limit:?} + 30 s"));
    let took = t0.elapsed();
    let err = r.expect_err(&format!("{what} must fail"));
    eprintln!("{what}: {:?} after {took:.2?}: {err}", err.kind());
    assert!(
        took <= limit,
        "{what} took {took:?} (limit {limit:?}): {err}"
    );
    err
}

#[tokio::test]
async fn an_engine_that_never_answers_is_not_found_within_the_connect_timeout() {
    for how in [Fake::Silent, Fake::Garbage, Fake::ClosesMidAnswer] {
        let f = fake(how);
        let err = bounded(
            &format!("open on {how:?}"),
            Duration::from_secs(2) + SLACK,
            Client::connect_with(&opts_for(&f.sock)),
        )
        .await;
        assert_eq!(err.kind(), ErrorKind::EngineNotFound, "{how:?}: {err}");
        assert!(
            err.to_string().contains(&f.sock.display().to_string()),
            "{err}"
        );
    }
}

#[tokio::test]
async fn an_engine_silent_after_its_ping_is_a_timeout_naming_the_request() {
    let f = fake(Fake::PingThenSilent);
    let c = Client::connect_with(&opts_for(&f.sock))
        .await
        .expect("the ping is answered, so the client connects");
    let limit = REQUEST_TIMEOUT + SLACK;
    let err = bounded("list", limit, c.list_containers(None)).await;
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("GET /containers/json"), "{err}");
    let err = bounded("open", limit, c.get_container("pd-nonesuch")).await;
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    let err = bounded("create", limit, c.create_container(&opts())).await;
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[tokio::test]
async fn garbage_or_a_cut_answer_after_the_ping_is_a_clear_error() {
    for how in [Fake::PingThenGarbage, Fake::PingThenClosesMidAnswer] {
        let f = fake(how);
        let c = Client::connect_with(&opts_for(&f.sock)).await.unwrap();
        let limit = REQUEST_TIMEOUT + SLACK;
        for (what, err) in [
            (
                "list",
                bounded("list", limit, c.list_containers(None)).await,
            ),
            ("open", bounded("open", limit, c.get_container("x")).await),
            (
                "create",
                bounded("create", limit, c.create_container(&opts())).await,
            ),
        ] {
            // The connection broke: an I/O error saying so, never a hang or a success.
            assert_eq!(err.kind(), ErrorKind::Io, "{how:?} {what}: {err}");
        }
    }
}

/// The relay's accepting task and the pipes of the connections it relays.
type Running = Option<(JoinHandle<()>, Vec<JoinHandle<()>>)>;

/// A relay in front of the real engine that the test can cut (every connection closed, the
/// socket gone, as when the engine's service stops) and restore.
struct Relay {
    dir: PathBuf,
    sock: PathBuf,
    state: Arc<Mutex<Running>>,
}

impl Relay {
    fn new() -> Relay {
        let (dir, sock) = temp_socket("relay");
        let r = Relay {
            dir,
            sock,
            state: Arc::new(Mutex::new(None)),
        };
        r.restore();
        r
    }

    fn restore(&self) {
        let _ = std::fs::remove_file(&self.sock);
        let listener = UnixListener::bind(&self.sock).unwrap();
        let state = self.state.clone();
        let acceptor = tokio::spawn(async move {
            while let Ok((mut inside, _)) = listener.accept().await {
                let pipe = tokio::spawn(async move {
                    if let Ok(mut engine) = UnixStream::connect(socket()).await {
                        let _ = tokio::io::copy_bidirectional(&mut inside, &mut engine).await;
                    }
                });
                if let Some((_, pipes)) = state.lock().unwrap().as_mut() {
                    pipes.push(pipe);
                }
            }
        });
        *self.state.lock().unwrap() = Some((acceptor, Vec::new()));
    }

    fn cut(&self) {
        if let Some((acceptor, pipes)) = self.state.lock().unwrap().take() {
            acceptor.abort();
            for p in pipes {
                p.abort();
            }
        }
        let _ = std::fs::remove_file(&self.sock);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn the_engine_going_away_mid_run_is_a_clear_error_and_the_next_call_works_once_back() {
    let relay = Relay::new();
    // The real engine behind the relay may be slow on a loaded machine: this test is about
    // the cut (an immediate I/O error), not the deadline, so the deadline is generous.
    let client = Client::connect_with(&ClientOptions {
        request_timeout: RELAYED_TIMEOUT,
        ..opts_for(&relay.sock)
    })
    .await
    .unwrap();
    // The run must go through the engine: with the agent, a local engine's sandbox is
    // reached on its own socket (docs/agent.md, "Transport") and a run there does not
    // notice the engine going away, so this sandbox runs by the engine exec.
    let s = Sandbox {
        c: client
            .create_container(&pocketdock::ContainerOptions {
                agent: false,
                ..opts()
            })
            .await
            .expect("create through the relay"),
    };
    let ro = RunOptions {
        timeout: Some(Duration::from_secs(20)),
        ..RunOptions::default()
    };
    assert_eq!(s.run("echo up", &ro).await.unwrap().stdout_text(), "up\n");
    let run = s.run("sleep 30", &ro);
    let cut = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        relay.cut();
    };
    let t0 = Instant::now();
    let (ended, ()) = tokio::join!(tokio::time::timeout(Duration::from_secs(20), run), cut);
    let ended = ended.expect("a run whose engine went away must end");
    let err = ended.expect_err("a run whose engine went away has no exit");
    eprintln!(
        "engine cut mid-run: {:?} after {:.2?}: {err}",
        err.kind(),
        t0.elapsed()
    );
    assert!(
        matches!(err.kind(), ErrorKind::Io | ErrorKind::Timeout),
        "{err}"
    );
    assert!(t0.elapsed() < RELAYED_TIMEOUT + SLACK + Duration::from_millis(700));
    // While it is away: a clear error at once.
    let err = bounded("list while away", SLACK, client.list_containers(None)).await;
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    relay.restore();
    let r = s
        .run("echo back", &ro)
        .await
        .expect("the next run once the engine is back");
    assert_eq!(r.stdout_text(), "back\n", "{r:?}");
    assert!(client.list_containers(None).await.is_ok());
}

/// The container's main process (the agent, or the keeper on the engine-exec path) as the
/// host sees it.
fn host_pid(name: &str) -> i32 {
    let doc = inspect(name).expect("inspect");
    doc["State"]["Pid"]
        .as_i64()
        .expect("a running container has a pid") as i32
}

#[tokio::test]
async fn the_agent_killed_from_the_host_stops_the_sandbox_with_a_clear_error() {
    let s = sandbox().await;
    let ro = RunOptions::default();
    let pid = host_pid(s.name());
    let run = s.run("sleep 30", &ro);
    let kill = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        // PID 1 of the sandbox dying stops the container: nothing can re-place the agent.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    };
    let t0 = Instant::now();
    let (ended, ()) = tokio::join!(tokio::time::timeout(Duration::from_secs(20), run), kill);
    let err = ended
        .expect("the run must end")
        .expect_err("no exit of its own");
    eprintln!(
        "agent killed: {:?} after {:.2?}: {err}",
        err.kind(),
        t0.elapsed()
    );
    assert_eq!(err.kind(), ErrorKind::ContainerNotRunning, "{err}");
    let err = s
        .run("echo next", &ro)
        .await
        .expect_err("a stopped sandbox");
    assert_eq!(err.kind(), ErrorKind::ContainerNotRunning, "{err}");
}

#[tokio::test]
async fn a_full_disk_during_a_push_is_a_clear_error() {
    let mut o = opts();
    o.tmpfs = vec![("/small".into(), "size=1m".into())];
    let s = sandbox_with(o).await;
    let dir = HostDir::new("faults-full");
    let big = dir.join("big.bin");
    std::fs::write(&big, vec![7u8; 4 << 20]).unwrap();
    let pushed = s.push(&big, "/small/big.bin").await;
    if !s.uses_agent() && !is_podman() {
        // Docker's archive API writes beneath a tmpfs mount, into the container's own
        // layer, where nothing in the sandbox sees it, and answers success (its docs: tmpfs
        // mounts are not supported by `docker cp`). Known and documented (docs/files.md);
        // this checks the limitation is still what it was, so the day it changes is seen.
        assert!(pushed.is_ok(), "{pushed:?}");
        let r = s
            .run(
                "test -e /small/big.bin && echo seen || echo unseen",
                &RunOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(r.stdout_text(), "unseen\n", "{r:?}");
        return;
    }
    let err = bounded("push onto a full tmpfs", Duration::from_secs(30), async {
        pushed
    })
    .await;
    assert!(
        matches!(err.kind(), ErrorKind::Engine | ErrorKind::Io),
        "{err}"
    );
    let msg = err.to_string().to_lowercase();
    assert!(
        msg.contains("no space") || msg.contains("space left") || msg.contains("disk"),
        "the message says the disk is full: {err}"
    );
    // The sandbox still works.
    let r = s.run("echo ok", &RunOptions::default()).await.unwrap();
    assert_eq!(r.stdout_text(), "ok\n");
}

/// Removes the sandbox from outside while `pending` waits, and checks it ends in
/// `ContainerGone` within a second of the removal.
async fn gone_within_a_second<T: std::fmt::Debug>(
    s: &Sandbox,
    what: &str,
    pending: impl std::future::Future<Output = pocketdock::Result<T>>,
) {
    let name = s.name().to_owned();
    let removed = Arc::new(Mutex::new(None::<Instant>));
    let mark = removed.clone();
    let outside = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(500));
        force_remove(&name);
        *mark.lock().unwrap() = Some(Instant::now());
    });
    let ended = tokio::time::timeout(Duration::from_secs(25), pending)
        .await
        .unwrap_or_else(|_| panic!("{what} hung after an outside removal"));
    let at = Instant::now();
    outside.await.unwrap();
    let err = ended.expect_err("a removed sandbox's call has no result");
    let after = removed
        .lock()
        .unwrap()
        .map(|r| at.saturating_duration_since(r))
        .unwrap_or_default();
    eprintln!(
        "{what}: {:?} {after:.2?} after the removal: {err}",
        err.kind()
    );
    assert_eq!(err.kind(), ErrorKind::ContainerGone, "{what}: {err}");
    assert!(
        after <= Duration::from_secs(1),
        "{what}: {after:?} after the removal"
    );
}

#[tokio::test]
async fn a_detached_wait_during_an_outside_removal_is_gone_within_a_second() {
    let mut o = opts();
    o.agent = true;
    let s = sandbox_with(o).await;
    let p = s.spawn("sleep 60", RunOptions::default()).await.unwrap();
    gone_within_a_second(&s, "detached wait", p.wait(Some(Duration::from_secs(20)))).await;
}

#[tokio::test]
async fn a_session_command_during_an_outside_removal_is_gone_within_a_second() {
    let mut o = opts();
    o.agent = true;
    let s = sandbox_with(o).await;
    let session = s.open_session(RunOptions::default()).await.unwrap();
    let cmd = session.send_and_wait("sleep 60", Some(Duration::from_secs(20)));
    gone_within_a_second(&s, "session command", cmd).await;
}
