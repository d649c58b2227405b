//! Placing the agent through the engine API only (no host paths, so remote engines work):
//! an engine volume named after the binary's hash holds it, filled once per engine by
//! uploading a tar into a never-started helper container; sandboxes mount it read-only,
//! which works with a read-only root filesystem and with images that have no shell.

use hyper::Method;
use serde::Deserialize;
use serde_json::json;

use super::{AGENT_BINARY, AGENT_DIR};
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

/// Makes sure the agent volume exists and holds the agent; returns its name. `image` is
/// only used for the helper container (any image works; the sandbox's own is present).
pub(crate) async fn ensure_volume(engine: &Engine, image: &str) -> Result<String> {
    let name = volume_name();
    let exists = engine
        .call_unit(
            Method::GET,
            &format!("/volumes/{name}"),
            None,
            Subject::Engine,
        )
        .await;
    match exists {
        Ok(()) => return Ok(name),
        Err(Error::Engine { status: 404, .. }) => {}
        Err(e) => return Err(e),
    }
    tracing::debug!(volume = %name, "creating the agent volume");
    let labels = json!({"pocketdock.agent": super::wire::VERSION.to_string()});
    engine
        .call_unit(
            Method::POST,
            "/volumes/create",
            Some(&json!({"Name": name, "Labels": labels})),
            Subject::Engine,
        )
        .await?;
    let filled = fill(engine, &name, image).await;
    if filled.is_err() {
        // An empty volume would be taken for a ready one next time.
        let _ = engine
            .call_unit(
                Method::DELETE,
                &format!("/volumes/{name}"),
                None,
                Subject::Engine,
            )
            .await;
    }
    filled.map(|()| name)
}

async fn fill(engine: &Engine, volume: &str, image: &str) -> Result<()> {
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
    let helper: Created = engine
        .call_json(
            Method::POST,
            "/containers/create",
            Some(&body),
            Subject::Create { name: "", image },
        )
        .await?;
    let uploaded = engine
        .put_archive(&helper.id, AGENT_DIR, agent_tar()?)
        .await;
    let _ = engine
        .call_unit(
            Method::DELETE,
            &format!("/containers/{}?force=true", helper.id),
            None,
            Subject::Container(&helper.id),
        )
        .await;
    uploaded
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
