//! Files on a real engine: write/read round trips (binary, 50 MB), parents, errors,
//! listings, push/pull of trees with modes and mtimes, the `docker cp` destination rules,
//! and a hostile container that tries to make `pull` write outside its destination.

#[path = "../common/mod.rs"]
mod common;

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use common::*;
use pocketdock::{ErrorKind, FileKind, RunOptions};

/// Runs `cmd` (sh) in the sandbox, asserting success; returns stdout.
pub(crate) async fn sh(s: &Sandbox, cmd: &str) -> String {
    let r = s.run(cmd, &RunOptions::default()).await.unwrap();
    assert_eq!(r.exit_code, 0, "{cmd}: {}", r.stderr_text());
    r.stdout_text()
}

pub(crate) async fn sh_as_root(s: &Sandbox, cmd: &str) -> String {
    let o = RunOptions {
        user: Some("0".into()),
        ..Default::default()
    };
    let r = s.run(cmd, &o).await.unwrap();
    assert_eq!(r.exit_code, 0, "{cmd}: {}", r.stderr_text());
    r.stdout_text()
}

/// Deterministic bytes that are not all alike (a 64-bit LCG's high bytes).
pub(crate) fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 56) as u8
        })
        .collect()
}

fn set_mtime(p: &Path, secs: u64) {
    fs::File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_modified(UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

#[tokio::test]
async fn write_and_read_round_trip_text_binary_and_empty() {
    let s = sandbox().await;
    s.write_file("/home/sandbox/hello.txt", b"hello\n")
        .await
        .unwrap();
    assert_eq!(sh(&s, "cat /home/sandbox/hello.txt").await, "hello\n");
    assert_eq!(
        s.read_file("/home/sandbox/hello.txt").await.unwrap(),
        b"hello\n"
    );

    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    s.write_file("/tmp/bin.dat", &binary).await.unwrap();
    assert_eq!(s.read_file("/tmp/bin.dat").await.unwrap(), binary);
    assert_eq!(sh(&s, "wc -c < /tmp/bin.dat").await.trim(), "70000");

    s.write_file("/tmp/empty", b"").await.unwrap();
    assert_eq!(s.read_file("/tmp/empty").await.unwrap(), b"");

    // Replacing keeps the new content only; owner is the image's user, mode 0644.
    s.write_file("/home/sandbox/hello.txt", b"second")
        .await
        .unwrap();
    assert_eq!(
        s.read_file("/home/sandbox/hello.txt").await.unwrap(),
        b"second"
    );
    let stat = sh(
        &s,
        "stat -c '%U:%G %a' /home/sandbox/hello.txt /tmp/bin.dat",
    )
    .await;
    assert_eq!(stat, "sandbox:sandbox 644\nsandbox:sandbox 644\n");
    // ...so code in the sandbox can change what it was given.
    sh(&s, "echo more >> /home/sandbox/hello.txt").await;

    // Relative paths start at the working directory, on both engines.
    s.write_file("rel/note.txt", b"rel").await.unwrap();
    assert_eq!(sh(&s, "cat /home/sandbox/rel/note.txt").await, "rel");
    assert_eq!(s.read_file("rel/note.txt").await.unwrap(), b"rel");
    // Names that need escaping in a URL, and names longer than a tar header holds.
    let odd = "/tmp/odd dir/ä ö & 100% #1?=x+y.txt";
    s.write_file(odd, b"odd").await.unwrap();
    assert_eq!(s.read_file(odd).await.unwrap(), b"odd");
    let listed = s.list_files("/tmp/odd dir").await.unwrap();
    assert_eq!(listed[0].name, "ä ö & 100% #1?=x+y.txt");
    let long = format!("/tmp/{}/{}.txt", "d".repeat(120), "f".repeat(150));
    s.write_file(&long, b"long").await.unwrap();
    assert_eq!(s.read_file(&long).await.unwrap(), b"long");
    assert_eq!(sh(&s, &format!("cat '{long}'")).await, "long");
    // Symlinks are followed on read.
    sh(&s, "ln -s /home/sandbox/rel/note.txt /tmp/link").await;
    assert_eq!(s.read_file("/tmp/link").await.unwrap(), b"rel");
}

#[tokio::test]
async fn a_50_mb_file_round_trips_intact() {
    let s = sandbox().await;
    let data = noise(50 * 1024 * 1024);
    s.write_file("/tmp/big/blob.bin", &data).await.unwrap();
    assert_eq!(
        sh(&s, "wc -c < /tmp/big/blob.bin").await.trim(),
        data.len().to_string()
    );
    let back = s.read_file("/tmp/big/blob.bin").await.unwrap();
    assert_eq!(back.len(), data.len());
    assert!(back == data, "50 MB must come back byte for byte");
}

#[tokio::test]
async fn missing_parents_are_created_and_existing_ones_left_alone() {
    let s = sandbox().await;
    let before = sh(&s, "stat -c '%a %U %Y' /tmp /home/sandbox").await;
    s.write_file("/home/sandbox/a/b/c/deep.txt", b"deep")
        .await
        .unwrap();
    s.write_file("/tmp/x/y.txt", b"y").await.unwrap();
    assert_eq!(sh(&s, "cat /home/sandbox/a/b/c/deep.txt").await, "deep");
    let dirs = sh(
        &s,
        "stat -c '%F %a %U' /home/sandbox/a /home/sandbox/a/b/c /tmp/x",
    )
    .await;
    assert_eq!(
        dirs,
        "directory 755 sandbox\ndirectory 755 sandbox\ndirectory 755 sandbox\n"
    );
    // The existing ancestors keep their mode and owner (and /tmp stays 1777).
    let after = sh(&s, "stat -c '%a %U %Y' /tmp /home/sandbox").await;
    let keep = |t: &str| {
        t.lines()
            .map(|l| l.rsplit_once(' ').unwrap().0.to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(keep(&after), keep(&before));
    assert!(after.starts_with("1777 root"), "{after}");
    // The sandbox user can work in the created directories.
    sh(&s, "touch /home/sandbox/a/b/c/mine").await;
}

pub(crate) fn kind<T: std::fmt::Debug>(r: pocketdock::Result<T>) -> ErrorKind {
    r.unwrap_err().kind()
}

#[tokio::test]
async fn errors_name_what_is_wrong() {
    let s = sandbox().await;
    assert_eq!(
        kind(s.read_file("/home/sandbox").await),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(s.read_file("/nope/missing").await),
        ErrorKind::FileNotFound
    );
    let e = s.read_file("/tmp/missing.txt").await.unwrap_err();
    assert!(e.to_string().contains("/tmp/missing.txt"), "{e}");
    assert_eq!(
        kind(s.read_file("/dev/null").await),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(s.write_file("/tmp", b"x").await),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(s.write_file("/tmp/dir/", b"x").await),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(s.write_file("", b"x").await),
        ErrorKind::InvalidArgument
    );
    // A file in the way of a parent.
    s.write_file("/tmp/plain", b"x").await.unwrap();
    let e = s.write_file("/tmp/plain/sub/f", b"x").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert_eq!(
        kind(s.list_files("/tmp/plain").await),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(s.list_files("/no/such/dir").await),
        ErrorKind::FileNotFound
    );
    let host = HostDir::new("errors");
    assert_eq!(
        kind(s.pull("/no/such", host.join("x")).await),
        ErrorKind::FileNotFound
    );
    assert_eq!(
        kind(s.push(host.join("no-such"), "/tmp/x").await),
        ErrorKind::FileNotFound
    );
    // A container removed behind our back is "gone", not a missing file.
    force_remove(s.name());
    assert_eq!(
        kind(s.read_file("/tmp/plain").await),
        ErrorKind::ContainerGone
    );
    assert_eq!(
        kind(s.write_file("/tmp/p", b"x").await),
        ErrorKind::ContainerGone
    );
}

#[tokio::test]
async fn listing_gives_names_kinds_sizes_and_modes() {
    let s = sandbox().await;
    sh(
        &s,
        "mkdir -p /tmp/l/sub/deeper && printf 12345 > /tmp/l/five && \
         printf '#!/bin/sh\\n' > /tmp/l/run.sh && chmod 755 /tmp/l/run.sh && \
         ln -s /etc /tmp/l/etc-link && echo x > /tmp/l/sub/deeper/hidden && \
         mkfifo /tmp/l/pipe && ln -s /tmp/l /tmp/l-link",
    )
    .await;
    let got: Vec<_> = s
        .list_files("/tmp/l")
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.name, e.kind, e.size, e.mode))
        .collect();
    let want = vec![
        ("etc-link".to_string(), FileKind::Symlink, 0, 0o777),
        ("five".to_string(), FileKind::File, 5, 0o644),
        ("pipe".to_string(), FileKind::Other, 0, 0o644),
        ("run.sh".to_string(), FileKind::File, 10, 0o755),
        ("sub".to_string(), FileKind::Dir, 0, 0o755),
    ];
    assert_eq!(got, want);
    // Through a symlink, and relative to the working directory.
    assert_eq!(s.list_files("/tmp/l-link").await.unwrap().len(), 5);
    let home = s.list_files(".").await.unwrap();
    assert!(home
        .iter()
        .any(|e| e.name == ".bashrc" && e.kind == FileKind::File));
    assert!(!home
        .iter()
        .any(|e| e.name == "." || e.name == ".." || e.name.is_empty()));
    let root = s.list_files("/").await.unwrap();
    assert!(root
        .iter()
        .any(|e| e.name == "etc" && e.kind == FileKind::Dir));
    assert!(!root.iter().any(|e| e.name.contains('/')));
}

#[tokio::test]
async fn files_work_on_a_stopped_container() {
    let s = sandbox().await;
    s.write_file("/tmp/before.txt", b"before").await.unwrap();
    let (status, _) = raw("POST", &format!("/containers/{}/stop?t=0", s.name()));
    assert!(status == 204 || status == 304, "stop: {status}");
    s.write_file("/tmp/new/after.txt", b"after").await.unwrap();
    assert_eq!(s.read_file("/tmp/before.txt").await.unwrap(), b"before");
    let names: Vec<_> = s
        .list_files("/tmp")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(names.contains(&"before.txt".to_string()) && names.contains(&"new".to_string()));
    let h = HostDir::new("stopped");
    s.pull("/tmp/new", h.join("new")).await.unwrap();
    assert_eq!(fs::read(h.join("new/after.txt")).unwrap(), b"after");
    s.push(h.join("new"), "/tmp/pushed").await.unwrap();
    assert_eq!(
        s.read_file("/tmp/pushed/after.txt").await.unwrap(),
        b"after"
    );
}

#[tokio::test]
async fn files_need_no_shell_in_the_image() {
    // An image with one static binary and nothing else: no shell, no ls, no /etc/passwd.
    // (Such a container only runs with the agent as its PID 1.)
    let s = sandbox_with(pocketdock::ContainerOptions {
        image: "pocketdock/test-no-shell".into(),
        agent: true,
        ..opts()
    })
    .await;
    s.write_file("/data/in/note.txt", b"no shell")
        .await
        .unwrap();
    assert_eq!(s.read_file("/data/in/note.txt").await.unwrap(), b"no shell");
    let root: Vec<_> = s
        .list_files("/")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(root.contains(&"busybox".to_string()) && root.contains(&"data".to_string()));
    let h = HostDir::new("noshell");
    fs::write(h.join("up.txt"), "up").unwrap();
    s.push(h.join("up.txt"), "/data/in/").await.unwrap();
    s.pull("/data", h.join("back")).await.unwrap();
    assert_eq!(fs::read(h.join("back/in/note.txt")).unwrap(), b"no shell");
    assert_eq!(fs::read(h.join("back/in/up.txt")).unwrap(), b"up");
}

/// A host tree: `proj/run.sh` (0755, old mtime), `proj/src/lib.txt`, `proj/link -> src`.
fn host_tree(h: &HostDir) -> PathBuf {
    let proj = h.join("proj");
    fs::create_dir_all(proj.join("src/deep")).unwrap();
    fs::write(proj.join("run.sh"), "#!/bin/sh\necho ran\n").unwrap();
    fs::set_permissions(proj.join("run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(proj.join("src/lib.txt"), "lib").unwrap();
    fs::write(proj.join("src/deep/data.bin"), noise(100_000)).unwrap();
    symlink("src", proj.join("link")).unwrap();
    set_mtime(&proj.join("run.sh"), 1_500_000_000);
    set_mtime(&proj.join("src/lib.txt"), 1_400_000_000);
    proj
}

#[tokio::test]
async fn push_and_pull_a_tree_keeping_modes_mtimes_and_links() {
    let s = sandbox().await;
    let h = HostDir::new("tree");
    let proj = host_tree(&h);
    s.push(&proj, "/home/sandbox/work/proj").await.unwrap();
    assert_eq!(sh(&s, "/home/sandbox/work/proj/run.sh").await, "ran\n");
    let st = sh(
        &s,
        "cd /home/sandbox/work/proj && stat -c '%n %a %Y %U' run.sh src/lib.txt && readlink link",
    )
    .await;
    assert_eq!(
        st,
        "run.sh 755 1500000000 sandbox\nsrc/lib.txt 644 1400000000 sandbox\nsrc\n"
    );
    assert_eq!(
        sh(&s, "stat -c %U /home/sandbox/work").await,
        "sandbox\n",
        "created parents belong to the image's user"
    );

    let back = h.join("back");
    s.pull("/home/sandbox/work/proj", &back).await.unwrap();
    let m = fs::metadata(back.join("run.sh")).unwrap();
    assert_eq!((m.mode() & 0o777, m.mtime()), (0o755, 1_500_000_000));
    assert_eq!(
        fs::metadata(back.join("src/lib.txt")).unwrap().mtime(),
        1_400_000_000
    );
    assert_eq!(
        fs::read(back.join("src/deep/data.bin")).unwrap(),
        noise(100_000)
    );
    assert_eq!(fs::read_link(back.join("link")).unwrap(), Path::new("src"));
    let out = std::process::Command::new(back.join("run.sh"))
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"ran\n", "the executable stays executable");
}

#[tokio::test]
async fn destination_rules_follow_docker_cp() {
    let s = sandbox().await;
    let h = HostDir::new("rules");
    let proj = host_tree(&h);
    let file = h.join("one.txt");
    fs::write(&file, "one").unwrap();
    sh(&s, "mkdir -p /tmp/existing").await;

    // A directory onto an existing directory nests under its own name...
    s.push(&proj, "/tmp/existing").await.unwrap();
    assert_eq!(sh(&s, "cat /tmp/existing/proj/src/lib.txt").await, "lib");
    // ...onto a missing path it becomes that path (no nesting)...
    s.push(&proj, "/tmp/fresh").await.unwrap();
    assert_eq!(sh(&s, "cat /tmp/fresh/src/lib.txt").await, "lib");
    assert_eq!(sh(&s, "test ! -e /tmp/fresh/proj && echo ok").await, "ok\n");
    // ...and with "/." only its contents go in.
    sh(&s, "mkdir /tmp/contents").await;
    s.push(format!("{}/.", proj.display()), "/tmp/contents")
        .await
        .unwrap();
    assert_eq!(sh(&s, "cat /tmp/contents/src/lib.txt").await, "lib");
    // Pushing twice into an existing directory merges rather than nesting again.
    s.push(&proj, "/tmp/existing").await.unwrap();
    assert_eq!(
        sh(&s, "test ! -e /tmp/existing/proj/proj && echo ok").await,
        "ok\n"
    );

    // A file into a directory keeps its name; onto a missing path takes the new name;
    // onto "missing/" creates the directory; onto a file replaces it.
    s.push(&file, "/tmp/existing").await.unwrap();
    s.push(&file, "/tmp/renamed.txt").await.unwrap();
    s.push(&file, "/tmp/newdir/").await.unwrap();
    s.write_file("/tmp/over.txt", b"old content").await.unwrap();
    s.push(&file, "/tmp/over.txt").await.unwrap();
    let all = "cat /tmp/existing/one.txt /tmp/renamed.txt /tmp/newdir/one.txt /tmp/over.txt";
    assert_eq!(sh(&s, all).await, "oneoneoneone");
    // A directory onto a file is refused.
    let e = s.push(&proj, "/tmp/over.txt").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");

    // The same rules on the way back.
    let into = h.join("into");
    fs::create_dir(&into).unwrap();
    s.pull("/tmp/fresh", &into).await.unwrap();
    assert_eq!(fs::read(into.join("fresh/src/lib.txt")).unwrap(), b"lib");
    s.pull("/tmp/fresh", h.join("newname")).await.unwrap();
    assert_eq!(fs::read(h.join("newname/src/lib.txt")).unwrap(), b"lib");
    s.pull("/tmp/fresh/.", &into).await.unwrap();
    assert_eq!(fs::read(into.join("src/lib.txt")).unwrap(), b"lib");
    s.pull("/tmp/renamed.txt", &into).await.unwrap();
    assert_eq!(fs::read(into.join("renamed.txt")).unwrap(), b"one");
    s.pull("/tmp/renamed.txt", h.join("a/b/c.txt"))
        .await
        .unwrap();
    assert_eq!(fs::read(h.join("a/b/c.txt")).unwrap(), b"one");
    let slash = format!("{}/", h.join("d").display());
    s.pull("/tmp/renamed.txt", &slash).await.unwrap();
    assert_eq!(fs::read(h.join("d/renamed.txt")).unwrap(), b"one");
    let e = s.pull("/tmp/fresh", h.join("a/b/c.txt")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
}

/// Every path under `dir` with its metadata, not following symlinks.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, u32, i64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p.clone());
            }
            out.push((p, m.len(), m.mode(), m.mtime()));
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn a_hostile_container_cannot_make_pull_write_outside_the_destination() {
    let s = sandbox().await;
    let h = HostDir::new("hostile");
    // On the host: a sentinel tree next to the destination, which a followed link would hit.
    let outside = h.join("outside");
    fs::create_dir_all(outside.join("victim-dir")).unwrap();
    fs::write(outside.join("victim"), "keep").unwrap();
    let dest = h.join("dest");
    fs::create_dir(&dest).unwrap();
    let o = outside.display();
    // In the container: links to the root, upwards, and to the host's sentinel path, a
    // directory whose component is a link, setuid and device files, a fifo, hard links.
    sh(
        &s,
        &format!(
            "mkdir -p /tmp/evil/d /tmp/evil/real && cd /tmp/evil && \
             ln -s / root && ln -s ../../../../../../.. up && ln -s '{o}' host && \
             ln -s '{o}/victim' victim && ln -s /tmp/evil/real d/comp && \
             echo x > real/f && printf payload > payload && chmod 4755 payload && \
             ln payload hard && mkfifo fifo"
        ),
    )
    .await;
    // As root: a device node (where the engine allows it) and a hard link to /etc/passwd.
    sh_as_root(
        &s,
        "cd /tmp/evil && (mknod dev c 1 3 2>/dev/null || true) && \
         (ln /etc/passwd passwd-link 2>/dev/null || true) && chmod 6755 payload",
    )
    .await;

    let before = snapshot(&h.0);
    let before: Vec<_> = before
        .into_iter()
        .filter(|e| !e.0.starts_with(&dest))
        .collect();
    s.pull("/tmp/evil", &dest).await.unwrap();
    // Once more into the same place (links from the first pull are now on the host), and
    // with a host link planted where the copy lands, as an earlier hostile pull could.
    s.pull("/tmp/evil", &dest).await.unwrap();
    let planted = h.join("planted");
    fs::create_dir(&planted).unwrap();
    symlink(&outside, planted.join("evil")).unwrap();
    s.pull("/tmp/evil", &planted).await.unwrap();

    let after: Vec<_> = snapshot(&h.0)
        .into_iter()
        .filter(|e| !e.0.starts_with(&dest) && !e.0.starts_with(&planted))
        .collect();
    assert_eq!(after, before, "nothing outside the destinations may change");
    assert_eq!(fs::read(outside.join("victim")).unwrap(), b"keep");
    assert_eq!(fs::read_dir(outside.join("victim-dir")).unwrap().count(), 0);

    for base in [dest.join("evil"), planted.join("evil")] {
        let kind = |n: &str| fs::symlink_metadata(base.join(n)).map(|m| m.file_type());
        assert!(kind("root").unwrap().is_symlink());
        assert!(kind("up").unwrap().is_symlink());
        assert!(kind("host").unwrap().is_symlink());
        assert!(kind("d/comp").unwrap().is_symlink());
        assert!(kind("dev").is_err(), "no device node is created");
        assert!(kind("fifo").is_err(), "no fifo is created");
        assert_eq!(fs::read(base.join("real/f")).unwrap(), b"x\n");
        let payload = fs::metadata(base.join("payload")).unwrap();
        assert_eq!(payload.mode() & 0o7777, 0o755, "setuid/setgid dropped");
        assert_eq!(fs::read(base.join("hard")).unwrap(), b"payload");
    }
    // The planted link was replaced by a real directory, not written through.
    assert!(fs::symlink_metadata(planted.join("evil")).unwrap().is_dir());
}

mod edges;
