//! Shared fixtures for the integration tests. They run against the REAL engine named by
//! `POCKETDOCK_SOCKET` (scripts/test runs the suite once per engine). Every container a test
//! creates carries `pocketdock.test=rust` and is force-removed when its guard drops, even
//! when the test panics; cleanup uses a raw request, not the library under test.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use pocketdock::{Client, Container, ContainerOptions, RunOptions};

pub const TEST_LABEL: (&str, &str) = ("pocketdock.test", "rust");

pub fn socket() -> PathBuf {
    PathBuf::from(
        std::env::var("POCKETDOCK_SOCKET")
            .expect("set POCKETDOCK_SOCKET to the engine under test (scripts/test does)"),
    )
}

pub async fn client() -> Client {
    Client::connect_to(Some(&socket()))
        .await
        .expect("the engine under test answers")
}

/// Whether this pass of the suite runs through the agent (`POCKETDOCK_TEST_AGENT=0`: the
/// engine-exec path). scripts/test runs every engine both ways.
pub fn agent_on() -> bool {
    std::env::var("POCKETDOCK_TEST_AGENT").map_or(true, |v| v != "0")
}

/// Options every test container starts from: the default image, the test label, and the
/// execution path of this pass.
pub fn opts() -> ContainerOptions {
    ContainerOptions {
        labels: vec![(TEST_LABEL.0.into(), TEST_LABEL.1.into())],
        agent: agent_on(),
        ..Default::default()
    }
}

/// A container that is removed when this guard drops.
pub struct Sandbox {
    pub c: Container,
}

impl std::ops::Deref for Sandbox {
    type Target = Container;
    fn deref(&self) -> &Container {
        &self.c
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        force_remove(self.c.name());
    }
}

pub async fn sandbox_with(o: ContainerOptions) -> Sandbox {
    let c = client().await.create_container(&o).await.expect("create");
    let s = Sandbox { c };
    assert_eq!(
        s.uses_agent(),
        o.agent,
        "the agent must be placed when asked for"
    );
    s
}

pub async fn sandbox() -> Sandbox {
    sandbox_with(opts()).await
}

/// One blocking HTTP/1.0 request on the engine socket, independent of the library.
pub fn raw(method: &str, path: &str) -> (u16, String) {
    request(method, path, "\r\n")
}

/// Sends `method path` followed by `extra` (after the Host line: more headers, the blank
/// line, the body) and answers the status and the body.
fn request(method: &str, path: &str, extra: &str) -> (u16, String) {
    let mut s = UnixStream::connect(socket()).expect("connect to engine socket");
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    write!(s, "{method} /v1.41{path} HTTP/1.0\r\nHost: d\r\n{extra}").expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_owned();
    (status, body)
}

pub fn force_remove(name: &str) {
    // Podman answers 409/500 while the container is mid-way through another state change
    // (a stop or a removal the library started): try again until it is gone.
    for _ in 0..20 {
        let (status, _) = raw(
            "DELETE",
            &format!("/containers/{name}?force=true&v=true&t=0"),
        );
        if matches!(status, 200 | 204 | 404) {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    eprintln!("test cleanup: could not remove container {name}");
}

pub fn inspect(name: &str) -> Option<serde_json::Value> {
    let (status, body) = raw("GET", &format!("/containers/{name}/json"));
    (status == 200).then(|| serde_json::from_str(&body).expect("inspect JSON"))
}

pub fn is_podman() -> bool {
    let (_, body) = raw("GET", "/version");
    body.contains("Podman")
}

/// Lists the live processes of the container whose command line contains `word`.
pub async fn processes_matching(s: &Sandbox, word: &str) -> String {
    // The word is split in the script so the scanning shell never matches itself.
    let (a, b) = word.split_at(word.len() / 2);
    let scan = format!(
        "w='{a}''{b}'; for p in /proc/[0-9]*; do \
           c=$(tr '\\0' ' ' < $p/cmdline 2>/dev/null); \
           case \"$c\" in *\"$w\"*) echo \"${{p#/proc/}} $c\";; esac; \
         done"
    );
    let r = s.run(&scan, &RunOptions::default()).await.unwrap();
    assert_eq!(r.exit_code, 0, "process scan failed: {}", r.stderr_text());
    r.stdout_text()
}

/// [`raw`] with a JSON body (for making containers the library did not make).
pub fn raw_json(method: &str, path: &str, body: &serde_json::Value) -> (u16, String) {
    let body = body.to_string();
    let extra = format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    request(method, path, &extra)
}

/// A project name no other test (or other run) uses, so anything that lists or removes
/// containers can be scoped to it.
pub fn unique_project(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("pdtest-{tag}-{}-{nanos:08x}", std::process::id())
}

/// Force-removes every container of a project when dropped (persistent and stopped ones
/// included), even when the test panics.
pub struct ProjectGuard(pub String);

impl Drop for ProjectGuard {
    fn drop(&mut self) {
        for name in project_containers(&self.0) {
            force_remove(&name);
        }
    }
}

/// Names of every container (running or not) labelled with `project`, asked of the engine
/// directly.
pub fn project_containers(project: &str) -> Vec<String> {
    containers_labelled(&format!("pocketdock.project={project}"))
}

/// Names of every container (running or not) with the label `key=value`, asked of the
/// engine directly.
pub fn containers_labelled(label: &str) -> Vec<String> {
    let filters = format!("{{\"label\":[\"{label}\"]}}");
    let escaped: String = filters
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let (status, body) = raw(
        "GET",
        &format!("/containers/json?all=true&filters={escaped}"),
    );
    assert_eq!(status, 200, "{body}");
    let list: Vec<serde_json::Value> = serde_json::from_str(&body).expect("list JSON");
    list.iter()
        .filter_map(|c| c["Names"][0].as_str())
        .map(|n| n.trim_start_matches('/').to_owned())
        .collect()
}

/// Removes a local image when dropped, even when the test panics.
pub struct ImageGuard(pub String);

impl Drop for ImageGuard {
    fn drop(&mut self) {
        let _ = raw("DELETE", &format!("/images/{}?force=true", self.0));
    }
}

/// A host scratch directory, removed when dropped.
pub struct HostDir(pub PathBuf);

impl HostDir {
    pub fn new(tag: &str) -> HostDir {
        let p = std::env::temp_dir().join(format!("pd-files-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        HostDir(p)
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for HostDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
