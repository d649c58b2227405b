//! `Put`: a file or a pushed tree arrives as a tar in `Data` frames and is unpacked where the
//! landing rules put it. Like the engine's archive API (with `noOverwriteDirNonDir`): missing
//! parents are created (0755), an entry never replaces a directory with a non-directory or
//! the reverse, an existing directory named by an entry takes its mode; unlike it, a file
//! is written to a temporary name and renamed into place, so nobody sees half of it and a
//! failed or cancelled write leaves the old file. Everything belongs to the request's owner.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{lchown, symlink, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use crate::bufs::{Payload, Pool};
use crate::files::{absolute, is_missing, owner_ids, Refusal};
use crate::serve::Writer;
use crate::tar::{Header, Kind, Reader};
use crate::wire::paths::{basename, landing, parent, DestKind, Landing, Placement};
use crate::wire::{Msg, Put, PutHow};

/// What the connection's reader hands a `Put`'s thread.
pub enum Chunk {
    Data(Payload),
    End,
    Cancel,
}

/// Chunks queued per write: the connection's reader waits when they are not consumed, so
/// the sender is slowed down rather than buffered.
const QUEUE: usize = 8;

static TMP_SEQ: AtomicU64 = AtomicU64::new(1);

/// Starts a write; the returned sender takes its data, whose buffers go back to `pool`. The
/// answer goes to `writer` as `id`.
pub fn start(put: Put, writer: Arc<Writer>, id: u32, pool: Arc<Pool>) -> SyncSender<Chunk> {
    let (tx, rx) = sync_channel(QUEUE);
    let job = (put, writer.clone(), rx);
    let started = crate::threads::spawn_reused(job, move |(put, writer, rx)| {
        let answer = match write(&put, Incoming::new(rx, pool)) {
            Ok(()) => Msg::Done,
            Err(r) => r.into_msg(),
        };
        let _ = writer.send(id, &answer);
    });
    if started.is_err() {
        let message = crate::threads::PIDS_FULL.to_owned();
        let _ = writer.send(id, &Msg::Failed { message });
    }
    tx
}

/// The data of a write as a reader; a cancel (or a vanished client) is an error. Content is
/// written to the file straight from the frame it came in (`BufRead`).
struct Incoming {
    rx: Receiver<Chunk>,
    pool: Arc<Pool>,
    cur: Payload,
    ended: bool,
}

impl Incoming {
    fn new(rx: Receiver<Chunk>, pool: Arc<Pool>) -> Incoming {
        let cur = Payload {
            buf: Vec::new(),
            range: 0..0,
        };
        Incoming {
            rx,
            pool,
            cur,
            ended: false,
        }
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        self.pool.give(std::mem::take(&mut self.cur.buf));
    }
}

impl BufRead for Incoming {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.cur.range.is_empty() && !self.ended {
            match self.rx.recv() {
                Ok(Chunk::Data(p)) => {
                    let used = std::mem::replace(&mut self.cur, p);
                    self.pool.give(used.buf);
                }
                Ok(Chunk::End) => self.ended = true,
                Ok(Chunk::Cancel) | Err(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::Interrupted,
                        "the write was cancelled",
                    ))
                }
            }
        }
        Ok(&self.cur.buf[self.cur.range.clone()])
    }

    fn consume(&mut self, n: usize) {
        self.cur.range.start = (self.cur.range.start + n).min(self.cur.range.end);
    }
}

impl Read for Incoming {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let data = self.fill_buf()?;
        let n = out.len().min(data.len());
        out[..n].copy_from_slice(&data[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// Where the tar's top entry lands, and whether that entry itself is skipped (a copy of a
/// directory's contents).
struct Target {
    base: PathBuf,
    skip_top: bool,
    file_only: bool,
    owner: (u32, u32),
}

fn write(put: &Put, input: Incoming) -> Result<(), Refusal> {
    let abs = absolute(&put.dest);
    let owner = owner_ids(put.owner.as_deref());
    let kind = match fs::metadata(&abs) {
        Ok(m) if m.is_dir() => DestKind::Dir,
        Ok(_) => DestKind::File,
        Err(e) if is_missing(&e) => DestKind::Missing,
        Err(e) => return Err(Refusal::io(&abs, &e)),
    };
    let target = |dir: &str, name: &str, skip_top, file_only| {
        make_dirs(dir, owner)?;
        Ok::<_, Refusal>(Target {
            base: Path::new(dir).join(name),
            skip_top,
            file_only,
            owner,
        })
    };
    let t = match &put.how {
        PutHow::File => {
            let name = basename(&abs)
                .ok_or_else(|| Refusal::invalid(format!("{} names a directory", put.dest)))?;
            if kind == DestKind::Dir {
                return Err(Refusal::invalid(format!("{} is a directory", put.dest)));
            }
            target(&parent(&abs), name, false, true)?
        }
        PutHow::Copy {
            src_dir,
            src_name,
            contents,
            trailing_slash,
        } => {
            let dest_name = basename(&abs);
            let how = landing(
                *src_dir,
                src_name.as_deref(),
                *contents,
                kind,
                dest_name,
                *trailing_slash,
            )
            .map_err(Refusal::invalid)?;
            match how {
                Landing::Named {
                    dir: Placement::Dest,
                    name,
                } => target(&abs, &name, false, false)?,
                Landing::Named { name, .. } => target(&parent(&abs), &name, false, false)?,
                Landing::Contents => target(&abs, "", true, false)?,
            }
        }
    };
    unpack(&t, input)
}

/// Creates `dir` and its missing parents (0755, `owner`); existing ones are left alone.
fn make_dirs(dir: &str, owner: (u32, u32)) -> Result<(), Refusal> {
    let mut cur = String::new();
    for part in dir.split('/').filter(|p| !p.is_empty()) {
        cur.push('/');
        cur.push_str(part);
        match fs::metadata(&cur) {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => {
                return Err(Refusal::invalid(format!(
                    "{cur} exists and is not a directory"
                )))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Refusal::io(&cur, &e)),
        }
        match fs::create_dir(&cur) {
            Ok(()) => stamp_dir(Path::new(&cur), 0o755, owner)?,
            // Made meanwhile by someone else: theirs stays as it is.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Refusal::io(&cur, &e)),
        }
    }
    Ok(())
}

fn show(p: &Path) -> String {
    p.display().to_string()
}

fn stamp_dir(p: &Path, mode: u32, (uid, gid): (u32, u32)) -> Result<(), Refusal> {
    lchown(p, Some(uid), Some(gid))
        .and_then(|()| fs::set_permissions(p, fs::Permissions::from_mode(mode)))
        .map_err(|e| Refusal::io(&show(p), &e))
}

/// The components of an entry name below the tar's top; `..` is refused.
fn below_top(name: &[u8]) -> Result<Vec<&[u8]>, Refusal> {
    let mut parts = name
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".");
    parts.next();
    parts
        .map(|c| match c {
            b".." => Err(Refusal::invalid("an entry name goes up with '..'")),
            c => Ok(c),
        })
        .collect()
}

fn unpack(t: &Target, input: Incoming) -> Result<(), Refusal> {
    let mut tar = Reader::new(input);
    let stream = |e: io::Error| Refusal::io("the data", &e);
    // Directory mtimes are set last, deepest first, as adding entries changes them.
    let mut dirs = Vec::new();
    while let Some(h) = tar.next_header().map_err(stream)? {
        let rel = below_top(&h.name)?;
        if t.file_only && !(rel.is_empty() && h.kind == Kind::File) {
            return Err(Refusal::invalid("a file write holds exactly one file"));
        }
        if rel.is_empty() && t.skip_top {
            tar.skip(h.size).map_err(stream)?;
            continue;
        }
        let path = rel.iter().fold(t.base.clone(), |p, c| {
            p.join(std::ffi::OsStr::from_bytes(c))
        });
        match h.kind {
            Kind::Dir => {
                dir_entry(&path, &h, t.owner)?;
                dirs.push((path, h.mtime));
            }
            Kind::File => file_entry(&mut tar, &path, &h, t.owner)?,
            Kind::Symlink => symlink_entry(&path, &h, t.owner)?,
            // The library sends no hard links or devices: nothing to create for them.
            _ => tar.skip(h.size).map_err(stream)?,
        }
    }
    for (p, mtime) in dirs.iter().rev() {
        File::open(p)
            .and_then(|d| stamp_time(&d, *mtime))
            .map_err(|e| Refusal::io(&show(p), &e))?;
    }
    Ok(())
}

/// Sets `f`'s mtime from a header; one past what a `SystemTime` holds (a base-256 field can
/// say up to 2^64 - 1 seconds) is left at the time of writing rather than panicking.
fn stamp_time(f: &File, mtime: u64) -> io::Result<()> {
    match UNIX_EPOCH.checked_add(Duration::from_secs(mtime)) {
        Some(t) => f.set_modified(t),
        None => Ok(()),
    }
}

fn dir_entry(p: &Path, h: &Header, owner: (u32, u32)) -> Result<(), Refusal> {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Refusal::invalid(format!(
                "cannot overwrite non-directory {} with a directory",
                show(p)
            )))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir(p).map_err(|e| Refusal::io(&show(p), &e))?
        }
        Err(e) => return Err(Refusal::io(&show(p), &e)),
    }
    stamp_dir(p, h.mode, owner)
}

/// Refuses to put a non-directory where a directory is.
fn not_a_dir(p: &Path) -> Result<(), Refusal> {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => Err(Refusal::invalid(format!(
            "cannot overwrite directory {} with a non-directory",
            show(p)
        ))),
        _ => Ok(()),
    }
}

fn file_entry(
    tar: &mut Reader<Incoming>,
    p: &Path,
    h: &Header,
    (uid, gid): (u32, u32),
) -> Result<(), Refusal> {
    not_a_dir(p)?;
    let tmp = p.with_file_name(format!(
        ".pd-put-{}-{}",
        std::process::id(),
        TMP_SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    // O_EXCL: never through a link someone planted at the temporary name.
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| Refusal::io(&show(p), &e))?;
    let written = (|| {
        // Unbuffered: each write is a frame's worth, straight from where it was read.
        tar.content(h.size, &mut &f)?;
        // Owner first: a chown clears setuid/setgid bits.
        std::os::unix::fs::fchown(&f, Some(uid), Some(gid))?;
        f.set_permissions(fs::Permissions::from_mode(h.mode))?;
        stamp_time(&f, h.mtime)?;
        land(&tmp, p)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(Refusal::io(&show(p), &e));
    }
    Ok(())
}

/// Puts the file written at `tmp` in `p`'s place, atomically: `p` is the old entry or the
/// new file, never missing. Where something is there, the two are swapped and the old one
/// then removed, rather than renamed over: ext4 writes back a file renamed over another at
/// once (`auto_da_alloc`), and freeing the replaced file's blocks then waits on the disk
/// (online discard), which measured half of a 16 MiB write and three quarters of a 1 MiB
/// one. A directory that appeared at `p` meanwhile is swapped back and refused (EISDIR),
/// as a rename over it would be.
fn land(tmp: &Path, p: &Path) -> io::Result<()> {
    match crate::sys::exchange(tmp, p) {
        Ok(()) => {}
        // Nothing at `p`, or a filesystem that cannot swap: a plain rename.
        Err(e) if matches!(e.raw_os_error(), Some(ENOENT | EINVAL)) => return fs::rename(tmp, p),
        Err(e) => return Err(e),
    }
    match fs::symlink_metadata(tmp) {
        Ok(m) if m.is_dir() => {
            crate::sys::exchange(tmp, p)?;
            Err(io::Error::from_raw_os_error(EISDIR))
        }
        // The old file (or link) is out of sight already; a failure to remove it leaves it
        // under the temporary name, not in the way.
        _ => {
            let _ = fs::remove_file(tmp);
            Ok(())
        }
    }
}

const ENOENT: i32 = 2;
const EINVAL: i32 = 22;
const EISDIR: i32 = 21;

fn symlink_entry(p: &Path, h: &Header, (uid, gid): (u32, u32)) -> Result<(), Refusal> {
    not_a_dir(p)?;
    let err = |e: io::Error| Refusal::io(&show(p), &e);
    match fs::remove_file(p) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(err(e)),
        _ => {}
    }
    symlink(std::ffi::OsStr::from_bytes(&h.link), p).map_err(err)?;
    lchown(p, Some(uid), Some(gid)).map_err(err)
}

#[cfg(test)]
#[path = "put_tests.rs"]
mod tests;
