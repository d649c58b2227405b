//! Snapshot: commit a sandbox's filesystem to a local image that new sandboxes can use.

use hyper::Method;
use serde::Serialize;

use super::labels::LABEL_AGENT;
use super::Container;
use crate::engine::models::{ContainerInspect, IdResponse, ImageInspect};
use crate::engine::request::{query_escape, Subject};
use crate::engine::EngineKind;
use crate::error::{Error, Result};

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

    async fn inspect_doc(&self) -> Result<ContainerInspect> {
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

/// Splits `repo[:tag]` into repository and tag (default `latest`). The tag is what follows
/// the last `:` after the last `/`, so a registry port (`localhost:5000/img`) stays in the
/// repository. Digests (`@sha256:...`), upper case in the repository, empty parts and
/// characters outside the engine's grammar are `InvalidArgument`.
pub(crate) fn parse_reference(reference: &str) -> Result<(&str, &str)> {
    let bad = |why: &str| Error::invalid(format!("bad image reference {reference:?}: {why}"));
    if reference.contains('@') {
        return Err(bad("digests cannot be committed to; give a tag"));
    }
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match reference[last_slash..].rfind(':') {
        Some(i) => reference.split_at(last_slash + i),
        None => (reference, ":latest"),
    };
    let tag = &tag[1..];
    let tag_ok = tag.len() <= 128
        && tag
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !tag_ok {
        return Err(bad("the tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"));
    }
    let parts: Vec<&str> = repo.split('/').collect();
    // A first part with a '.' or ':' (or `localhost`) is a registry host, which may hold a
    // port and upper case; every other part is a lower-case path component.
    let has_host = parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost");
    for (i, p) in parts.iter().enumerate() {
        let ok = if i == 0 && has_host {
            host_ok(p)
        } else {
            component_ok(p)
        };
        if !ok {
            return Err(bad(&format!("{p:?} is not a valid repository part")));
        }
    }
    Ok((repo, tag))
}

/// `host[:port]`: letters, digits, `-` and `.`; a numeric port.
fn host_ok(p: &str) -> bool {
    let (host, port) = p.split_once(':').unwrap_or((p, "1"));
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c))
        && !port.is_empty()
        && port.len() <= 5
        && port.chars().all(|c| c.is_ascii_digit())
}

/// A path component: lower-case letters and digits, separated by single `.`, `_`, `__` or
/// runs of `-`.
fn component_ok(p: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let (first, last) = (p.chars().next(), p.chars().last());
    first.is_some_and(alnum)
        && last.is_some_and(alnum)
        && p.chars().all(|c| alnum(c) || "._-".contains(c))
        && !p.contains("..")
        && !p.contains("___")
        && !p.contains("._")
        && !p.contains("_.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_into_repository_and_tag() {
        for (r, repo, tag) in [
            ("img", "img", "latest"),
            ("img:v1", "img", "v1"),
            ("team/img:1.0-rc_2", "team/img", "1.0-rc_2"),
            (
                "localhost:5000/team/img:v1",
                "localhost:5000/team/img",
                "v1",
            ),
            ("localhost:5000/img", "localhost:5000/img", "latest"),
            (
                "registry.example.com/a/b",
                "registry.example.com/a/b",
                "latest",
            ),
            (
                "Registry.Example.com:443/a:X",
                "Registry.Example.com:443/a",
                "X",
            ),
            ("localhost/img:v2", "localhost/img", "v2"),
            ("my-team__x/img.name", "my-team__x/img.name", "latest"),
        ] {
            assert_eq!(parse_reference(r).unwrap(), (repo, tag), "{r}");
        }
    }

    #[test]
    fn malformed_references_are_invalid_arguments() {
        for r in [
            "",
            ":v1",
            "img:",
            "Img",
            "team/Img:v1",
            "img@sha256:abcd",
            "a//b",
            "/img",
            "img/",
            "img:v1:v2",
            "img:-x",
            "localhost:port/img",
            "img name",
            "a..b",
            &format!("img:{}", "t".repeat(129)),
        ] {
            let e = parse_reference(r).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{r:?}");
        }
    }
}
