//! `Get`: a file's bytes or a tar of a tree, sent in `Data` frames under the client's credit.
//! The tar is named as the engine's archive API names it (after the resolved path's last
//! component), so the library unpacks both alike, and treats both as hostile. Links below
//! the top are stored as links, never followed; a file met again through another hard link
//! is a hard-link entry; devices and fifos are headers only; sockets are left out.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use crate::files::{absolute, is_missing, Refusal};
use crate::serve::Writer;
use crate::tar::{self, Header, Kind};
use crate::wire::files::{DATA_CHUNK, WINDOW};
use crate::wire::{paths, Msg, Want};

/// What the connection's reader hands a `Get`'s thread.
pub enum Flow {
    Credit(u32),
    Cancel,
}

/// Opened without blocking, so a fifo swapped in after the check cannot hang the read.
const O_NONBLOCK: i32 = 0o4000;
/// Pseudo-filesystems whose contents a copy of `/` leaves out (endless or huge files).
const PSEUDO: [&str; 2] = ["/proc", "/sys"];

/// Starts a read; the returned sender takes the client's credit.
pub fn start(path: String, want: Want, writer: Arc<Writer>, id: u32) -> Sender<Flow> {
    let (tx, rx) = channel();
    let job = (path, writer.clone(), rx);
    let started = crate::threads::spawn_reused(job, move |(path, writer, rx)| {
        let mut out = Frames {
            writer: writer.clone(),
            id,
            flow: rx,
            credit: WINDOW,
            buf: Vec::with_capacity(DATA_CHUNK),
        };
        let last = match send(&path, want, &mut out) {
            Ok(()) => Msg::DataEnd,
            Err(r) => r.into_msg(),
        };
        let _ = writer.send(id, &last);
    });
    if started.is_err() {
        let message = crate::threads::PIDS_FULL.to_owned();
        let _ = writer.send(id, &Msg::Failed { message });
    }
    tx
}

fn send(path: &str, want: Want, out: &mut Frames) -> Result<(), Refusal> {
    let abs = absolute(path);
    let resolved = match fs::canonicalize(&abs) {
        Ok(r) => r,
        // A dangling link, or a file where a parent directory should be: nothing there.
        Err(e) if is_missing(&e) => return Err(Refusal::not_found(abs)),
        Err(e) => return Err(Refusal::io(&abs, &e)),
    };
    let meta = fs::metadata(&resolved).map_err(|e| Refusal::io(&abs, &e))?;
    match want {
        Want::File if meta.is_dir() => {
            return Err(Refusal::invalid(format!("{path} is a directory")))
        }
        Want::File if !meta.is_file() => {
            return Err(Refusal::invalid(format!("{path} is not a regular file")))
        }
        Want::Tree if !meta.is_dir() && !meta.is_file() => {
            return Err(Refusal::invalid(format!(
                "{path} is neither a file nor a directory"
            )))
        }
        _ => {}
    }
    let resolved_str = resolved.to_string_lossy().into_owned();
    let found = Msg::Found {
        path: abs,
        resolved: resolved_str.clone(),
        dir: meta.is_dir(),
    };
    out.writer
        .send(out.id, &found)
        .map_err(|e| Refusal::io("the channel", &e))?;
    let sent = match want {
        Want::File => open(&resolved).and_then(|mut f| io::copy(&mut f, out).map(drop)),
        Want::Tree => {
            let top = match paths::basename(&resolved_str) {
                Some(n) => n.as_bytes().to_vec(),
                None => b".".to_vec(),
            };
            let mut w = tar::Writer::new(&mut *out);
            walk(&mut w, &resolved, top).and_then(|()| w.finish().map(drop))
        }
    };
    sent.and_then(|()| out.flush())
        .map_err(|e| Refusal::io(&resolved_str, &e))
}

fn open(p: &Path) -> io::Result<File> {
    let f = OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(p)?;
    if f.metadata()?.is_file() {
        Ok(f)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "changed into something other than a file while being read",
        ))
    }
}

/// The client's side of the channel as a writer: whole chunks, sent within the credit.
struct Frames {
    writer: Arc<Writer>,
    id: u32,
    flow: Receiver<Flow>,
    credit: u32,
    buf: Vec<u8>,
}

impl Frames {
    fn send_buf(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        while self.credit == 0 {
            match self.flow.recv() {
                Ok(Flow::Credit(n)) => self.credit = self.credit.saturating_add(n),
                Ok(Flow::Cancel) | Err(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::Interrupted,
                        "the read was cancelled",
                    ))
                }
            }
        }
        self.credit -= 1;
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(DATA_CHUNK));
        self.writer.send(self.id, &Msg::Data { data })
    }
}

impl Write for Frames {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(DATA_CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == DATA_CHUNK {
            self.send_buf()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_buf()
    }
}

/// Writes the tree at `top_path` (a directory or a file) with names starting at `top`.
fn walk<W: Write>(w: &mut tar::Writer<W>, top_path: &Path, top: Vec<u8>) -> io::Result<()> {
    let mut links: HashMap<(u64, u64), Vec<u8>> = HashMap::new();
    let mut stack: Vec<(PathBuf, Vec<u8>)> = vec![(top_path.to_path_buf(), top)];
    while let Some((path, name)) = stack.pop() {
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            // Gone since it was listed: as if it never was.
            Err(e) if is_missing(&e) => continue,
            Err(e) => return Err(e),
        };
        let is_dir = meta.is_dir();
        if !entry(w, &path, &meta, &name, &mut links)? || !is_dir {
            continue;
        }
        if PSEUDO.iter().any(|p| Path::new(p) == path) {
            continue;
        }
        let mut children: Vec<_> = match fs::read_dir(&path) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.file_name())).collect(),
            Err(e) if is_missing(&e) => continue,
            Err(e) => return Err(e),
        };
        children.sort();
        let prefix = if name == b"." {
            Vec::new()
        } else {
            [&name[..], b"/"].concat()
        };
        for c in children.into_iter().rev() {
            stack.push((path.join(&c), [&prefix[..], c.as_bytes()].concat()));
        }
    }
    Ok(())
}

/// Writes one entry; false when it was left out.
fn entry<W: Write>(
    w: &mut tar::Writer<W>,
    path: &Path,
    meta: &fs::Metadata,
    name: &[u8],
    links: &mut HashMap<(u64, u64), Vec<u8>>,
) -> io::Result<bool> {
    let ft = meta.file_type();
    let mut h = Header {
        name: name.to_vec(),
        kind: Kind::Other,
        mode: meta.mode() & 0o7777,
        uid: u64::from(meta.uid()),
        gid: u64::from(meta.gid()),
        size: 0,
        mtime: u64::try_from(meta.mtime()).unwrap_or(0),
        link: Vec::new(),
    };
    if ft.is_dir() {
        h.kind = Kind::Dir;
        if h.name != b"." {
            h.name.push(b'/');
        }
    } else if ft.is_symlink() {
        h.kind = Kind::Symlink;
        h.link = fs::read_link(path)?.as_os_str().as_bytes().to_vec();
    } else if ft.is_file() {
        let key = (meta.dev(), meta.ino());
        if meta.nlink() > 1 {
            if let Some(first) = links.get(&key) {
                h.kind = Kind::HardLink;
                h.link = first.clone();
                w.header(&h)?;
                return Ok(true);
            }
            links.insert(key, name.to_vec());
        }
        let mut f = match open(path) {
            Ok(f) => f,
            Err(e) if is_missing(&e) => return Ok(false),
            Err(e) => return Err(e),
        };
        h.kind = Kind::File;
        h.size = meta.len();
        w.header(&h)?;
        exact(&mut f, h.size, w.content_writer())?;
        w.end_content(h.size)?;
    } else if ft.is_fifo() || ft.is_char_device() || ft.is_block_device() {
        h.kind = if ft.is_fifo() {
            Kind::Fifo
        } else if ft.is_char_device() {
            Kind::CharDev
        } else {
            Kind::BlockDev
        };
    } else {
        return Ok(false);
    }
    if h.kind != Kind::File {
        w.header(&h)?;
    }
    Ok(true)
}

/// Exactly `size` bytes of a file whose size was taken first: one that shrank meanwhile is
/// padded with zeros, one that grew is cut, so the archive stays valid.
fn exact(f: &mut File, size: u64, out: &mut impl Write) -> io::Result<()> {
    let copied = io::copy(&mut f.take(size), out)?;
    let mut left = size - copied;
    let zeros = [0u8; 8192];
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        out.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tar::Reader;

    #[test]
    fn a_tree_is_named_after_its_top_with_links_kept_as_links() {
        let d = std::env::temp_dir().join(format!("pd-agent-get-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join("top/sub")).unwrap();
        fs::write(d.join("top/sub/f"), "data").unwrap();
        fs::hard_link(d.join("top/sub/f"), d.join("top/h")).unwrap();
        std::os::unix::fs::symlink("/etc", d.join("top/l")).unwrap();
        let mut w = tar::Writer::new(Vec::new());
        walk(&mut w, &d.join("top"), b"top".to_vec()).unwrap();
        let bytes = w.finish().unwrap();
        let mut r = Reader::new(&bytes[..]);
        let mut seen = Vec::new();
        while let Some(h) = r.next_header().unwrap() {
            let mut data = Vec::new();
            r.content(h.size, &mut data).unwrap();
            seen.push((String::from_utf8(h.name).unwrap(), h.kind, data, h.link));
        }
        let names: Vec<_> = seen.iter().map(|e| (e.0.as_str(), e.1)).collect();
        assert_eq!(
            names,
            [
                ("top/", Kind::Dir),
                ("top/h", Kind::File),
                ("top/l", Kind::Symlink),
                ("top/sub/", Kind::Dir),
                ("top/sub/f", Kind::HardLink),
            ]
        );
        assert_eq!(seen[1].2, b"data");
        assert_eq!(seen[2].3, b"/etc", "the link is not followed");
        assert_eq!(seen[4].3, b"top/h", "the second name links to the first");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_file_that_shrank_is_padded_to_its_announced_size() {
        let d = std::env::temp_dir().join(format!("pd-agent-exact-{}", std::process::id()));
        fs::write(&d, "abc").unwrap();
        let mut f = File::open(&d).unwrap();
        let mut out = Vec::new();
        exact(&mut f, 5, &mut out).unwrap();
        assert_eq!(out, b"abc\0\0");
        let mut f = File::open(&d).unwrap();
        let mut out = Vec::new();
        exact(&mut f, 2, &mut out).unwrap();
        assert_eq!(out, b"ab");
        fs::remove_file(&d).unwrap();
    }
}
