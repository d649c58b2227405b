//! Finding an engine. An explicit engine (the client option, else `POCKETDOCK_SOCKET`, else a
//! remote `CONTAINER_HOST`/`DOCKER_HOST`) is the only candidate: a caller who names one wants
//! that engine, never a silent fallback to another. Without one, candidate sockets are tried in a fixed order. A candidate counts when
//! it answers `/_ping` and `/version`; a slow one gets retries with backoff within the
//! connect budget before it is passed over.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hyper::Method;
use serde::Deserialize;

use super::address::Address;
use super::endpoint;
use super::request::Subject;
use super::ssh::SshOptions;
use super::tls::TlsFiles;
use super::transport::Transport;
use super::{Engine, EngineInfo, EngineKind};
use crate::error::{Error, Result};

/// How long one connect may keep retrying a socket that exists but does not answer.
/// Generous: Podman's API has taken over 10 s to answer `/_ping` on a loaded 2-core machine.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const FIRST_ATTEMPT: Duration = Duration::from_secs(5);
const LONGEST_ATTEMPT: Duration = Duration::from_secs(10);
const FIRST_PAUSE: Duration = Duration::from_millis(100);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

const HINT: &str = "start Podman (`podman system service --time=0 \
                    unix:///run/podman/podman.sock`) or Docker, or point POCKETDOCK_SOCKET at \
                    its socket";

/// What the caller asked for: an address (else the environment, else discovery), TLS files
/// (else `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`) and ssh settings.
#[derive(Clone, Copy)]
pub(crate) struct Wanted<'a> {
    pub(crate) address: Option<&'a str>,
    pub(crate) tls: Option<&'a TlsFiles>,
    pub(crate) ssh: &'a SshOptions,
}

/// The explicit engine and who named it, if anyone did: the option, else
/// `POCKETDOCK_SOCKET`, else a remote (`tcp://`, `ssh://`) address in the first of
/// `CONTAINER_HOST` and `DOCKER_HOST` that is set (Docker uses `DOCKER_HOST` alone; a remote
/// engine must never be silently replaced by a local one). A Unix socket there stays
/// discovery's first candidate.
pub(crate) fn explicit(
    option: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(Address, &'static str)>> {
    if let Some(s) = option {
        return Ok(Some((Address::parse(s)?, "the client options")));
    }
    if let Some(s) = env("POCKETDOCK_SOCKET").filter(|s| !s.is_empty()) {
        return Ok(Some((Address::parse(&s)?, "POCKETDOCK_SOCKET")));
    }
    for var in ["CONTAINER_HOST", "DOCKER_HOST"] {
        if let Some(s) = env(var).filter(|s| !s.is_empty()) {
            let address = Address::parse(&s)?;
            return Ok((!address.is_unix()).then_some((address, var)));
        }
    }
    Ok(None)
}

/// The sockets discovery tries, in order, when nothing explicit is given.
pub(crate) fn candidates(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let mut push = |p: PathBuf| {
        if !out.contains(&p) {
            out.push(p);
        }
    };
    for var in ["CONTAINER_HOST", "DOCKER_HOST"] {
        if let Some(p) = env(var).as_deref().and_then(|v| v.strip_prefix("unix://")) {
            push(PathBuf::from(p));
        }
    }
    if let Some(dir) = env("XDG_RUNTIME_DIR").filter(|s| !s.is_empty()) {
        push(Path::new(&dir).join("podman/podman.sock"));
    }
    push(PathBuf::from("/run/podman/podman.sock"));
    push(PathBuf::from("/var/run/docker.sock"));
    out
}

/// Connects to the explicit engine (see [`explicit`]), or to the first discovered candidate
/// that answers, retrying a slow one within `budget`.
pub(crate) async fn connect(wanted: Wanted<'_>, budget: Duration) -> Result<Engine> {
    let env = |k: &str| std::env::var(k).ok();
    if let Some((address, named_by)) = explicit(wanted.address, &env)? {
        let label = address.to_string();
        let not_found = |why: String| Error::EngineNotFound {
            tried: format!("{label} ({why})"),
            hint: format!(
                "the engine was named by {named_by}, so no other engine was tried; start \
                 the engine there or name another"
            ),
        };
        let transport = match endpoint::transport_for(&address, wanted, &env, budget).await? {
            Ok(t) => t,
            Err(why) => return Err(not_found(why)),
        };
        return reach(&transport, budget, true).await.map_err(|why| {
            let why = why.replace(&format!("{label}: "), "");
            not_found(why)
        });
    }
    if wanted.tls.is_some() {
        return Err(Error::invalid(
            "TLS files were given but no tcp:// engine address: set the host too",
        ));
    }
    // Why each candidate was passed over: "no answer" and "not there" need different fixes.
    let mut tried = Vec::new();
    for socket in candidates(&env) {
        let why = if socket.exists() {
            match reach(&Transport::unix(socket.clone()), budget, false).await {
                Ok(engine) => return Ok(engine),
                Err(why) => why,
            }
        } else {
            "no such socket".to_owned()
        };
        tracing::debug!(socket = %socket.display(), why, "not an engine");
        tried.push(format!("{} ({why})", socket.display()));
    }
    Err(Error::EngineNotFound {
        tried: tried.join(", "),
        hint: HINT.into(),
    })
}

/// Probes one engine. One that does not answer in time is asked again on a new
/// connection, each attempt waiting longer, until `budget` is spent. A refused connection is
/// retried only for an explicit engine (one restarting); during discovery it means a stale
/// socket file, and the next candidate should be tried at once. A TLS or certificate
/// failure is never retried: asking again will not change a certificate.
async fn reach(transport: &Transport, budget: Duration, explicit: bool) -> Result<Engine, String> {
    let label = transport.label().to_owned();
    let start = Instant::now();
    let (mut attempt, mut pause, mut attempts) = (FIRST_ATTEMPT, FIRST_PAUSE, 0u32);
    loop {
        attempts += 1;
        let left = budget.saturating_sub(start.elapsed());
        let why = match tokio::time::timeout(attempt.min(left), probe(transport.fresh())).await {
            Ok(Ok(engine)) => {
                tracing::debug!(engine = %label, kind = ?engine.info.kind, attempts, "engine found");
                return Ok(engine);
            }
            // An answer that is not an engine's (or an engine's refusal): asking again will not help.
            Ok(Err(e)) if matches!(e, Error::Engine { .. } | Error::Internal(_)) => {
                return Err(e.to_string())
            }
            Ok(Err(Error::Io(e))) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(e.to_string())
            }
            Ok(Err(e)) if !explicit => return Err(e.to_string()),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "no answer to /_ping and /version".into(),
        };
        let spent = start.elapsed();
        if spent + pause >= budget {
            return Err(format!(
                "{why}; {attempts} attempt(s) over {:.1} s, the connect timeout",
                spent.as_secs_f64()
            ));
        }
        tracing::debug!(engine = %label, why, attempts, "engine slow to answer, retrying");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
        attempt = (attempt * 2).min(LONGEST_ATTEMPT);
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VersionDoc {
    #[serde(default)]
    version: String,
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    components: Vec<Component>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Component {
    #[serde(default)]
    name: String,
}

async fn probe(transport: Transport) -> Result<Engine> {
    let mut engine = Engine {
        transport,
        info: EngineInfo {
            kind: EngineKind::Docker,
            version: String::new(),
            api_version: String::new(),
            socket: PathBuf::new(),
        },
        agent_volume: tokio::sync::OnceCell::new(),
        request_timeout: crate::engine::request::DEFAULT_REQUEST_TIMEOUT,
    };
    let ping = engine
        .call(Method::GET, "/_ping", None, Subject::Engine)
        .await?;
    let header = |name: &str| {
        ping.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let from_ping = ping_identity(header("Server").as_deref(), header("Api-Version"));
    crate::engine::request::read_body(ping).await?;
    // Both engines name themselves in the ping's headers; `/version` is the fallback, since
    // Podman's gathers host details and takes seconds on a loaded machine (it was most of a
    // one-shot client's time, e.g. a `pocketdock run` from the command line).
    let (kind, version, api_version) = match from_ping {
        Some(found) => found,
        None => {
            let v: VersionDoc = engine
                .call_json(Method::GET, "/version", None, Subject::Engine)
                .await?;
            (kind_of(&v), v.version, v.api_version)
        }
    };
    engine.info = EngineInfo {
        kind,
        version,
        api_version,
        socket: PathBuf::from(engine.label()),
    };
    Ok(engine)
}

/// Kind, version and API version from a ping's `Server` (`Libpod/4.3.1 (linux)`,
/// `Docker/20.10.24+dfsg1 (linux)`) and `Api-Version` headers, when both are there.
fn ping_identity(
    server: Option<&str>,
    api_version: Option<String>,
) -> Option<(EngineKind, String, String)> {
    let api_version = api_version.filter(|v| !v.is_empty())?;
    let product = server?.split_whitespace().next()?;
    let (name, version) = product.split_once('/')?;
    let kind = match name {
        "Libpod" => EngineKind::Podman,
        "Docker" => EngineKind::Docker,
        _ => return None,
    };
    (!version.is_empty()).then(|| (kind, version.to_owned(), api_version))
}

fn kind_of(v: &VersionDoc) -> EngineKind {
    if v.components.iter().any(|c| c.name.contains("Podman")) {
        EngineKind::Podman
    } else {
        EngineKind::Docker
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn order_follows_the_documented_precedence() {
        let env = env_of(&[
            ("POCKETDOCK_SOCKET", "/a.sock"),
            ("CONTAINER_HOST", "unix:///b.sock"),
            ("DOCKER_HOST", "tcp://remote:2375"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"),
        ]);
        let c = candidates(&env);
        let want: Vec<PathBuf> = [
            "/b.sock",
            "/run/user/1000/podman/podman.sock",
            "/run/podman/podman.sock",
            "/var/run/docker.sock",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(c, want);
    }

    #[test]
    fn the_option_wins_over_the_environment() {
        let env = env_of(&[("POCKETDOCK_SOCKET", "/a.sock")]);
        let (p, by) = explicit(Some("unix:///x.sock"), &env).unwrap().unwrap();
        assert_eq!(
            (p, by),
            (Address::Unix("/x.sock".into()), "the client options")
        );
        let (p, by) = explicit(None, &env).unwrap().unwrap();
        assert_eq!(
            (p, by),
            (Address::Unix("/a.sock".into()), "POCKETDOCK_SOCKET")
        );
        assert!(explicit(None, &env_of(&[("POCKETDOCK_SOCKET", "")]))
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_remote_docker_host_is_the_only_engine_a_unix_one_a_candidate() {
        let env = env_of(&[("DOCKER_HOST", "tcp://10.0.0.5:2376")]);
        let (a, by) = explicit(None, &env).unwrap().unwrap();
        assert_eq!(by, "DOCKER_HOST");
        assert_eq!(a.to_string(), "tcp://10.0.0.5:2376");
        let env = env_of(&[("CONTAINER_HOST", "ssh://u@h/run/podman/podman.sock")]);
        assert_eq!(explicit(None, &env).unwrap().unwrap().1, "CONTAINER_HOST");
        let env = env_of(&[("DOCKER_HOST", "unix:///d.sock")]);
        assert!(explicit(None, &env).unwrap().is_none());
        // CONTAINER_HOST comes first: set to a socket, DOCKER_HOST is not consulted for a host.
        let env = env_of(&[
            ("CONTAINER_HOST", "unix:///c.sock"),
            ("DOCKER_HOST", "tcp://h"),
        ]);
        assert!(explicit(None, &env).unwrap().is_none());
        let env = env_of(&[("DOCKER_HOST", "gopher://h")]);
        assert!(explicit(None, &env).is_err());
    }

    fn wanted(address: Option<&str>) -> Wanted<'_> {
        static SSH: SshOptions = SshOptions {
            identity: None,
            known_hosts: None,
        };
        Wanted {
            address,
            tls: None,
            ssh: &SSH,
        }
    }

    #[tokio::test]
    async fn plain_tcp_off_loopback_is_refused_before_connecting() {
        let e = connect(wanted(Some("tcp://192.0.2.1:2375")), Duration::from_secs(1))
            .await
            .err()
            .unwrap();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
        assert!(e.to_string().contains("only on loopback"), "{e}");
    }

    #[tokio::test]
    async fn an_explicit_socket_that_is_missing_is_named_and_nothing_else_is_tried() {
        let Err(e) = connect(wanted(Some("/nonexistent/pd.sock")), Duration::from_secs(1)).await
        else {
            panic!("connected to a socket that does not exist");
        };
        let msg = e.to_string();
        assert_eq!(e.kind(), crate::ErrorKind::EngineNotFound);
        assert!(
            msg.contains("/nonexistent/pd.sock (no such socket)"),
            "{msg}"
        );
        assert!(
            !msg.contains("podman.sock") && !msg.contains("docker.sock"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn a_silent_socket_is_retried_until_the_budget_then_reported() {
        let dir = std::env::temp_dir().join(format!("pd-silent-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("engine.sock");
        let _ = std::fs::remove_file(&path);
        // Accepts connections and never answers: an engine too busy to reply.
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let keep = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((c, _)) = listener.accept().await {
                held.push(c);
            }
        });
        let started = Instant::now();
        let Err(e) = connect(wanted(path.to_str()), Duration::from_millis(5500)).await else {
            panic!("a socket that never answers counted as an engine");
        };
        let took = started.elapsed();
        keep.abort();
        let _ = std::fs::remove_dir_all(&dir);
        let msg = e.to_string();
        assert!(msg.contains("no answer to /_ping and /version"), "{msg}");
        assert!(msg.contains("2 attempt(s)"), "{msg}");
        assert!(took < Duration::from_secs(9), "{took:?}");
    }

    #[test]
    fn the_ping_names_the_engine() {
        let api = || Some("1.41".to_owned());
        assert_eq!(
            ping_identity(Some("Libpod/4.3.1 (linux)"), api()),
            Some((EngineKind::Podman, "4.3.1".into(), "1.41".into()))
        );
        assert_eq!(
            ping_identity(Some("Docker/20.10.24+dfsg1 (linux)"), api()),
            Some((EngineKind::Docker, "20.10.24+dfsg1".into(), "1.41".into()))
        );
        assert_eq!(ping_identity(Some("nginx/1.2"), api()), None);
        assert_eq!(ping_identity(Some("Docker/20.10"), None), None);
        assert_eq!(ping_identity(None, api()), None);
    }

    #[test]
    fn duplicates_are_tried_once() {
        let env = env_of(&[("DOCKER_HOST", "unix:///var/run/docker.sock")]);
        let c = candidates(&env);
        assert_eq!(c.iter().filter(|p| p.ends_with("docker.sock")).count(), 1);
    }
}
