//! Snapshot: commit a sandbox's filesystem to a local image that new sandboxes can use.

use hyper::Method;
use serde::Serialize;

use super::labels::LABEL_AGENT;
use super::reference::parse_reference;
use super::Container;
use crate::engine::models::{ContainerInspect, IdResponse, ImageInspect};
use crate::engine::request::{query_escape, Subject};
use crate::engine::EngineKind;
use crate::error::Result;

/// The commit body: the container config to apply to the image (`Entrypoint` only).
#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
struct CommitConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    entrypoint: Option<Vec<String>>,
}

impl Container {
    /// Commits the sandbox's filesystem to the local image `reference` (`repo[:tag]`, the
    /// tag defaulting to `latest`; a registry host with a port is part of the repository,
    /// e.g. `localhost:5000/team/img:v1`) and returns the image id. Nothing is pushed.
    ///
    /// A sandbox running the agent has the agent as its entrypoint and root as its user;
    /// the snapshot gets its base image's entrypoint, command and user back (and an empty
    /// `pocketdock.agent` label), so it behaves like any image, with or without the agent.
    /// A malformed reference is `InvalidArgument`. The container keeps running (paused for
    /// the commit).
    pub async fn snapshot(&self, reference: &str) -> Result<String> {
        let (repo, tag) = parse_reference(reference)?;
        let doc = self.inspect_doc().await?;
        let (body, changes) = match doc.label(LABEL_AGENT) {
            Some(v) if !v.is_empty() => self.restore_base(&doc).await,
            _ => (CommitConfig::default(), Vec::new()),
        };
        let mut path = format!(
            "/commit?container={}&repo={}&tag={}&pause=true",
            self.id(),
            query_escape(repo),
            query_escape(tag)
        );
        for c in &changes {
            path.push_str(&format!("&changes={}", query_escape(c)));
        }
        let done: IdResponse = self
            .engine()
            .call_json_with(Method::POST, &path, &body, Subject::Container(self.name()))
            .await
            .map_err(|e| self.explain(e))?;
        Ok(done.id)
    }

    /// The engine's inspect of this sandbox; its errors say what happened to it.
    pub(crate) async fn inspect_doc(&self) -> Result<ContainerInspect> {
        self.engine()
            .call_json(
                Method::GET,
                &format!("/containers/{}/json", self.id()),
                None,
                Subject::Container(self.name()),
            )
            .await
            .map_err(|e| self.explain(e))
    }

    /// The commit body and `changes` that give a snapshot its base image's entrypoint,
    /// command and user. The engines differ: Docker refills an emptied entrypoint from the
    /// container unless the body says `[""]`; Podman ignores the body and needs
    /// `ENTRYPOINT []`. If the base image is gone, the snapshot keeps the agent's settings
    /// (it still works for sandboxes that run the agent).
    async fn restore_base(&self, doc: &ContainerInspect) -> (CommitConfig, Vec<String>) {
        let base = doc.config.image.as_str();
        let image: ImageInspect = match self
            .engine()
            .call_json(
                Method::GET,
                &format!("/images/{}/json", query_escape(base)),
                None,
                Subject::Image(base),
            )
            .await
        {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, base, "snapshot keeps the agent entrypoint");
                return (CommitConfig::default(), Vec::new());
            }
        };
        let cfg = &image.config;
        // A list as the JSON array a Dockerfile instruction takes.
        let list =
            |v: &Vec<String>| (!v.is_empty()).then(|| serde_json::to_string(v).unwrap_or_default());
        let mut changes = Vec::new();
        let mut body = CommitConfig::default();
        match (list(&cfg.entrypoint), self.engine().info.kind) {
            (Some(ep), _) => changes.push(format!("ENTRYPOINT {ep}")),
            (None, EngineKind::Podman) => changes.push("ENTRYPOINT []".to_owned()),
            (None, EngineKind::Docker) => body.entrypoint = Some(vec![String::new()]),
        }
        if let Some(cmd) = list(&cfg.cmd) {
            changes.push(format!("CMD {cmd}"));
        }
        let user = cfg.user().unwrap_or("0");
        changes.push(format!("USER {user}"));
        changes.push(format!("LABEL {LABEL_AGENT}="));
        (body, changes)
    }
}
