//! Hand-built hostile archives against the extractor: nothing may land outside the root.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tar::{EntryType, Header};

use super::*;

/// One raw entry; the name and link name are written byte for byte (no checks).
fn raw(name: &[u8], kind: EntryType, link: &[u8], mode: u32, data: &[u8]) -> Vec<u8> {
    let mut h = Header::new_old();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.as_old_mut().linkname[..link.len()].copy_from_slice(link);
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(data.len() as u64);
    h.set_mtime(1_600_000_000);
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

fn file(name: &str, data: &[u8]) -> Vec<u8> {
    raw(name.as_bytes(), EntryType::Regular, b"", 0o644, data)
}
fn dir(name: &str) -> Vec<u8> {
    raw(name.as_bytes(), EntryType::Directory, b"", 0o755, b"")
}
fn symlink(name: &str, target: &str) -> Vec<u8> {
    raw(
        name.as_bytes(),
        EntryType::Symlink,
        target.as_bytes(),
        0o777,
        b"",
    )
}
fn hardlink(name: &str, target: &str) -> Vec<u8> {
    raw(
        name.as_bytes(),
        EntryType::Link,
        target.as_bytes(),
        0o644,
        b"",
    )
}

fn tar_of(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut t: Vec<u8> = entries.concat();
    t.extend_from_slice(&[0; 1024]);
    t
}

/// A scratch area: `outside/` holds a sentinel that must survive, `dest/` is the root's parent.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("pd-unpack-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(p.join("outside")).unwrap();
        fs::create_dir_all(p.join("dest")).unwrap();
        fs::write(p.join("outside/sentinel"), b"keep").unwrap();
        Scratch(p)
    }

    fn root(&self) -> PathBuf {
        self.0.join("dest/top")
    }

    /// Everything under the scratch area outside `dest/`, as (path, size) pairs.
    fn outside(&self) -> Vec<(PathBuf, u64)> {
        let mut all = Vec::new();
        let mut stack = vec![self.0.clone()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.starts_with(self.0.join("dest")) {
                    continue;
                }
                let m = fs::symlink_metadata(&p).unwrap();
                if m.is_dir() {
                    stack.push(p.clone());
                }
                all.push((p, m.len()));
            }
        }
        all.sort();
        all
    }

    fn extract(&self, entries: &[Vec<u8>]) -> Result<Summary> {
        let t = tar_of(entries);
        extract(&t[..], &Top::Name(b"top".to_vec()), &self.root())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn names_are_taken_apart_safely() {
    let top = Top::Name(b"d".to_vec());
    assert_eq!(below_top(b"d", &top), Some(vec![]));
    assert_eq!(below_top(b"d/", &top), Some(vec![]));
    assert_eq!(
        below_top(b"./d/a//b/./c", &top),
        Some(vec![&b"a"[..], b"b", b"c"])
    );
    assert_eq!(below_top(b"d/../x", &top), None);
    assert_eq!(below_top(b"d/a/../../x", &top), None);
    assert_eq!(below_top(b"/d/a", &top), None);
    assert_eq!(below_top(b"e/a", &top), None);
    assert_eq!(below_top(b"da", &top), None);
    assert_eq!(below_top(b"/bin", &Top::Root), Some(vec![&b"bin"[..]]));
    assert_eq!(below_top(b"/", &Top::Root), Some(vec![]));
    assert_eq!(below_top(b"/../etc", &Top::Root), None);
}

#[test]
fn a_plain_tree_is_extracted_with_modes_and_mtimes() {
    let s = Scratch::new("plain");
    let exe = raw(
        b"top/bin/run",
        EntryType::Regular,
        b"",
        0o755,
        b"#!/bin/sh\n",
    );
    let sum = s
        .extract(&[dir("top"), dir("top/bin"), exe, file("top/a.txt", b"hello")])
        .unwrap();
    assert_eq!((sum.files, sum.dirs, sum.skipped), (2, 2, 0));
    let root = s.root();
    assert_eq!(fs::read(root.join("a.txt")).unwrap(), b"hello");
    let m = fs::metadata(root.join("bin/run")).unwrap();
    assert_eq!(m.mode() & 0o7777, 0o755);
    assert_eq!(m.mtime(), 1_600_000_000);
    assert_eq!(fs::metadata(&root).unwrap().mtime(), 1_600_000_000);
}

#[test]
fn dot_dot_and_absolute_names_are_skipped() {
    let s = Scratch::new("dotdot");
    let before = s.outside();
    let absolute = format!("{}/outside/absolute", s.0.display());
    let sum = s
        .extract(&[
            dir("top"),
            file("top/../../outside/sentinel", b"pwned"),
            file("top/../escaped", b"x"),
            file(&absolute, b"x"),
            file("../outside/new", b"x"),
            file("top/ok", b"ok"),
        ])
        .unwrap();
    assert_eq!(sum.skipped, 4);
    assert_eq!(s.outside(), before);
    assert_eq!(fs::read(s.0.join("outside/sentinel")).unwrap(), b"keep");
    assert!(!s.0.join("dest/escaped").exists());
    assert_eq!(fs::read(s.root().join("ok")).unwrap(), b"ok");
}

#[test]
fn symlinks_made_by_the_archive_are_never_followed() {
    let s = Scratch::new("symlinks");
    let outside = s.0.join("outside");
    // Through a link to `/`, this name would reach the sentinel's directory.
    let through_root = format!("top/rootlink{}/through-root", outside.display());
    let before = s.outside();
    let sum = s
        .extract(&[
            dir("top"),
            // A link out, then entries through it: written through would land outside.
            symlink("top/out", outside.to_str().unwrap()),
            file("top/out/sentinel", b"pwned"),
            file("top/out/new", b"pwned"),
            dir("top/out/newdir"),
            symlink("top/up", "../../outside"),
            file("top/up/sentinel", b"pwned"),
            // A link at a file's own name: the file replaces the link, not its target.
            symlink("top/victim", outside.join("sentinel").to_str().unwrap()),
            file("top/victim", b"replaced"),
            // A link to the root of the filesystem, and one nested under a real directory.
            symlink("top/rootlink", "/"),
            file(&through_root, b"x"),
            dir("top/d"),
            symlink("top/d/deeper", "../../.."),
            file("top/d/deeper/outside/sentinel", b"pwned"),
        ])
        .unwrap();
    assert_eq!(sum.skipped, 6, "{sum:?}");
    assert_eq!(s.outside(), before);
    assert_eq!(fs::read(outside.join("sentinel")).unwrap(), b"keep");
    let root = s.root();
    // The links themselves exist, as links, pointing where they said.
    assert!(fs::symlink_metadata(root.join("out")).unwrap().is_symlink());
    assert_eq!(
        fs::read_link(root.join("up")).unwrap(),
        Path::new("../../outside")
    );
    let victim = fs::symlink_metadata(root.join("victim")).unwrap();
    assert!(victim.is_file());
    assert_eq!(fs::read(root.join("victim")).unwrap(), b"replaced");
}

#[test]
fn a_directory_entry_replaces_a_symlink_instead_of_following_it() {
    let s = Scratch::new("dirlink");
    let outside = s.0.join("outside");
    let before = s.outside();
    s.extract(&[
        dir("top"),
        symlink("top/x", outside.to_str().unwrap()),
        dir("top/x"),
        file("top/x/sentinel", b"inside"),
    ])
    .unwrap();
    assert_eq!(s.outside(), before);
    assert!(fs::symlink_metadata(s.root().join("x")).unwrap().is_dir());
    assert_eq!(fs::read(s.root().join("x/sentinel")).unwrap(), b"inside");
}

#[test]
fn hard_links_only_to_files_this_pull_wrote() {
    let s = Scratch::new("hardlinks");
    let before = s.outside();
    let sentinel = s.0.join("outside/sentinel");
    let sum = s
        .extract(&[
            dir("top"),
            file("top/a", b"aaa"),
            hardlink("top/b", "top/a"),
            hardlink("top/c", "top/../../outside/sentinel"),
            hardlink("top/d", sentinel.to_str().unwrap()),
            hardlink("top/e", "top/missing"),
            // A link made into a symlink after the fact is not a file any more.
            file("top/f", b"f"),
            symlink("top/f", sentinel.to_str().unwrap()),
            hardlink("top/g", "top/f"),
        ])
        .unwrap();
    assert_eq!(sum.skipped, 4, "{sum:?}");
    let root = s.root();
    assert_eq!(fs::read(root.join("b")).unwrap(), b"aaa");
    assert_eq!(
        fs::metadata(root.join("a")).unwrap().ino(),
        fs::metadata(root.join("b")).unwrap().ino()
    );
    for skipped in ["c", "d", "e", "g"] {
        assert!(
            fs::symlink_metadata(root.join(skipped)).is_err(),
            "{skipped}"
        );
    }
    assert_eq!(fs::metadata(&sentinel).unwrap().nlink(), 1);
    assert_eq!(s.outside(), before);
}

#[test]
fn devices_fifos_are_skipped_and_setuid_is_dropped() {
    let s = Scratch::new("special");
    let sum = s
        .extract(&[
            dir("top"),
            raw(b"top/null", EntryType::Char, b"", 0o666, b""),
            raw(b"top/disk", EntryType::Block, b"", 0o660, b""),
            raw(b"top/pipe", EntryType::Fifo, b"", 0o644, b""),
            raw(b"top/suid", EntryType::Regular, b"", 0o6755, b"x"),
            raw(b"top/sticky", EntryType::Directory, b"", 0o1777, b""),
        ])
        .unwrap();
    assert_eq!(sum.skipped, 3);
    let root = s.root();
    for gone in ["null", "disk", "pipe"] {
        assert!(fs::symlink_metadata(root.join(gone)).is_err());
    }
    assert_eq!(
        fs::metadata(root.join("suid")).unwrap().mode() & 0o7777,
        0o755
    );
    assert_eq!(
        fs::metadata(root.join("sticky")).unwrap().mode() & 0o7777,
        0o777
    );
}

#[test]
fn a_read_only_directory_still_receives_its_children() {
    let s = Scratch::new("readonly");
    let ro = raw(b"top/ro", EntryType::Directory, b"", 0o555, b"");
    s.extract(&[dir("top"), ro, file("top/ro/f", b"f")])
        .unwrap();
    let root = s.root();
    assert_eq!(fs::read(root.join("ro/f")).unwrap(), b"f");
    assert_eq!(fs::metadata(root.join("ro")).unwrap().mode() & 0o777, 0o555);
    fs::set_permissions(root.join("ro"), fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_file_over_a_directory_is_an_error_and_names_outside_the_top_are_skipped() {
    let s = Scratch::new("conflict");
    let e = s
        .extract(&[dir("top"), dir("top/x"), file("top/x", b"f")])
        .unwrap_err();
    assert!(e.to_string().contains("cannot overwrite directory"), "{e}");
    let s = Scratch::new("othertop");
    let sum = s.extract(&[file("other/x", b"x")]).unwrap();
    assert_eq!(sum.skipped, 1);
    assert!(!s.0.join("dest/other").exists());
}

#[test]
fn single_files_and_listings() {
    let t = tar_of(&[file("f", b"content")]);
    let top = Top::Name(b"f".to_vec());
    assert_eq!(read_single(&t[..], &top, "/f").unwrap(), b"content");
    let t = tar_of(&[dir("d"), file("d/x", b"")]);
    let top = Top::Name(b"d".to_vec());
    let e = read_single(&t[..], &top, "/d").unwrap_err();
    assert!(e.to_string().contains("/d is a directory"), "{e}");

    let exe = raw(b"d/run", EntryType::Regular, b"", 0o4755, b"12345");
    let t = tar_of(&[
        dir("d"),
        file("d/b.txt", b"bb"),
        exe,
        dir("d/sub"),
        file("d/sub/deep", b"not listed"),
        symlink("d/link", "/etc"),
        hardlink("d/again", "d/b.txt"),
        raw(b"d/null", EntryType::Char, b"", 0o666, b""),
    ]);
    let l = list(&t[..], &top).unwrap();
    let got: Vec<_> = l
        .iter()
        .map(|e| (e.name.as_str(), e.kind, e.size, e.mode))
        .collect();
    assert_eq!(
        got,
        [
            ("again", FileKind::File, 2, 0o644),
            ("b.txt", FileKind::File, 2, 0o644),
            ("link", FileKind::Symlink, 0, 0o777),
            ("null", FileKind::Other, 0, 0o666),
            ("run", FileKind::File, 5, 0o4755),
            ("sub", FileKind::Dir, 0, 0o755),
        ]
    );
}

#[test]
fn an_archive_cut_short_is_an_error_not_a_smaller_copy() {
    let whole = tar_of(&[dir("top"), file("top/a", &[7; 3000]), file("top/b", b"b")]);
    let top = Top::Name(b"top".to_vec());
    // Cut inside a file's content, and cut cleanly between entries (no end marker).
    let inside = &whole[..512 * 3];
    let between = &whole[..whole.len() - 1024 - 1024];
    for cut in [inside, between] {
        let s = Scratch::new("cut");
        let e = extract(cut, &top, &s.root()).unwrap_err();
        assert!(e.to_string().contains("ended early"), "{e}");
        // (Listing skips contents: the tar reader reports a cut inside one itself.)
        let e = list(cut, &top).unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::Io, "{e}");
    }
    let file_top = Top::Name(b"f".to_vec());
    let single = tar_of(&[file("f", &[1; 2000])]);
    let e = read_single(&single[..1024], &file_top, "/f").unwrap_err();
    assert!(e.to_string().contains("ended early"), "{e}");
    // The whole archive is fine.
    let s = Scratch::new("whole");
    assert_eq!(extract(&whole[..], &top, &s.root()).unwrap().files, 2);
    assert_eq!(list(&whole[..], &top).unwrap().len(), 2);
}

/// Regression (found while writing the `tar_extract` fuzz target): a GNU base-256 mtime past what a
/// `SystemTime` holds panicked in `UNIX_EPOCH + secs`; such an entry now keeps the time of
/// its extraction, like one with no readable mtime.
#[test]
fn an_mtime_past_the_end_of_time_is_not_a_panic() {
    let s = Scratch::new("mtime");
    let mut entry = file("top/f", b"x");
    // The mtime field (bytes 136..148) in base-256: the high bit, then u64::MAX.
    entry[136..148].copy_from_slice(&[
        0x80, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ]);
    let mut h = Header::from_byte_slice(&entry[..512]).clone();
    h.set_cksum();
    entry[..512].copy_from_slice(h.as_bytes());
    let mut d = dir("top/d");
    d[136..148].copy_from_slice(&entry[136..148]);
    let mut h = Header::from_byte_slice(&d[..512]).clone();
    h.set_cksum();
    d[..512].copy_from_slice(h.as_bytes());
    let summary = s.extract(&[dir("top"), entry, d]).unwrap();
    assert_eq!((summary.files, summary.dirs), (1, 2));
    assert_eq!(fs::read(s.root().join("f")).unwrap(), b"x");
}
