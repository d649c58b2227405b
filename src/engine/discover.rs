//! Finding an engine: candidate sockets in a fixed order, each kept only if it answers
//! `/_ping`, then `/version` to learn which engine it is.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hyper::Method;
use serde::Deserialize;

use super::request::Subject;
use super::transport::Transport;
use super::{Engine, EngineInfo, EngineKind};
use crate::error::{Error, Result};

// Generous: a busy engine on a loaded 2-core machine can take seconds to answer.
const PING_TIMEOUT: Duration = Duration::from_secs(10);

/// The sockets to try, in order. An explicit socket is the only candidate: a caller who names
/// one wants that engine, not a silent fallback to another.
pub(crate) fn candidates(
    explicit: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<PathBuf> {
    if let Some(p) = explicit {
        return vec![p.to_path_buf()];
    }
    let mut out: Vec<PathBuf> = Vec::new();
    let mut push = |p: PathBuf| {
        if !out.contains(&p) {
            out.push(p);
        }
    };
    if let Some(p) = env("POCKETDOCK_SOCKET").filter(|s| !s.is_empty()) {
        push(PathBuf::from(p.strip_prefix("unix://").unwrap_or(&p)));
    }
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

/// Connects to the first candidate that answers `/_ping`.
pub(crate) async fn connect(explicit: Option<&Path>) -> Result<Engine> {
    let env = |k: &str| std::env::var(k).ok();
    let candidates = candidates(explicit, &env);
    // Why each candidate was passed over: "no answer" and "not there" need different fixes.
    let mut tried = Vec::with_capacity(candidates.len());
    for socket in &candidates {
        let why = if !socket.exists() {
            "no such socket".to_owned()
        } else {
            let transport = Transport::new(socket);
            match tokio::time::timeout(PING_TIMEOUT, probe(transport)).await {
                Ok(Ok(engine)) => {
                    tracing::debug!(socket = %socket.display(), kind = ?engine.info.kind, "engine found");
                    return Ok(engine);
                }
                Ok(Err(e)) => e.to_string(),
                Err(_) => format!("no answer to /_ping within {} s", PING_TIMEOUT.as_secs()),
            }
        };
        tracing::debug!(socket = %socket.display(), why, "not an engine");
        tried.push(format!("{} ({why})", socket.display()));
    }
    Err(Error::EngineNotFound {
        tried: tried.join(", "),
        hint: "start Podman (`podman system service --time=0 unix:///run/podman/podman.sock`) \
               or Docker, or point POCKETDOCK_SOCKET at its socket"
            .into(),
    })
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
    };
    engine
        .call_unit(Method::GET, "/_ping", None, Subject::Engine)
        .await?;
    let v: VersionDoc = engine
        .call_json(Method::GET, "/version", None, Subject::Engine)
        .await?;
    engine.info = EngineInfo {
        kind: kind_of(&v),
        version: v.version,
        api_version: v.api_version,
        socket: engine.socket().to_path_buf(),
    };
    Ok(engine)
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
        let c = candidates(None, &env);
        let want: Vec<PathBuf> = [
            "/a.sock",
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
    fn explicit_socket_is_the_only_candidate() {
        let env = env_of(&[("POCKETDOCK_SOCKET", "/a.sock")]);
        assert_eq!(
            candidates(Some(Path::new("/x.sock")), &env),
            vec![PathBuf::from("/x.sock")]
        );
    }

    #[test]
    fn duplicates_are_tried_once() {
        let env = env_of(&[("DOCKER_HOST", "unix:///var/run/docker.sock")]);
        let c = candidates(None, &env);
        assert_eq!(c.iter().filter(|p| p.ends_with("docker.sock")).count(), 1);
    }
}
