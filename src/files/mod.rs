//! Files in a sandbox: write, read, list, push and pull. Through the in-sandbox agent when
//! the sandbox has one and it answers (one request per operation, `via_agent.rs`), else over
//! the engine's archive API (`HEAD`/`GET`/`PUT /containers/{id}/archive`), which works in
//! images without a shell, on either execution path and on a stopped container. Both apply
//! the same rules. Transfers stream both ways through bounded channels: memory stays flat
//! whatever the size. See `docs/files.md` for the destination rules and the safety model of
//! `pull`.

mod lookup;
mod owner;
mod pack;
mod paths;
pub(crate) mod pipe;
pub(crate) mod unpack;
mod via_agent;

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::agent::wire::files::DATA_CHUNK;
use crate::agent::wire::{PutHow, Want};
use crate::container::Container;
use crate::error::{Error, Result};
use lookup::top_of;
use owner::Owner;
use paths::{basename, parent, DestKind, Given, Landing, Placement};
use via_agent::{Via, TOP};

/// What a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    /// A device, fifo or socket.
    Other,
}

/// One entry of [`Container::list_files`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// The entry's name (not a path); invalid UTF-8 is replaced.
    pub name: String,
    pub kind: FileKind,
    /// Size in bytes of a regular file; 0 for anything else.
    pub size: u64,
    /// Permission bits, with setuid (0o4000), setgid (0o2000) and sticky (0o1000).
    pub mode: u32,
}

impl Container {
    /// Writes `data` to the file at `path` (relative paths start at the container's working
    /// directory), replacing a file or symlink that is there and creating missing parent
    /// directories (mode 0755). The file gets mode 0644, the current time, and the image's
    /// user as owner (so code in the sandbox may change it). A directory at `path` is an
    /// `InvalidArgument`. Works on a stopped container too.
    pub async fn write_file(&self, path: &str, data: &[u8]) -> Result<()> {
        self.write_file_inner(path, data)
            .await
            .map_err(|e| self.explain(e))
    }

    async fn write_file_inner(&self, path: &str, data: &[u8]) -> Result<()> {
        let given = Given::parse(path, "path")?;
        if given.trailing_slash {
            return Err(Error::invalid(format!("{path} names a directory")));
        }
        if let Some(conn) = via_agent::channel(self).await {
            // The agent sets the owner; the tar's is not used.
            let size = data.len() as u64;
            let head = pack::file_prelude(&[], TOP, size, Owner::default())?;
            let end = pack::file_epilogue(size);
            let tar: [&[u8]; 3] = [&head, data, &end];
            let body = via_agent::Body::Slices(&tar);
            if let Via::Done(r) = via_agent::put(self, &conn, path, PutHow::File, body).await {
                return r;
            }
        }
        let abs = self.absolute(&given).await?;
        let name =
            basename(&abs).ok_or_else(|| Error::invalid(format!("{path} names a directory")))?;
        // A symlink at `path` is replaced, not written through.
        if let Some(s) = self.stat(&abs).await? {
            let dir = s.is_dir() || (s.is_symlink() && self.is_dir(&abs).await?);
            if dir {
                return Err(Error::invalid(format!("{path} is a directory")));
            }
        }
        let (put_at, missing) = self.landing_dir(&parent(&abs)).await?;
        let owner = self.file_owner().await;
        let (tx, rx) = pipe::channel();
        let produce = pack::send_file_tar(tx, missing, name, data, owner);
        let upload = self
            .engine()
            .put_archive_stream(self.archive_target(), &put_at, rx);
        let (sent, produced) = tokio::join!(upload, produce);
        produced.and(sent)
    }

    async fn is_dir(&self, path: &str) -> Result<bool> {
        Ok(self
            .stat_follow(path)
            .await?
            .is_some_and(|(_, s)| s.is_dir()))
    }

    /// Reads the whole file at `path` (symlinks followed). A missing path is
    /// `FileNotFound`; a directory or special file is `InvalidArgument`.
    pub async fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        self.read_file_inner(path)
            .await
            .map_err(|e| self.explain(e))
    }

    async fn read_file_inner(&self, path: &str) -> Result<Vec<u8>> {
        let given = Given::parse(path, "path")?;
        if let Some(conn) = via_agent::channel(self).await {
            match via_agent::get(self, conn, path, Want::File).await {
                Via::Done(Ok((_, download))) => return download.collect(self).await,
                Via::Done(Err(e)) => return Err(e),
                Via::Unavailable => {}
            }
        }
        let abs = self.absolute(&given).await?;
        match self.stat_follow(&abs).await? {
            None => Err(Error::FileNotFound(abs)),
            Some((_, s)) if s.is_dir() => Err(Error::invalid(format!("{path} is a directory"))),
            Some((_, s)) if !s.is_regular() => {
                Err(Error::invalid(format!("{path} is not a regular file")))
            }
            Some((resolved, _)) => self.fetch_file(&resolved).await,
        }
    }

    /// Lists the directory at `path` (symlinks followed): its entries, without `.` and `..`,
    /// sorted by name. A missing path is `FileNotFound`, anything but a directory
    /// `InvalidArgument`. It reads the directory's archive, so it costs time in proportion
    /// to everything below the directory (contents are skipped, never stored).
    pub async fn list_files(&self, path: &str) -> Result<Vec<FileEntry>> {
        self.list_files_inner(path)
            .await
            .map_err(|e| self.explain(e))
    }

    async fn list_files_inner(&self, path: &str) -> Result<Vec<FileEntry>> {
        let given = Given::parse(path, "path")?;
        if let Some(conn) = via_agent::channel(self).await {
            match via_agent::get(self, conn, path, Want::Tree).await {
                Via::Done(Ok((found, _))) if !found.dir => {
                    return Err(Error::invalid(format!("{path} is not a directory")))
                }
                Via::Done(Ok((found, download))) => {
                    let top = top_of(&found.resolved);
                    return download.consume(self, move |r| unpack::list(r, &top)).await;
                }
                Via::Done(Err(e)) => return Err(e),
                Via::Unavailable => {}
            }
        }
        let abs = self.absolute(&given).await?;
        let resolved = match self.stat_follow(&abs).await? {
            None => return Err(Error::FileNotFound(abs)),
            Some((r, s)) if s.is_dir() => r,
            Some(_) => return Err(Error::invalid(format!("{path} is not a directory"))),
        };
        let resp = self
            .engine()
            .get_archive(self.archive_target(), &resolved)
            .await?;
        let top = top_of(&resolved);
        pipe::read_tar(resp, move |r| unpack::list(r, &top)).await
    }

    /// Copies the host file or directory `host_src` to `dest` in the container, by
    /// `docker cp` rules (see `docs/files.md`): a directory onto an existing directory is
    /// nested under its own name (or, for `src/.`, only its contents are copied); onto a
    /// missing path it becomes that path. Missing parents are created. Modes and mtimes are
    /// kept; the owner is the image's user; symlinks below `host_src` are copied as links.
    /// Streams: memory use does not grow with the size of the tree.
    pub async fn push(&self, host_src: impl AsRef<Path>, dest: &str) -> Result<()> {
        self.push_inner(host_src.as_ref(), dest)
            .await
            .map_err(|e| self.explain(e))
    }

    async fn push_inner(&self, src: &Path, dest: &str) -> Result<()> {
        let raw = src.as_os_str().as_bytes();
        let contents = raw == b"." || raw.ends_with(b"/.");
        let path = src.to_path_buf();
        let meta =
            on_host(move || std::fs::metadata(&path).map_err(|e| host_error(e, &path))).await?;
        if !meta.is_dir() && !meta.is_file() {
            return Err(Error::invalid(format!(
                "{} is neither a file nor a directory",
                src.display()
            )));
        }
        let given = Given::parse(dest, "dest")?;
        let src_name = paths::host_name(src);
        if let Some(conn) = via_agent::channel(self).await {
            let how = PutHow::Copy {
                src_dir: meta.is_dir(),
                src_name: src_name.clone(),
                contents,
                trailing_slash: given.trailing_slash,
            };
            let (tx, rx) = pipe::channel();
            // A frame's worth per chunk: fewer hops from the packing thread.
            let produce = pack::pack_into(
                tx,
                DATA_CHUNK,
                src.to_path_buf(),
                Vec::new(),
                Some(TOP.into()),
                Owner::default(),
            );
            let put = via_agent::put(self, &conn, dest, how, via_agent::Body::Chunks(rx));
            if let (Via::Done(r), produced) = tokio::join!(put, produce) {
                return produced.and(r);
            }
        }
        let abs = self.absolute(&given).await?;
        let (kind, dest_dir) = match self.stat_follow(&abs).await? {
            None => (DestKind::Missing, abs.clone()),
            Some((resolved, s)) if s.is_dir() => (DestKind::Dir, resolved),
            Some(_) => (DestKind::File, abs.clone()),
        };
        let landing = paths::landing(
            meta.is_dir(),
            src_name.as_deref(),
            contents,
            kind,
            basename(&abs),
            given.trailing_slash,
        )?;
        let (dir, name) = match landing {
            Landing::Named {
                dir: Placement::Dest,
                name,
            } => (dest_dir, Some(name)),
            Landing::Named { name, .. } => (parent(&abs), Some(name)),
            Landing::Contents => (dest_dir, None),
        };
        let (put_at, missing) = self.landing_dir(&dir).await?;
        let owner = self.file_owner().await;
        let (tx, rx) = pipe::channel();
        let produce = pack::pack_into(tx, pipe::CHUNK, src.to_path_buf(), missing, name, owner);
        let upload = self
            .engine()
            .put_archive_stream(self.archive_target(), &put_at, rx);
        let (sent, produced) = tokio::join!(upload, produce);
        produced.and(sent)
    }

    /// Copies the container file or directory `src` (a symlink given as `src` is followed)
    /// to `host_dest`, by the same rules as [`Container::push`]. Modes (without setuid,
    /// setgid and sticky bits) and mtimes are kept; files belong to the calling user.
    ///
    /// The archive is shaped by code in the container and treated as hostile: nothing is
    /// ever written outside the destination (see `docs/files.md`): entries that would be are
    /// skipped and logged, symlinks it creates are never followed, devices are not created.
    pub async fn pull(&self, src: &str, host_dest: impl AsRef<Path>) -> Result<()> {
        self.pull_inner(src, host_dest.as_ref())
            .await
            .map_err(|e| self.explain(e))
    }

    async fn pull_inner(&self, src: &str, dest: &Path) -> Result<()> {
        let given = Given::parse(src, "src")?;
        if let Some(conn) = via_agent::channel(self).await {
            match via_agent::get(self, conn, src, Want::Tree).await {
                Via::Done(Ok((found, download))) => {
                    let root = pull_root(&given, &found.abs, found.dir, dest).await?;
                    let top = top_of(&found.resolved);
                    let summary = download
                        .consume(self, move |r| unpack::extract(r, &top, &root))
                        .await?;
                    return pulled(src, summary);
                }
                Via::Done(Err(e)) => return Err(e),
                Via::Unavailable => {}
            }
        }
        let abs = self.absolute(&given).await?;
        let (resolved, st) = match self.stat_follow(&abs).await? {
            None => return Err(Error::FileNotFound(abs)),
            Some(found) => found,
        };
        if !st.is_dir() && !st.is_regular() {
            return Err(Error::invalid(format!(
                "{src} is neither a file nor a directory"
            )));
        }
        let root = pull_root(&given, &abs, st.is_dir(), dest).await?;
        let resp = self
            .engine()
            .get_archive(self.archive_target(), &resolved)
            .await?;
        let top = top_of(&resolved);
        let summary = pipe::read_tar(resp, move |r| unpack::extract(r, &top, &root)).await?;
        pulled(src, summary)
    }
}

/// Where a pull of the container path `abs` (as `given`) lands under the host path `dest`,
/// by the `docker cp` rules: the directory the copy goes into is the caller's, so symlinks
/// in it are resolved once here; below it, nothing is ever followed.
async fn pull_root(given: &Given, abs: &str, src_is_dir: bool, dest: &Path) -> Result<PathBuf> {
    let trailing_slash = dest.as_os_str().as_bytes().ends_with(b"/");
    let path = dest.to_path_buf();
    let kind = on_host(move || match std::fs::metadata(&path) {
        Ok(m) if m.is_dir() => Ok(DestKind::Dir),
        Ok(_) => Ok(DestKind::File),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DestKind::Missing),
        Err(e) => Err(host_error(e, &path)),
    })
    .await?;
    let dest_name = paths::host_name(dest);
    let landing = paths::landing(
        src_is_dir,
        basename(abs),
        given.contents,
        kind,
        dest_name.as_deref(),
        trailing_slash,
    )?;
    let real = |dir: PathBuf| {
        on_host(move || {
            std::fs::create_dir_all(&dir).map_err(|e| host_error(e, &dir))?;
            std::fs::canonicalize(&dir).map_err(|e| host_error(e, &dir))
        })
    };
    Ok(match landing {
        Landing::Named {
            dir: Placement::Dest,
            name,
        } => real(dest.to_path_buf()).await?.join(name),
        Landing::Named { name, .. } => real(paths::host_parent(dest)).await?.join(name),
        Landing::Contents => real(dest.to_path_buf()).await?,
    })
}

fn pulled(src: &str, summary: unpack::Summary) -> Result<()> {
    tracing::debug!(
        src,
        files = summary.files,
        dirs = summary.dirs,
        symlinks = summary.symlinks,
        skipped = summary.skipped,
        "pulled"
    );
    Ok(())
}

/// Runs host filesystem calls off the async workers.
async fn on_host<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => Err(Error::internal(format!("host file task stopped: {e}"))),
        })
}

/// A host-side failure, naming the path (a missing one is `FileNotFound`).
fn host_error(e: std::io::Error, path: &Path) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::FileNotFound(format!("{} (on the host)", path.display()))
    } else {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        ))
    }
}
