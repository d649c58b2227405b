//! Entry points for the fuzz targets in `fuzz/` (docs/fuzzing.md), compiled only with the
//! `fuzzing` feature and hidden from the docs: not part of the API. Each one drives, without
//! an engine, the code that reads what an engine, a sandbox or a file hands the library, the
//! same way the library itself does; the targets only choose the bytes and how they are split.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::agent::conn::{route, Pending};
use crate::agent::wire::{FrameBuf, Msg};
use crate::engine::frames::FrameDecoder;
use crate::engine::hijack::{head_end, head_status, StreamBody};
use crate::engine::models;
use crate::engine::request::{engine_message, judge, map_status, Subject};
use crate::exec::agent_run::{exit_result, stream_kind};
use crate::exec::result::CappedOutput;
use crate::files::unpack::{self, Top};
pub use crate::StreamKind;

/// Splits `input` at the positions `cuts` names (each taken modulo what is left), as reads
/// from a socket would: a decoder must give the same result however its input is cut.
pub fn pieces<'a>(mut input: &'a [u8], cuts: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    for &c in cuts {
        if input.is_empty() {
            break;
        }
        let n = usize::from(c) % (input.len() + 1);
        let (head, rest) = input.split_at(n);
        out.push(head);
        input = rest;
    }
    out.push(input);
    out
}

/// The engine's multiplexed stdout/stderr decoder, fed `chunks` in order.
pub fn demux(chunks: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
    crate::engine::frames::decode_all(chunks)
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}

/// What the library made of an engine's answer.
#[derive(Debug, Default)]
pub struct EngineAnswer {
    /// The error the answer became (the request funnel's `judge` and `map_status`).
    pub error: Option<String>,
    /// Demultiplexed stdout and stderr, when the answer was read as an exec's stream.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Sends one request on an HTTP/1 connection whose peer answers `response` (written in
/// `chunks`, then the connection closes), and reads the answer as the library does: the
/// funnel's verdict, then either the exec stream (response body or upgraded connection,
/// through the frame decoder: `as_stream`) or the whole body as a container's JSON.
pub fn engine_answer(chunks: &[&[u8]], as_stream: bool) -> EngineAnswer {
    let chunks: Vec<Vec<u8>> = chunks.iter().map(|c| c.to_vec()).collect();
    runtime().block_on(async move {
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        let engine = tokio::spawn(async move {
            let mut req = [0u8; 1024];
            let _ = server.read(&mut req).await;
            for c in chunks {
                if server.write_all(&c).await.is_err() {
                    return;
                }
            }
            let _ = server.shutdown().await;
        });
        let mut answer = EngineAnswer::default();
        match request(client, as_stream, &mut answer).await {
            Ok(()) => {}
            Err(e) => answer.error = Some(e.to_string()),
        }
        let _ = engine.await;
        answer
    })
}

async fn request(
    io: tokio::io::DuplexStream,
    as_stream: bool,
    answer: &mut EngineAnswer,
) -> crate::Result<()> {
    let io_err = |e: hyper::Error| crate::Error::Io(std::io::Error::other(e));
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(io_err)?;
    tokio::spawn(conn.with_upgrades());
    let req = hyper::Request::post("http://d/v1.41/exec/x/start")
        .body(http_body_util::Full::new(Bytes::new()))
        .map_err(crate::Error::internal)?;
    let resp = sender.send_request(req).await.map_err(io_err)?;
    let resp = judge(resp, Subject::Exec("x")).await?;
    if as_stream {
        let mut body = StreamBody::of(resp).await?;
        let mut d = FrameDecoder::new();
        while let Some(chunk) = body.chunk().await {
            d.feed(&chunk?, |k, b| match k {
                StreamKind::Stdout => answer.stdout.extend_from_slice(b),
                StreamKind::Stderr => answer.stderr.extend_from_slice(b),
            });
        }
    } else {
        let body = crate::engine::request::read_body(resp).await?;
        let _ = engine_json(0, &body);
    }
    Ok(())
}

/// The hand-read response head of an upgraded exec (`Engine::hijack`): where it ends and its
/// status, then the error a refusal becomes.
pub fn hijack_head(buf: &[u8]) -> Option<(u16, usize)> {
    let end = head_end(buf)?;
    let status = head_status(&buf[..end]);
    if status != 101 && status != 200 {
        let _ = map_status(
            status,
            engine_message(status, &buf[end..]),
            Subject::Exec("x"),
        );
    }
    Some((status, end))
}

/// Decodes `json` as the engine document `kind` selects and uses it as the library does.
/// `Err` is the decode error the library would report.
pub fn engine_json(kind: u8, json: &[u8]) -> Result<(), String> {
    let e = |e: serde_json::Error| e.to_string();
    match kind % 9 {
        0 => {
            let doc: models::ContainerInspect = serde_json::from_slice(json).map_err(e)?;
            let _ = (
                doc.bare_name(),
                doc.label("pocketdock.test"),
                doc.config.user(),
            );
            let _ = doc.state.started().map(crate::info::parse_rfc3339);
            let _ = (
                doc.network_settings.ip(),
                crate::info::ports(&doc.network_settings),
            );
        }
        1 => {
            let doc: Vec<models::ContainerSummary> = serde_json::from_slice(json).map_err(e)?;
            doc.iter().for_each(|c| {
                let _ = c.name();
            });
        }
        2 => {
            let (a, b): (models::Stats, models::Stats) = serde_json::from_slice(json).map_err(e)?;
            let _ = (crate::info::cpu_percent(&a, &b), b.memory_stats.used());
        }
        3 => {
            serde_json::from_slice::<models::Top>(json).map_err(e)?;
        }
        4 => {
            serde_json::from_slice::<models::ExecInspect>(json).map_err(e)?;
        }
        5 => {
            serde_json::from_slice::<models::ImageInspect>(json).map_err(e)?;
        }
        6 => {
            // Build and load answers: one document per line; a bad line is skipped.
            for line in json.split(|&b| b == b'\n') {
                if let Ok(l) = serde_json::from_slice::<models::ProgressLine>(line) {
                    let _ = l.failure();
                }
            }
        }
        7 => {
            engine_message(500, json);
        }
        _ => {
            // The archive API's path stat: base64 of a JSON document, in a header.
            let raw = crate::engine::archive::base64_decode(json).ok_or("not base64")?;
            let s: crate::engine::archive::PathStat = serde_json::from_slice(&raw).map_err(e)?;
            let _ = (s.is_dir(), s.is_symlink(), s.is_regular());
        }
    }
    Ok(())
}

/// What the client made of the agent's side of the channel.
#[derive(Debug, Default)]
pub struct AgentReplies {
    /// Frames routed to a waiting request, in order.
    pub routed: Vec<Msg>,
    /// The protocol error that ended the channel, if any.
    pub error: Option<String>,
}

/// The client's reader of the agent channel (`AgentConn`): the relay's multiplexed stream
/// (`chunks`, as read) through the frame decoder and `FrameBuf` to the requests waiting
/// under ids 0..4, then what the callers do with each frame: a run's output under its cap
/// and its exit, a detached process's listing and read cursor, a session's framing.
pub fn agent_replies(chunks: &[&[u8]], from: [u64; 2]) -> AgentReplies {
    let routes: Pending = Arc::new(Mutex::new(HashMap::new()));
    let mut receivers = Vec::new();
    for id in 0..4 {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        routes.lock().expect("fresh").insert(id, tx);
        receivers.push(rx);
    }
    let mut demux = FrameDecoder::new();
    let mut frames = FrameBuf::default();
    let mut out = AgentReplies::default();
    for c in chunks {
        demux.feed(c, |kind, bytes| {
            if kind == StreamKind::Stdout {
                frames.push(bytes);
            }
        });
        if let Err(e) = route(&routes, &mut frames) {
            out.error = Some(e.to_string());
            break;
        }
    }
    let started = std::time::Instant::now();
    let mut capped = CappedOutput::new(1024);
    let mut cursor = from;
    let mut framing = crate::agent::wire::session::Framing::new("PDFUZZ", from);
    for mut rx in receivers {
        while let Ok(m) = rx.try_recv() {
            match &m {
                Msg::Output {
                    stream,
                    offset,
                    data,
                } => {
                    capped.push(stream_kind(*stream), data);
                    let _ = crate::process::advance(&mut cursor, *stream, *offset, data.len());
                    let _ = framing.push(*stream, *offset, data);
                    let _ = framing.pieces(64);
                }
                Msg::Exit(e) => drop(exit_result(e, started)),
                Msg::Procs(list) => list.iter().for_each(|p| {
                    let _ = crate::process::info(p);
                }),
                _ => {}
            }
            out.routed.push(m);
        }
    }
    out
}

/// Which entries of a container archive belong to the copy: `top` names the copied path's
/// last component (`None`: an archive of `/`).
fn top(name: Option<&[u8]>) -> Top {
    match name {
        Some(n) => Top::Name(n.to_vec()),
        None => Top::Root,
    }
}

/// `pull`'s extraction of a container archive into `root` (which must not exist; its parent
/// must). `Err` is the error the library reports.
pub fn tar_extract(archive: &[u8], top_name: Option<&[u8]>, root: &Path) -> Result<(), String> {
    unpack::extract(archive, &top(top_name), root)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// `list_files` and `read_file` over a container archive.
pub fn tar_read(archive: &[u8], top_name: Option<&[u8]>) -> Result<(), String> {
    let t = top(top_name);
    let listed = unpack::list(archive, &t).map(drop);
    let read = unpack::read_single(archive, &t, "the file").map(drop);
    listed.and(read).map_err(|e| e.to_string())
}

/// A project's `pocketdock.yaml`, parsed and resolved as `Project::open` does.
pub fn project_config(text: &str) -> Result<crate::ProjectConfig, String> {
    crate::project::config::Layer::parse(text, Path::new("pocketdock.yaml"))
        .map(|l| l.resolve("fuzz"))
        .map_err(|e| e.to_string())
}
