//! The loopback HTTP listeners: artifact downloads (`GET /artifacts/<session>/<token>/<path>`,
//! streamed from the sandbox as `cat` writes it, never held whole in memory) and, when
//! asked, MCP itself over streamable HTTP (rmcp's tower service on hyper).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use pocketdock::{RunOptions, StreamEvent, StreamKind};
use tokio::net::TcpListener;

use super::artifacts::mime_of;
use super::manager::Manager;
use super::validate;

type Body = BoxBody<Bytes, std::io::Error>;

/// Binds 127.0.0.1:`port` (0: any free port).
pub async fn bind(port: u16) -> Result<(TcpListener, SocketAddr), String> {
    let l = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("listening on 127.0.0.1:{port}: {e}"))?;
    let addr = l.local_addr().map_err(|e| e.to_string())?;
    Ok((l, addr))
}

/// Serves downloads until the process ends.
pub async fn serve_artifacts(listener: TcpListener, mgr: Arc<Manager>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let mgr = mgr.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let mgr = mgr.clone();
                async move { Ok::<_, Infallible>(download(&mgr, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let body = Full::new(Bytes::from(format!("{text}\n")))
        .map_err(|never| match never {})
        .boxed();
    let mut r = Response::new(body);
    *r.status_mut() = status;
    r.headers_mut().insert(
        "content-type",
        "text/plain; charset=utf-8".parse().expect("valid"),
    );
    r
}

/// Equal in time whatever the inputs (for the token).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

async fn download(mgr: &Manager, req: Request<Incoming>) -> Response<Body> {
    if req.method() != hyper::Method::GET && req.method() != hyper::Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET");
    }
    let raw = req.uri().path().to_owned();
    let Some(rest) = raw.strip_prefix("/artifacts/") else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    let mut parts = rest.splitn(3, '/');
    let (Some(id), Some(token), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    let Ok(path) = percent_encoding::percent_decode_str(path).decode_utf8() else {
        return plain(StatusCode::BAD_REQUEST, "the path is not UTF-8");
    };
    let path = match validate::relative_path(&path, "path") {
        Ok(p) => p,
        Err(e) => return plain(StatusCode::BAD_REQUEST, &e),
    };
    // One answer for a wrong session and a wrong token: nothing to learn by probing.
    let sess = match mgr.get(id) {
        Ok(s) if same(&s.token, token) => s,
        _ => return plain(StatusCode::NOT_FOUND, "no such artifact (or a wrong token)"),
    };
    let full = format!("{}/{path}", mgr.cfg.data_dir);
    let stat = vec![
        "stat".into(),
        "-L".into(),
        "-c".into(),
        "%s %F".into(),
        "--".into(),
        full.clone(),
    ];
    let size = match sess.container.run_argv(stat, RunOptions::default()).await {
        Ok(r) if r.exit_code == 0 => {
            let out = r.stdout_text();
            match out.trim().split_once(' ') {
                Some((n, "regular file")) | Some((n, "regular empty file")) => {
                    n.parse::<u64>().ok()
                }
                _ => None,
            }
        }
        _ => None,
    };
    let Some(size) = size else {
        return plain(StatusCode::NOT_FOUND, "no such artifact");
    };
    if size > mgr.cfg.max_download {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the file is over the download limit",
        );
    }
    sess.touch();
    let mut resp = if req.method() == hyper::Method::HEAD {
        Response::new(
            Full::new(Bytes::new())
                .map_err(|never| match never {})
                .boxed(),
        )
    } else {
        let opts = RunOptions {
            max_output: usize::try_from(size)
                .unwrap_or(usize::MAX)
                .saturating_add(1),
            timeout: Some(std::time::Duration::from_secs(3600)),
            ..Default::default()
        };
        let argv = vec!["cat".into(), "--".into(), full];
        let run = match sess.container.run_stream_argv(argv, &opts).await {
            Ok(s) => s,
            Err(e) => return plain(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
        // Each chunk of stdout becomes a frame as it arrives.
        let frames = stream::unfold(run, |mut run| async move {
            loop {
                match run.next().await? {
                    Ok(StreamEvent::Output(c)) if c.stream == StreamKind::Stdout => {
                        return Some((Ok(Frame::data(Bytes::from(c.data))), run))
                    }
                    Ok(StreamEvent::Output(_)) => continue,
                    Ok(StreamEvent::Exit(r)) if r.exit_code == 0 => return None,
                    Ok(StreamEvent::Exit(r)) => {
                        let e = std::io::Error::other(format!("cat ended with {}", r.exit_code));
                        return Some((Err(e), run));
                    }
                    Err(e) => return Some((Err(std::io::Error::other(e.to_string())), run)),
                }
            }
        });
        Response::new(BodyExt::boxed(StreamBody::new(frames)))
    };
    let h = resp.headers_mut();
    h.insert(
        "content-type",
        mime_of(&path)
            .parse()
            .expect("a mime type is a valid header"),
    );
    h.insert("content-length", size.into());
    h.insert("x-content-type-options", "nosniff".parse().expect("valid"));
    resp
}

/// Serves MCP over streamable HTTP at /mcp until `stop` is cancelled.
pub async fn serve_mcp(
    listener: TcpListener,
    mgr: Arc<Manager>,
    stop: tokio_util::sync::CancellationToken,
) {
    use rmcp::transport::streamable_http_server::{
        session::local::LocalSessionManager, StreamableHttpServerConfig, StreamableHttpService,
    };
    let config = StreamableHttpServerConfig::default().with_cancellation_token(stop.child_token());
    let service = StreamableHttpService::new(
        move || Ok(super::tools::Tools::new(mgr.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = stop.cancelled() => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let svc = hyper_util::service::TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}
