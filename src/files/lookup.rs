//! Looking things up in a container before a transfer: absolute paths, symlinks, the
//! directory an upload can land in, and who should own what is written.

use hyper::Method;
use serde_json::Value;

use super::owner::{self, Owner};
use super::paths::{basename, clean, parent, Given};
use super::pipe::read_tar;
use super::unpack::{read_single, Top};
use crate::container::Container;
use crate::engine::archive::{PathStat, Target};
use crate::engine::request::Subject;
use crate::error::{Error, Result};

/// Symlinks followed before giving up (as the kernel's `MAXSYMLINKS` order of magnitude).
const MAX_LINKS: usize = 16;

impl Container {
    pub(super) fn archive_target(&self) -> Target<'_> {
        Target {
            id: self.id(),
            name: self.name(),
        }
    }

    /// The container's working directory (where relative paths start), `/` when unset.
    async fn workdir(&self) -> Result<String> {
        let doc: Value = self
            .engine()
            .call_json(
                Method::GET,
                &format!("/containers/{}/json", self.id()),
                None,
                Subject::Container(self.name()),
            )
            .await?;
        let wd = doc["Config"]["WorkingDir"].as_str().unwrap_or("");
        Ok(clean("/", wd))
    }

    /// `given` as a clean absolute path; a relative one starts at the working directory
    /// (the engines disagree here: Docker starts at `/`, Podman at the working directory).
    pub(super) async fn absolute(&self, given: &Given) -> Result<String> {
        if given.is_absolute() {
            Ok(clean("/", &given.raw))
        } else {
            Ok(clean(&self.workdir().await?, &given.raw))
        }
    }

    pub(super) async fn stat(&self, path: &str) -> Result<Option<PathStat>> {
        self.engine().stat_path(self.archive_target(), path).await
    }

    /// Follows symlinks from `path`; the final path and what is there, or `None` when
    /// nothing is (a dangling link included).
    pub(super) async fn stat_follow(&self, path: &str) -> Result<Option<(String, PathStat)>> {
        let mut p = path.to_owned();
        for _ in 0..MAX_LINKS {
            let Some(s) = self.stat(&p).await? else {
                return Ok(None);
            };
            if !s.is_symlink() || s.link_target.is_empty() {
                return Ok(Some((p, s)));
            }
            // Both engines give the resolved absolute path; a relative one is resolved here.
            let next = clean(&parent(&p), &s.link_target);
            if next == p {
                break;
            }
            p = next;
        }
        Err(Error::invalid(format!(
            "too many levels of symbolic links: {path}"
        )))
    }

    /// Where an upload into directory `dir` can be sent: its deepest existing ancestor (or
    /// itself), plus the names of the directories still to create below that, in order.
    pub(super) async fn landing_dir(&self, dir: &str) -> Result<(String, Vec<String>)> {
        let mut missing = Vec::new();
        let mut cur = dir.to_owned();
        loop {
            match self.stat_follow(&cur).await? {
                Some((_, s)) if s.is_dir() => break,
                Some(_) => {
                    return Err(Error::invalid(format!(
                        "{cur} exists and is not a directory"
                    )))
                }
                None => {
                    let name = basename(&cur)
                        .ok_or_else(|| Error::internal("the container has no root directory"))?;
                    missing.push(name.to_owned());
                    cur = parent(&cur);
                }
            }
        }
        missing.reverse();
        Ok((cur, missing))
    }

    /// Reads the regular file at the symlink-free path `path`.
    pub(super) async fn fetch_file(&self, path: &str) -> Result<Vec<u8>> {
        let resp = self
            .engine()
            .get_archive(self.archive_target(), path)
            .await?;
        let (top, what) = (top_of(path), path.to_owned());
        read_tar(resp, move |r| read_single(r, &top, &what)).await
    }

    /// The owner of files written into the sandbox: the image's user, resolved through the
    /// container's passwd and group files; root when there is none or it cannot be found.
    pub(super) async fn file_owner(&self) -> Owner {
        let Some(spec) = self.default_user() else {
            return Owner::default();
        };
        let (passwd, group) = owner::needs_lookup(spec);
        let read = |path: &'static str, wanted: bool| async move {
            if !wanted {
                return None;
            }
            match self.fetch_file(path).await {
                Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                Err(e) => {
                    tracing::debug!(error = %e, "cannot read {path} to resolve the image user");
                    None
                }
            }
        };
        let passwd = read("/etc/passwd", passwd).await;
        let group = read("/etc/group", group).await;
        let o = owner::resolve(spec, passwd.as_deref(), group.as_deref());
        if o == Owner::default() && !spec.starts_with('0') && spec != "root" {
            tracing::warn!(
                user = spec,
                "image user not found; files are written as root"
            );
        }
        o
    }
}

/// How the engine names the entries of an archive of `path`.
pub(super) fn top_of(path: &str) -> Top {
    match basename(path) {
        Some(n) => Top::Name(n.as_bytes().to_vec()),
        None => Top::Root,
    }
}
