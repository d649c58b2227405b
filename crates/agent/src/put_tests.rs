use super::*;
use crate::tar::Writer as TarWriter;
use crate::wire::files::refusal;
use std::io::Write;

#[test]
fn entry_names_lose_their_top_and_may_not_go_up() {
    assert_eq!(below_top(b"t").unwrap(), Vec::<&[u8]>::new());
    assert_eq!(below_top(b"./t/a//b/").unwrap(), vec![&b"a"[..], b"b"]);
    assert!(below_top(b"t/../x").is_err());
}

fn entry(name: &str, kind: Kind, mode: u32, data: &[u8], link: &str) -> (Header, Vec<u8>) {
    let h = Header {
        name: name.as_bytes().to_vec(),
        kind,
        mode,
        uid: 0,
        gid: 0,
        size: data.len() as u64,
        mtime: 1_500_000_000,
        link: link.as_bytes().to_vec(),
    };
    (h, data.to_vec())
}

fn tar(entries: &[(Header, Vec<u8>)]) -> Vec<u8> {
    let mut w = TarWriter::new(Vec::new());
    for (h, data) in entries {
        w.header(h).unwrap();
        w.content_writer().write_all(data).unwrap();
        w.end_content(h.size).unwrap();
    }
    w.finish().unwrap()
}

/// Runs a `Put` of `bytes` (in uneven chunks) as the current user.
fn put(dest: &Path, how: PutHow, bytes: Vec<u8>) -> Result<(), Refusal> {
    let (tx, rx) = sync_channel(64);
    for c in bytes.chunks(1000) {
        // Payloads inside larger buffers, as frames arrive.
        let mut buf = vec![0xee; 9];
        buf.extend_from_slice(c);
        let range = 9..buf.len();
        tx.send(Chunk::Data(Payload { buf, range })).unwrap();
    }
    tx.send(Chunk::End).unwrap();
    let me = std::fs::metadata("/proc/self").unwrap();
    use std::os::unix::fs::MetadataExt;
    let put = Put {
        dest: dest.to_str().unwrap().to_owned(),
        owner: Some(format!("{}:{}", me.uid(), me.gid())),
        how,
    };
    write(&put, Incoming::new(rx, Arc::default()))
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pd-agent-put-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_file_write_replaces_a_link_and_creates_parents() {
    let d = scratch("file");
    fs::write(d.join("target"), "old").unwrap();
    symlink(d.join("target"), d.join("lnk")).unwrap();
    let one = tar(&[entry("t", Kind::File, 0o640, b"new", "")]);
    put(&d.join("lnk"), PutHow::File, one.clone()).unwrap();
    assert_eq!(fs::read(d.join("lnk")).unwrap(), b"new");
    assert!(!fs::symlink_metadata(d.join("lnk")).unwrap().is_symlink());
    assert_eq!(fs::read(d.join("target")).unwrap(), b"old");
    put(&d.join("a/b/f"), PutHow::File, one.clone()).unwrap();
    let m = fs::metadata(d.join("a/b/f")).unwrap();
    assert_eq!(m.permissions().mode() & 0o7777, 0o640);
    assert_eq!(
        fs::metadata(d.join("a")).unwrap().permissions().mode() & 0o777,
        0o755
    );
    // A directory there, or a file in the way of a parent, is refused.
    let e = put(&d.join("a"), PutHow::File, one.clone()).unwrap_err();
    assert_eq!(e.code, refusal::INVALID, "{e:?}");
    let e = put(&d.join("target/x"), PutHow::File, one).unwrap_err();
    assert_eq!(e.code, refusal::INVALID, "{e:?}");
    fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_cut_short_write_leaves_the_old_file_and_no_temporary() {
    let d = scratch("cut");
    fs::write(d.join("f"), "old").unwrap();
    let mut t = tar(&[entry("t", Kind::File, 0o644, &[7u8; 5000], "")]);
    t.truncate(3000);
    let e = put(&d.join("f"), PutHow::File, t).unwrap_err();
    assert_eq!(e.code, refusal::IO, "{e:?}");
    assert_eq!(fs::read(d.join("f")).unwrap(), b"old");
    assert_eq!(fs::read_dir(&d).unwrap().count(), 1, "no temporary left");
    fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_copy_lands_by_the_docker_cp_rules() {
    let d = scratch("copy");
    let tree = tar(&[
        entry("t/", Kind::Dir, 0o750, b"", ""),
        entry("t/x", Kind::File, 0o4755, b"x", ""),
        entry("t/l", Kind::Symlink, 0o777, b"", "x"),
    ]);
    let copy = |contents| PutHow::Copy {
        src_dir: true,
        src_name: Some("src".into()),
        contents,
        trailing_slash: false,
    };
    // Onto a missing path: it becomes that path; onto a directory: nested by name.
    put(&d.join("new"), copy(false), tree.clone()).unwrap();
    assert_eq!(fs::read(d.join("new/x")).unwrap(), b"x");
    assert_eq!(fs::read_link(d.join("new/l")).unwrap(), Path::new("x"));
    let m = fs::metadata(d.join("new/x")).unwrap();
    assert_eq!(m.permissions().mode() & 0o7777, 0o4755, "setuid kept");
    put(&d.join("new"), copy(false), tree.clone()).unwrap();
    assert_eq!(fs::read(d.join("new/src/x")).unwrap(), b"x");
    // Only the contents: the existing directory keeps its own mode.
    fs::create_dir(d.join("into")).unwrap();
    put(&d.join("into"), copy(true), tree.clone()).unwrap();
    assert_eq!(fs::read(d.join("into/x")).unwrap(), b"x");
    assert_eq!(
        fs::metadata(d.join("into")).unwrap().permissions().mode() & 0o777,
        0o755
    );
    // A directory onto a file is refused; so is an entry that climbs out.
    let e = put(&d.join("into/x"), copy(false), tree).unwrap_err();
    assert_eq!(e.code, refusal::INVALID);
    let evil = tar(&[entry("t/../../evil", Kind::File, 0o644, b"e", "")]);
    assert!(put(&d.join("evil"), copy(false), evil).is_err());
    assert!(!d.join("evil").exists() && !d.parent().unwrap().join("evil").exists());
    fs::remove_dir_all(&d).unwrap();
}

/// Regression: an mtime past what a `SystemTime` holds (base-256 up to 2^64 - 1 seconds)
/// panicked the transfer's thread in `UNIX_EPOCH + secs`; the entries are written and keep
/// the time of writing.
#[test]
fn an_mtime_past_the_end_of_time_is_not_a_panic() {
    let d = scratch("mtime");
    let (mut dir, _) = entry("t/", Kind::Dir, 0o755, b"", "");
    let (mut file, data) = entry("t/f", Kind::File, 0o644, b"x", "");
    dir.mtime = u64::MAX;
    file.mtime = u64::MAX;
    let tree = tar(&[(dir, Vec::new()), (file, data)]);
    let how = PutHow::Copy {
        src_dir: true,
        src_name: Some("t".into()),
        contents: false,
        trailing_slash: false,
    };
    put(&d.join("new"), how, tree).unwrap();
    assert_eq!(fs::read(d.join("new/f")).unwrap(), b"x");
    fs::remove_dir_all(&d).unwrap();
}

#[test]
fn landing_swaps_out_what_is_there_and_puts_a_directory_back() {
    let d = scratch("land");
    let new = |name: &str| {
        let p = d.join(name);
        fs::write(&p, "new").unwrap();
        p
    };
    // Nothing there, a file, a link (replaced, its target untouched).
    land(&new(".t1"), &d.join("f")).unwrap();
    fs::write(d.join("g"), "old").unwrap();
    land(&new(".t2"), &d.join("g")).unwrap();
    symlink(d.join("g"), d.join("l")).unwrap();
    land(&new(".t3"), &d.join("l")).unwrap();
    for f in ["f", "g", "l"] {
        assert_eq!(fs::read(d.join(f)).unwrap(), b"new");
    }
    assert!(!fs::symlink_metadata(d.join("l")).unwrap().is_symlink());
    // A directory that appeared in the file's place stays, and the write is refused.
    fs::create_dir(d.join("dir")).unwrap();
    fs::write(d.join("dir/inside"), "x").unwrap();
    let tmp = new(".t4");
    let e = land(&tmp, &d.join("dir")).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(EISDIR));
    assert_eq!(fs::read(d.join("dir/inside")).unwrap(), b"x");
    assert_eq!(fs::read(&tmp).unwrap(), b"new");
    fs::remove_file(&tmp).unwrap();
    let mut left: Vec<_> = fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["dir", "f", "g", "l"], "no temporary left");
    fs::remove_dir_all(&d).unwrap();
}
