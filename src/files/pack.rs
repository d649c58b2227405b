//! Building the tars that go into a container: directory entries for missing parents, one
//! file from memory, or a host tree walked without following its symlinks; and sending them
//! down a transfer's channel.

use std::fs::{self, File, Metadata};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use tar::{Builder, EntryType, Header};

use bytes::Bytes;

use super::owner::Owner;
use crate::error::Result;

/// Seconds since the epoch, for entries that have no mtime of their own.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn header(kind: EntryType, mode: u32, size: u64, mtime: u64, owner: Owner) -> Header {
    let mut h = Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(mtime);
    h.set_uid(owner.uid);
    h.set_gid(owner.gid);
    h
}

/// Appends `0755` directory entries for `missing` (`a`, `a/b`, ...); returns the prefix
/// (`a/b/`) that names below them take.
pub(crate) fn append_missing<W: Write>(
    b: &mut Builder<W>,
    missing: &[String],
    owner: Owner,
) -> io::Result<String> {
    let mut prefix = String::new();
    for dir in missing {
        prefix.push_str(dir);
        let mut h = header(EntryType::Directory, 0o755, 0, now(), owner);
        b.append_data(&mut h, &prefix, io::empty())?;
        prefix.push('/');
    }
    Ok(prefix)
}

/// The bytes before a file's content: missing parents, then the file's own header (with any
/// long-name extension). The content, its padding and the end of the archive follow.
pub(crate) fn file_prelude(
    missing: &[String],
    name: &str,
    size: u64,
    owner: Owner,
) -> io::Result<Vec<u8>> {
    let mut b = Builder::new(Vec::new());
    let prefix = append_missing(&mut b, missing, owner)?;
    let mut h = header(EntryType::Regular, 0o644, size, now(), owner);
    // With an empty reader only the header is written; the content is streamed after it.
    b.append_data(&mut h, format!("{prefix}{name}"), io::empty())?;
    Ok(std::mem::take(b.get_mut()))
}

/// The bytes after a file's content of `size` bytes: padding to a block and the two zero
/// blocks that end an archive.
pub(crate) fn file_epilogue(size: u64) -> Vec<u8> {
    let pad = (512 - size % 512) % 512;
    vec![0; pad as usize + 1024]
}

/// What a host tree is packed as.
pub(crate) struct HostSource<'a> {
    /// The host file or directory (a symlink here is followed; below it, never).
    pub(crate) path: &'a Path,
    /// Missing container directories to create first.
    pub(crate) missing: &'a [String],
    /// The name the source takes, or `None` to pack only a directory's contents.
    pub(crate) name: Option<&'a str>,
    pub(crate) owner: Owner,
}

/// Packs a host file or tree into `w`: modes (with setuid/setgid/sticky) and mtimes are kept,
/// ownership is `owner`'s, symlinks are stored as links, sockets and devices are skipped.
pub(crate) fn pack_host<W: Write>(src: &HostSource<'_>, w: W) -> io::Result<()> {
    let mut p = Packer {
        b: Builder::new(w),
        owner: src.owner,
        buf: Vec::new(),
    };
    let prefix = append_missing(&mut p.b, src.missing, src.owner)?;
    let meta = fs::metadata(src.path)?;
    // Contents only (no name): the directory's own entry is left out.
    if let Some(n) = src.name {
        let top = format!("{prefix}{n}");
        p.append_one(src.path, &meta, top.as_bytes())?;
    }
    if meta.is_dir() {
        let base = match src.name {
            Some(n) => format!("{prefix}{n}/"),
            None => prefix,
        };
        p.walk(src.path, base.into_bytes())?;
    }
    p.b.finish()
}

/// Bytes of file content read at a time: a transfer chunk's worth (the tar crate's own copy
/// reads 8 KiB at a time, eight times the system calls).
const READ_SIZE: usize = super::pipe::CHUNK;

/// A tar being packed from host files.
struct Packer<W: Write> {
    b: Builder<W>,
    owner: Owner,
    /// The buffer file contents are read through, made at the first file.
    buf: Vec<u8>,
}

impl<W: Write> Packer<W> {
    /// Appends everything below `dir`, depth first, in name order, with names `base` + relative.
    fn walk(&mut self, dir: &Path, base: Vec<u8>) -> io::Result<()> {
        let mut stack: Vec<(PathBuf, Vec<u8>)> = vec![(dir.to_path_buf(), base)];
        while let Some((dir, base)) = stack.pop() {
            let mut children: Vec<_> = fs::read_dir(&dir)?.collect::<io::Result<_>>()?;
            children.sort_by_key(|e| e.file_name());
            let mut subdirs = Vec::new();
            for child in children {
                let path = child.path();
                let meta = fs::symlink_metadata(&path)?;
                let mut name = base.clone();
                name.extend_from_slice(child.file_name().as_bytes());
                self.append_one(&path, &meta, &name)?;
                if meta.is_dir() {
                    name.push(b'/');
                    subdirs.push((path, name));
                }
            }
            // Reversed onto the stack, so they come off in name order.
            stack.extend(subdirs.into_iter().rev());
        }
        Ok(())
    }

    fn append_one(&mut self, path: &Path, meta: &Metadata, name: &[u8]) -> io::Result<()> {
        let (b, owner) = (&mut self.b, self.owner);
        let name = Path::new(std::ffi::OsStr::from_bytes(name));
        let mode = meta.mode() & 0o7777;
        let mtime = u64::try_from(meta.mtime()).unwrap_or(0);
        let ft = meta.file_type();
        if ft.is_dir() {
            let mut h = header(EntryType::Directory, mode, 0, mtime, owner);
            b.append_data(&mut h, name, io::empty())
        } else if ft.is_file() {
            let mut h = header(EntryType::Regular, mode, meta.len(), mtime, owner);
            let mut exact = Exact {
                inner: File::open(path)?.take(meta.len()),
                left: meta.len(),
                path: path.to_path_buf(),
            };
            // With an empty reader only the header is written; the content and its padding
            // follow, read a chunk at a time.
            b.append_data(&mut h, name, io::empty())?;
            if self.buf.is_empty() {
                self.buf = vec![0; READ_SIZE];
            }
            let w = b.get_mut();
            loop {
                let n = exact.read(&mut self.buf)?;
                if n == 0 {
                    break;
                }
                w.write_all(&self.buf[..n])?;
            }
            let pad = (512 - meta.len() % 512) % 512;
            w.write_all(&[0; 512][..pad as usize])
        } else if ft.is_symlink() {
            let target = fs::read_link(path)?;
            let mut h = header(EntryType::Symlink, 0o777, 0, mtime, owner);
            b.append_link(&mut h, name, target)
        } else {
            let what = if ft.is_fifo() || ft.is_socket() {
                "fifo or socket"
            } else {
                "device"
            };
            tracing::warn!(path = %path.display(), "push skips a {what}");
            Ok(())
        }
    }
}

/// Exactly `left` bytes of a file whose size was taken first: a file that shrinks meanwhile
/// is padded with zeros (and logged), one that grows is cut, so the archive stays valid.
struct Exact {
    inner: io::Take<File>,
    left: u64,
    path: PathBuf,
}

impl Read for Exact {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let mut n = self.inner.read(out)?;
        if n == 0 {
            tracing::warn!(path = %self.path.display(), "file shrank while pushed; padded");
            n = out.len().min(self.left as usize);
            out[..n].fill(0);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Sends a tar holding one file, `data` as `name` below the directories `missing`, into `tx`.
pub(crate) async fn send_file_tar(
    tx: super::pipe::Chunks,
    missing: Vec<String>,
    name: &str,
    data: &[u8],
    owner: Owner,
) -> Result<()> {
    let size = data.len() as u64;
    let prelude = file_prelude(&missing, name, size, owner)?;
    let chunks = std::iter::once(Bytes::from(prelude))
        .chain(data.chunks(super::pipe::CHUNK).map(Bytes::copy_from_slice))
        .chain(std::iter::once(Bytes::from(file_epilogue(size))));
    for chunk in chunks {
        if tx.send(Ok(chunk)).await.is_err() {
            break; // the request ended early; its error says why
        }
    }
    Ok(())
}

/// Packs the host file or tree `src` (as `name`, or only its contents) below the
/// directories `missing` into `tx` in chunks of `chunk` bytes, on a blocking thread.
pub(crate) async fn pack_into(
    tx: super::pipe::Chunks,
    chunk: usize,
    src: PathBuf,
    missing: Vec<String>,
    name: Option<String>,
    owner: Owner,
) -> Result<()> {
    super::pipe::produce_chunks(tx, chunk, move |w| {
        let source = HostSource {
            path: &src,
            missing: &missing,
            name: name.as_deref(),
            owner,
        };
        pack_host(&source, w)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(tar: &[u8]) -> Vec<(String, EntryType, u32, u64, u64, Vec<u8>)> {
        let mut a = tar::Archive::new(tar);
        a.entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let mut data = Vec::new();
                e.read_to_end(&mut data).unwrap();
                let h = e.header();
                (
                    String::from_utf8(e.path_bytes().into_owned()).unwrap(),
                    h.entry_type(),
                    h.mode().unwrap(),
                    h.uid().unwrap(),
                    h.mtime().unwrap(),
                    data,
                )
            })
            .collect()
    }

    #[test]
    fn prelude_content_epilogue_is_a_valid_tar_with_long_names() {
        let long = "n".repeat(150);
        let data = b"hello".repeat(300);
        let owner = Owner {
            uid: 1000,
            gid: 1000,
        };
        let missing = vec!["a".to_string(), long.clone()];
        let mut tar = file_prelude(&missing, "f.txt", data.len() as u64, owner).unwrap();
        tar.extend_from_slice(&data);
        tar.extend(file_epilogue(data.len() as u64));
        assert_eq!(tar.len() % 512, 0);
        let e = entries(&tar);
        assert_eq!(e.len(), 3);
        assert_eq!(
            (e[0].0.as_str(), e[0].1, e[0].2),
            ("a", EntryType::Directory, 0o755)
        );
        assert_eq!(e[1].0, format!("a/{long}"));
        assert_eq!(e[2].0, format!("a/{long}/f.txt"));
        assert_eq!((e[2].2, e[2].3), (0o644, 1000));
        assert_eq!(e[2].5, data);
    }

    #[test]
    fn host_tree_keeps_modes_mtimes_and_links_and_skips_fifos() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let dir = std::env::temp_dir().join(format!("pd-pack-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("t/sub")).unwrap();
        fs::write(dir.join("t/run.sh"), b"#!/bin/sh\n").unwrap();
        fs::set_permissions(dir.join("t/run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(dir.join("t/sub/b"), b"bb").unwrap();
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_500_000_000);
        File::options()
            .write(true)
            .open(dir.join("t/sub/b"))
            .unwrap()
            .set_modified(t)
            .unwrap();
        symlink("/etc/passwd", dir.join("t/link")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(dir.join("t/fifo"))
            .status();
        let owner = Owner { uid: 7, gid: 8 };
        let mut out = Vec::new();
        let src = HostSource {
            path: &dir.join("t"),
            missing: &["m".into()],
            name: Some("x"),
            owner,
        };
        pack_host(&src, &mut out).unwrap();
        let e = entries(&out);
        let names: Vec<_> = e.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(
            names,
            ["m", "m/x", "m/x/link", "m/x/run.sh", "m/x/sub", "m/x/sub/b"]
        );
        assert_eq!((e[2].1, e[3].2, e[3].3), (EntryType::Symlink, 0o755, 7));
        assert_eq!((e[5].4, e[5].5.as_slice()), (1_500_000_000, &b"bb"[..]));
        if fifo.is_ok_and(|s| s.success()) {
            assert!(!names.contains(&"m/x/fifo"));
        }
        // Contents only: no entry for the directory itself.
        let mut out = Vec::new();
        let src = HostSource {
            path: &dir.join("t"),
            missing: &[],
            name: None,
            owner,
        };
        pack_host(&src, &mut out).unwrap();
        let e = entries(&out);
        assert_eq!(e[0].0, "link");
        fs::remove_dir_all(&dir).unwrap();
    }
}
