//! Placing the agent through the engine API only (no host paths, so remote engines work):
//! an engine volume named after the binary's hash holds it, filled once per engine by
//! uploading a tar into a never-started helper container; sandboxes mount it read-only,
//! which works with a read-only root filesystem and with images that have no shell.

use std::time::{Duration, Instant};

use hyper::Method;
use serde::Deserialize;
use serde_json::json;

use super::{AGENT_BINARY, AGENT_DIR};
use crate::engine::archive::Target;
use crate::engine::request::Subject;
use crate::engine::Engine;
use crate::error::{Error, Result};

/// `pocketdock-agent-<hash of the binary>`: a new build gets a new volume, never a
/// half-replaced binary under running sandboxes.
pub(crate) fn volume_name() -> String {
    // FNV-1a: stable across builds and platforms, no dependency.
    let hash = AGENT_BINARY.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("pocketdock-agent-{hash:016x}")
}

fn agent_tar() -> Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(AGENT_BINARY.len() as u64);
    h.set_mode(0o755);
    h.set_uid(0);
    h.set_gid(0);
    h.set_cksum();
    b.append_data(&mut h, "pocketdock-agent", AGENT_BINARY)?;
    Ok(b.into_inner()?)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Created {
    id: String,
}

/// How long a process waits for another one that is placing the agent on the same engine.
const FILL_WAIT: Duration = Duration::from_secs(60);

/// Makes sure the agent volume exists and holds the agent; returns its name. `image` is
/// only used for the helper container (any image works; the sandbox's own is present).
///
/// Several processes (or handles) may place the agent on a fresh engine at once, and engines
/// fill a volume in no atomic step (Docker even answers a second create of the same volume
/// with success). So the helper container has a fixed name, which the engine grants to one
/// creator only: that one fills, then creates `<volume>-ready`; the others see a name
/// conflict and wait for the ready volume.
pub(crate) async fn ensure_volume(engine: &Engine, image: &str) -> Result<String> {
    let name = volume_name();
    let ready = ready_name(&name);
    let waited_since = Instant::now();
    loop {
        if volume_exists(engine, &ready).await? {
            return Ok(name);
        }
        match fill(engine, &name, &ready, image).await {
            Ok(()) => return Ok(name),
            Err(Error::NameConflict(_)) if waited_since.elapsed() < FILL_WAIT => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(Error::NameConflict(helper)) => {
                return Err(Error::Timeout(format!(
                    "another process has been placing the agent volume {name} for {} s; if it \
                     crashed, remove the container {helper}",
                    FILL_WAIT.as_secs()
                )))
            }
            Err(e) => return Err(e),
        }
    }
}

/// The marker volume that exists once `volume` holds the whole agent.
fn ready_name(volume: &str) -> String {
    format!("{volume}-ready")
}

/// Whether this build's agent is placed on the engine (filled and marked ready).
pub(crate) async fn is_placed(engine: &Engine) -> Result<bool> {
    volume_exists(engine, &ready_name(&volume_name())).await
}

async fn volume_exists(engine: &Engine, name: &str) -> Result<bool> {
    let found = engine
        .call_unit(
            Method::GET,
            &format!("/volumes/{name}"),
            None,
            Subject::Engine,
        )
        .await;
    match found {
        Ok(()) => Ok(true),
        Err(Error::Engine { status: 404, .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

async fn create_volume(engine: &Engine, name: &str) -> Result<()> {
    let labels = json!({"pocketdock.agent": super::wire::VERSION.to_string()});
    engine
        .call_unit(
            Method::POST,
            "/volumes/create",
            Some(&json!({"Name": name, "Labels": labels})),
            Subject::Engine,
        )
        .await
}

/// Fills `volume` through a never-started helper container named after it (the lock: a
/// `NameConflict` when another process holds it), then marks it `ready`.
async fn fill(engine: &Engine, volume: &str, ready: &str, image: &str) -> Result<()> {
    let helper_name = format!("{volume}-filling");
    let body = json!({
        "Image": image,
        "Entrypoint": [super::AGENT_PATH],
        "Labels": {"pocketdock.helper": "agent-volume"},
        "NetworkDisabled": true,
        "HostConfig": {
            "Mounts": [{"Type": "volume", "Source": volume, "Target": AGENT_DIR}],
            "NetworkMode": "none",
        },
    });
    // The lock first; the volume is made under it, so its labels are ours.
    if !volume_exists(engine, volume).await? {
        tracing::debug!(volume = %volume, "creating the agent volume");
        match create_volume(engine, volume).await {
            Ok(()) => {}
            // Podman refuses a second create of the same volume; another process's is as good.
            Err(_) if volume_exists(engine, volume).await? => {}
            Err(e) => return Err(e),
        }
    }
    let helper: Created = engine
        .call_json(
            Method::POST,
            &format!("/containers/create?name={helper_name}"),
            Some(&body),
            Subject::Create {
                name: &helper_name,
                image,
            },
        )
        .await?;
    // A volume filled by an earlier release of the library (before the ready marker) holds
    // this very binary, and sandboxes may be running it: writing it again would fail.
    let target = Target {
        id: &helper.id,
        name: &helper_name,
    };
    let present = engine.stat_path(target, super::AGENT_PATH).await;
    let uploaded = match present {
        Ok(Some(st)) if st.is_regular() && st.size == AGENT_BINARY.len() as u64 => Ok(()),
        _ => {
            engine
                .put_archive(&helper.id, AGENT_DIR, agent_tar()?)
                .await
        }
    };
    let marked = match uploaded {
        Ok(()) => create_volume(engine, ready).await,
        Err(e) => Err(e),
    };
    // The lock goes first (a volume still mounted cannot be removed); a waiter that then
    // finds no ready volume fills it again.
    let _ = engine
        .call_unit(
            Method::DELETE,
            &format!("/containers/{}?force=true", helper.id),
            None,
            Subject::Container(&helper.id),
        )
        .await;
    if marked.is_err() {
        // A half-filled volume must not be taken for a ready one next time.
        let _ = engine
            .call_unit(
                Method::DELETE,
                &format!("/volumes/{volume}"),
                None,
                Subject::Engine,
            )
            .await;
    }
    marked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_name_is_stable_and_names_the_build() {
        assert_eq!(volume_name(), volume_name());
        assert!(volume_name().starts_with("pocketdock-agent-"));
        assert_eq!(volume_name().len(), "pocketdock-agent-".len() + 16);
    }

    #[test]
    fn tar_holds_an_executable_agent() {
        let t = agent_tar().unwrap();
        let mut a = tar::Archive::new(&t[..]);
        let e = a.entries().unwrap().next().unwrap().unwrap();
        assert_eq!(e.path().unwrap().to_str(), Some("pocketdock-agent"));
        assert_eq!(e.header().mode().unwrap(), 0o755);
        assert_eq!(e.header().size().unwrap(), AGENT_BINARY.len() as u64);
    }
}
