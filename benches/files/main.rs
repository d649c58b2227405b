//! Benchmark of file transfers: `write_file`, `push`, `read_file` and `pull` of 1 MiB and
//! 16 MiB through pocketdock, on a sandbox with the agent (files go through its channel) and
//! one without (the archive API), next to one raw archive `PUT` / `GET` of the same bytes on
//! the same socket, in the same run. Prints medians, MB/s and the ratio raw time / library
//! time (1.0 = as fast as the raw request; the target is at least 0.9 with the agent).
//!
//!     cargo bench --bench files            # both engines started by scripts/engine-up
//!     POCKETDOCK_TEST_SOCKETS=/run/podman/podman.sock BENCH_N=10 cargo bench --bench files

#[path = "../common/raw_http.rs"]
mod raw_http;
#[path = "../common/settings.rs"]
mod settings;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pocketdock::{Client, Container, ContainerOptions};

const LABEL: &str = "pocketdock.bench";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e6
}

/// Bytes that do not compress to nothing.
fn noise(len: usize) -> Vec<u8> {
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

/// A tar holding `data` as `name`, mode 0644: what one raw archive PUT sends.
fn tar_of(name: &str, data: &[u8]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, name, data).unwrap();
    b.into_inner().unwrap()
}

struct Row {
    op: &'static str,
    agent: Vec<Duration>,
    archive: Vec<Duration>,
    raw: Vec<Duration>,
}

impl Row {
    fn new(op: &'static str) -> Row {
        Row {
            op,
            agent: Vec::new(),
            archive: Vec::new(),
            raw: Vec::new(),
        }
    }

    fn print(self, size: usize) {
        let (a, e, r) = (median(self.agent), median(self.archive), median(self.raw));
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "  {:<10} {:>3} MiB  agent {:>7.2} ms {:>6.0} MB/s | archive {:>7.2} ms {:>6.0} MB/s | raw {:>7.2} ms {:>6.0} MB/s | raw/agent {:.2}  raw/archive {:.2}",
            self.op,
            size >> 20,
            ms(a),
            mbps(size, a),
            ms(e),
            mbps(size, e),
            ms(r),
            mbps(size, r),
            ms(r) / ms(a),
            ms(r) / ms(e),
        );
    }
}

fn raw_put(socket: &Path, id: &str, tar: &[u8]) -> Duration {
    let t = Instant::now();
    let (st, body) = raw_http::request_bin(
        socket,
        "PUT",
        &format!("/containers/{id}/archive?path=/tmp"),
        "application/x-tar",
        tar,
    );
    let d = t.elapsed();
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    d
}

/// A raw archive GET, read until the archive's end marker (engines may keep an HTTP/1.0
/// connection open a while after the body, which is not the transfer's cost).
fn raw_get(socket: &Path, id: &str, path: &str, size: usize) -> Duration {
    use std::io::{Read, Write};
    let t = Instant::now();
    let mut s = std::os::unix::net::UnixStream::connect(socket).expect("connect");
    write!(
        s,
        "GET /v1.41/containers/{id}/archive?path={path} HTTP/1.0\r\nHost: d\r\n\r\n"
    )
    .unwrap();
    // Header block, the content padded to a block, and the two zero blocks that end it.
    let want = 512 + size.div_ceil(512) * 512 + 1024;
    let mut buf = vec![0u8; 256 * 1024];
    let mut got = Vec::new();
    let mut body = None;
    while body.is_none_or(|start| got.len() < start + want) {
        let n = s.read(&mut buf).expect("read");
        assert!(n > 0, "the archive ended early");
        got.extend_from_slice(&buf[..n]);
        if body.is_none() {
            body = got.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4);
        }
    }
    let d = t.elapsed();
    assert!(got.starts_with(b"HTTP/1.1 200") || got.starts_with(b"HTTP/1.0 200"));
    d
}

fn timed<T>(
    rt: &tokio::runtime::Runtime,
    f: impl std::future::Future<Output = pocketdock::Result<T>>,
) -> (Duration, T) {
    let t = Instant::now();
    let v = rt.block_on(f).expect("file operation");
    (t.elapsed(), v)
}

fn bench_size(
    rt: &tokio::runtime::Runtime,
    socket: &Path,
    c: [&Container; 2],
    size: usize,
    n: usize,
    host: &Path,
) {
    let data = noise(size);
    let tar = tar_of("raw.bin", &data);
    let src = host.join(format!("push-{size}.bin"));
    std::fs::write(&src, &data).unwrap();
    let (mut write, mut push, mut read, mut pull) = (
        Row::new("write_file"),
        Row::new("push"),
        Row::new("read_file"),
        Row::new("pull"),
    );
    for i in 0..n {
        // Interleaved, so drift in the engine hits every column alike.
        for (k, c) in c.iter().enumerate() {
            let col = |r: &mut Row, d| {
                if k == 0 {
                    r.agent.push(d)
                } else {
                    r.archive.push(d)
                }
            };
            let (d, ()) = timed(rt, c.write_file("/tmp/w.bin", &data));
            col(&mut write, d);
            let (d, ()) = timed(rt, c.push(&src, "/tmp/p.bin"));
            col(&mut push, d);
            let (d, back) = timed(rt, c.read_file("/tmp/w.bin"));
            assert_eq!(back.len(), size);
            col(&mut read, d);
            let dest = host.join(format!("pulled-{k}-{i}.bin"));
            let (d, ()) = timed(rt, c.pull("/tmp/p.bin", &dest));
            std::fs::remove_file(&dest).unwrap();
            col(&mut pull, d);
        }
        let id = c[0].id();
        let d = raw_put(socket, id, &tar);
        write.raw.push(d);
        push.raw.push(d);
        let d = raw_get(socket, id, "/tmp/raw.bin", size);
        read.raw.push(d);
        pull.raw.push(d);
    }
    for r in [write, push, read, pull] {
        r.print(size);
    }
}

/// This process's peak resident set, in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024.0
}

/// 1 GiB pushed and pulled back on both paths, with the peak RSS before and after: memory
/// must stay flat whatever the size.
fn big(rt: &tokio::runtime::Runtime, c: [&Container; 2], host: &Path) {
    let src = host.join("big.bin");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&src).unwrap());
        let block = noise(1 << 20);
        for _ in 0..1024 {
            f.write_all(&block).unwrap();
        }
    }
    for (c, path) in c.iter().zip(["agent", "archive"]) {
        let before = peak_rss_mb();
        let (up, ()) = timed(rt, c.push(&src, "/tmp/big.bin"));
        let back = host.join("big-back.bin");
        let (down, ()) = timed(rt, c.pull("/tmp/big.bin", &back));
        assert_eq!(std::fs::metadata(&back).unwrap().len(), 1 << 30);
        std::fs::remove_file(&back).unwrap();
        let _ = rt.block_on(c.run("rm -f /tmp/big.bin", &Default::default()));
        println!(
            "  1 GiB via {path:<7}  push {:>6.2} s  pull {:>6.2} s  peak RSS {before:.0} -> {:.0} MB",
            up.as_secs_f64(),
            down.as_secs_f64(),
            peak_rss_mb()
        );
    }
    std::fs::remove_file(&src).unwrap();
}

fn bench_engine(rt: &tokio::runtime::Runtime, socket: PathBuf, n: usize) {
    let client = rt
        .block_on(Client::connect_to(Some(&socket)))
        .expect("engine answers");
    let info = client.engine_info();
    println!(
        "{:?} {} on {} ({n} iterations per size)",
        info.kind,
        info.version,
        socket.display()
    );
    let make = |agent| {
        let opts = ContainerOptions {
            labels: vec![(LABEL.into(), "bench".into())],
            agent,
            ..Default::default()
        };
        rt.block_on(client.create_container(&opts)).expect("create")
    };
    let (with_agent, without) = (make(true), make(false));
    assert!(with_agent.uses_agent() && !without.uses_agent());
    let host = std::env::temp_dir().join(format!("pd-bench-files-{}", std::process::id()));
    std::fs::create_dir_all(&host).unwrap();
    // One warm-up each, so the agent channel and the engine's caches are there.
    for c in [&with_agent, &without] {
        rt.block_on(c.write_file("/tmp/warm", b"warm")).unwrap();
    }
    for size in [1 << 20, 16 << 20] {
        bench_size(rt, &socket, [&with_agent, &without], size, n, &host);
    }
    if std::env::var("BENCH_BIG").as_deref() == Ok("1") {
        big(rt, [&with_agent, &without], &host);
    }
    let _ = std::fs::remove_dir_all(&host);
    for c in [with_agent, without] {
        rt.block_on(c.shutdown()).expect("shutdown");
    }
}

fn main() {
    let n = settings::count("BENCH_N", 15);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for s in settings::sockets() {
        bench_engine(&rt, PathBuf::from(s), n);
    }
}
