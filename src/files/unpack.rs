//! Reading the tars that come out of a container, which are shaped by code inside it and so
//! are untrusted. Extraction never writes outside its root: names with `..` (or absolute
//! names outside a copy of `/`) are skipped, no symlink below the root is ever followed
//! (every parent is checked with `lstat`, files are created with `O_EXCL | O_NOFOLLOW` after
//! whatever was there is unlinked), hard links may only point at files this extraction wrote,
//! devices and fifos are skipped, and setuid/setgid/sticky bits are dropped.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::fs::{self, DirBuilder, File, OpenOptions, Permissions};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use tar::{Archive, Entry, EntryType};

use super::{FileEntry, FileKind};
use crate::error::{Error, Result};

/// What the entries of a container archive are named after.
#[derive(Debug, Clone)]
pub(crate) enum Top {
    /// An archive of `/`: names are absolute or relative to the root.
    Root,
    /// An archive of a path: every name starts with the path's last component.
    Name(Vec<u8>),
}

/// The components of `name` below the archive's top (empty: the top itself), or `None` for
/// an entry that must be skipped: a `..` component, a NUL byte, an absolute name (unless the
/// archive is of `/`), or a name under another top.
pub(crate) fn below_top<'a>(name: &'a [u8], top: &Top) -> Option<Vec<&'a [u8]>> {
    let mut parts = Vec::new();
    for c in name.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return None,
            c if c.contains(&0) => return None,
            c => parts.push(c),
        }
    }
    match top {
        Top::Root => Some(parts),
        Top::Name(_) if name.first() == Some(&b'/') => None,
        Top::Name(n) if parts.first() == Some(&n.as_slice()) => {
            parts.remove(0);
            Some(parts)
        }
        Top::Name(_) => None,
    }
}

/// The entry's mtime; `None` (the file keeps its extraction time) when it is unreadable or
/// past what a `SystemTime` holds (a GNU base-256 field can say up to 2^64 - 1 seconds).
fn mtime_of(e: &Entry<'_, impl Read>) -> Option<std::time::SystemTime> {
    let secs = e.header().mtime().ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

fn os(b: &[u8]) -> &OsStr {
    OsStr::from_bytes(b)
}

/// A reader that notices the end of its input. The engines end every archive with zero
/// blocks, where the tar reader stops without reading further; so a reader that reached the
/// end of its input was cut short (an engine may end its answer cleanly after an error, for
/// example when the container is removed mid-transfer), and that must not pass as complete.
struct EndCheck<R> {
    inner: R,
    hit_end: bool,
}

impl<R: Read> Read for EndCheck<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        if n == 0 && !out.is_empty() {
            self.hit_end = true;
        }
        Ok(n)
    }
}

fn archive<R: Read>(r: R) -> Archive<EndCheck<R>> {
    Archive::new(EndCheck {
        inner: r,
        hit_end: false,
    })
}

fn cut_short() -> Error {
    Error::Io(io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the engine's archive ended early: the transfer is incomplete",
    ))
}

/// Fails when the archive was read to the end of its input without its end marker.
fn check_end<R: Read>(ar: Archive<EndCheck<R>>) -> Result<()> {
    if ar.into_inner().hit_end {
        Err(cut_short())
    } else {
        Ok(())
    }
}

/// The content of the archive's top entry, which must be a regular file; `what` names it in
/// errors.
pub(crate) fn read_single<R: Read>(r: R, top: &Top, what: &str) -> Result<Vec<u8>> {
    let mut ar = archive(r);
    for entry in ar.entries()? {
        let mut e = entry?;
        if !below_top(&e.path_bytes(), top).is_some_and(|r| r.is_empty()) {
            continue;
        }
        return match e.header().entry_type() {
            EntryType::Regular | EntryType::Continuous => {
                let mut data = Vec::with_capacity(e.size().min(1 << 30) as usize);
                e.read_to_end(&mut data)?;
                if data.len() as u64 != e.size() {
                    return Err(cut_short());
                }
                Ok(data)
            }
            EntryType::Directory => Err(Error::invalid(format!("{what} is a directory"))),
            _ => Err(Error::invalid(format!("{what} is not a regular file"))),
        };
    }
    Err(Error::internal(format!(
        "the engine's archive of {what} is empty"
    )))
}

/// The entries directly below the archive's top, sorted by name, contents skipped.
pub(crate) fn list<R: Read>(r: R, top: &Top) -> Result<Vec<FileEntry>> {
    let mut ar = archive(r);
    let mut out = Vec::new();
    // Sizes of files seen so far: a hard-link entry carries none of its own.
    let mut sizes: HashMap<Vec<u8>, u64> = HashMap::new();
    for entry in ar.entries()? {
        let e = entry?;
        let name = e.path_bytes().into_owned();
        let Some(rel) = below_top(&name, top) else {
            continue;
        };
        let h = e.header();
        let ty = h.entry_type();
        let mut size = h.size().unwrap_or(0);
        let kind = match ty {
            EntryType::Regular | EntryType::Continuous => {
                sizes.insert(rel.join(&b'/'), size);
                FileKind::File
            }
            EntryType::Link => {
                let target = e.link_name_bytes().unwrap_or_default();
                let target = below_top(&target, top).map(|r| r.join(&b'/'));
                size = target.and_then(|t| sizes.get(&t).copied()).unwrap_or(0);
                FileKind::File
            }
            EntryType::Directory => {
                size = 0;
                FileKind::Dir
            }
            EntryType::Symlink => FileKind::Symlink,
            _ => FileKind::Other,
        };
        if rel.len() == 1 {
            out.push(FileEntry {
                name: String::from_utf8_lossy(rel[0]).into_owned(),
                kind,
                size,
                mode: h.mode().unwrap_or(0) & 0o7777,
            });
        }
    }
    check_end(ar)?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// What an extraction did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) files: u64,
    pub(crate) dirs: u64,
    pub(crate) symlinks: u64,
    pub(crate) skipped: u64,
}

/// Extracts the archive so that its top becomes `root` (whose parent must exist). See the
/// module docs for what is refused; a file that would replace a directory is an error.
pub(crate) fn extract<R: Read>(r: R, top: &Top, root: &Path) -> Result<Summary> {
    let mut ar = archive(r);
    let mut x = Extractor {
        root: root.to_path_buf(),
        top: top.clone(),
        made: Vec::new(),
        made_index: HashMap::new(),
        files: HashSet::new(),
        summary: Summary::default(),
    };
    for entry in ar.entries()? {
        let mut e = entry?;
        let name = e.path_bytes().into_owned();
        match below_top(&name, top) {
            Some(rel) => x.entry(&mut e, &rel, &name)?,
            None => x.skip(&name, "its name leaves the copied path"),
        }
    }
    check_end(ar)?;
    x.finish()?;
    Ok(x.summary)
}

struct Extractor {
    root: PathBuf,
    top: Top,
    /// Directories this extraction created, in creation order, with their final mode/mtime.
    made: Vec<(PathBuf, u32, Option<std::time::SystemTime>)>,
    made_index: HashMap<PathBuf, usize>,
    /// Regular files this extraction wrote: the only allowed hard-link targets.
    files: HashSet<PathBuf>,
    summary: Summary,
}

impl Extractor {
    fn skip(&mut self, name: &[u8], why: &str) {
        self.summary.skipped += 1;
        tracing::warn!(entry = %String::from_utf8_lossy(name), "pull skipped an entry: {why}");
    }

    fn entry<R: Read>(&mut self, e: &mut Entry<'_, R>, rel: &[&[u8]], name: &[u8]) -> Result<()> {
        let Some(path) = self.place(rel)? else {
            self.skip(name, "a parent is a symlink or not a directory");
            return Ok(());
        };
        let mode = e.header().mode().unwrap_or(0o644) & 0o777;
        match e.header().entry_type() {
            EntryType::Directory => self.dir(&path, mode, mtime_of(e)),
            EntryType::Regular | EntryType::Continuous => {
                self.clear(&path)?;
                let mut f = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&path)?;
                if io::copy(e, &mut f)? != e.size() {
                    return Err(cut_short());
                }
                f.set_permissions(Permissions::from_mode(mode))?;
                if let Some(t) = mtime_of(e) {
                    f.set_modified(t)?;
                }
                self.files.insert(path);
                self.summary.files += 1;
                Ok(())
            }
            EntryType::Symlink => {
                let target = e.link_name_bytes().unwrap_or_default().into_owned();
                self.clear(&path)?;
                std::os::unix::fs::symlink(os(&target), &path)?;
                self.summary.symlinks += 1;
                Ok(())
            }
            EntryType::Link => self.hard_link(e, &path, name),
            _ => {
                self.skip(
                    name,
                    "devices, fifos and other special entries are not copied",
                );
                Ok(())
            }
        }
    }

    /// The host path for `rel`, after checking (and creating) every parent below the root
    /// as a real directory; `None` when one is a symlink or something else.
    fn place(&mut self, rel: &[&[u8]]) -> Result<Option<PathBuf>> {
        let Some((last, parents)) = rel.split_last() else {
            return Ok(Some(self.root.clone()));
        };
        let mut p = self.root.clone();
        if !self.real_dir(&p)? {
            return Ok(None);
        }
        for c in parents {
            p.push(os(c));
            if !self.real_dir(&p)? {
                return Ok(None);
            }
        }
        p.push(os(last));
        Ok(Some(p))
    }

    /// Whether `p` is a directory and not a symlink; a missing one is created.
    fn real_dir(&mut self, p: &Path) -> Result<bool> {
        match fs::symlink_metadata(p) {
            Ok(m) => Ok(m.is_dir()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.mkdir(p, 0o755, None)?;
                Ok(true)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn mkdir(&mut self, p: &Path, mode: u32, mtime: Option<std::time::SystemTime>) -> Result<()> {
        // Owner-writable while we fill it; the final mode is set at the end.
        DirBuilder::new().mode(0o700).create(p)?;
        self.made_index.insert(p.to_path_buf(), self.made.len());
        self.made.push((p.to_path_buf(), mode, mtime));
        self.summary.dirs += 1;
        Ok(())
    }

    fn dir(&mut self, p: &Path, mode: u32, mtime: Option<std::time::SystemTime>) -> Result<()> {
        match fs::symlink_metadata(p) {
            // One we made takes the entry's metadata; one that was there is left alone.
            Ok(m) if m.is_dir() => {
                if let Some(&i) = self.made_index.get(p) {
                    self.made[i] = (p.to_path_buf(), mode, mtime);
                }
                Ok(())
            }
            Ok(_) => {
                fs::remove_file(p)?;
                self.files.remove(p);
                self.mkdir(p, mode, mtime)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => self.mkdir(p, mode, mtime),
            Err(e) => Err(e.into()),
        }
    }

    /// Unlinks whatever non-directory is at `p` (never following it).
    fn clear(&mut self, p: &Path) -> Result<()> {
        match fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => Err(Error::invalid(format!(
                "cannot overwrite directory {} with a non-directory",
                p.display()
            ))),
            Ok(_) => {
                self.files.remove(p);
                fs::remove_file(p).map_err(Error::from)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn hard_link<R: Read>(&mut self, e: &Entry<'_, R>, path: &Path, name: &[u8]) -> Result<()> {
        let link = e.link_name_bytes().unwrap_or_default().into_owned();
        let target = below_top(&link, &self.top).map(|rel| {
            rel.iter().fold(self.root.clone(), |mut p, c| {
                p.push(os(c));
                p
            })
        });
        let ok = target.filter(|t| {
            t != path
                && self.files.contains(t)
                && fs::symlink_metadata(t).is_ok_and(|m| m.file_type().is_file())
        });
        let Some(target) = ok else {
            self.skip(
                name,
                "a hard link must point at a file extracted by this pull",
            );
            return Ok(());
        };
        self.clear(path)?;
        fs::hard_link(&target, path)?;
        self.files.insert(path.to_path_buf());
        self.summary.files += 1;
        Ok(())
    }

    /// Gives the directories we made their final mode and mtime, deepest first.
    fn finish(&mut self) -> Result<()> {
        for (p, mode, mtime) in self.made.iter().rev() {
            let d = File::options()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY)
                .open(p)?;
            d.set_permissions(Permissions::from_mode(*mode))?;
            if let Some(t) = mtime {
                d.set_modified(*t)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "unpack_tests.rs"]
mod tests;
