//! The floor for the benchmarks: the same engine operations as minimal HTTP/1.0 requests on
//! the same socket, one connection each, no library in between.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

pub fn request(socket: &Path, method: &str, path: &str, body: Option<&str>) -> (u16, Vec<u8>) {
    let body = body.unwrap_or("");
    request_bin(socket, method, path, "application/json", body.as_bytes())
}

fn json_field(body: &[u8], field: &str) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).expect("JSON answer");
    v[field].as_str().unwrap_or_default().to_owned()
}

/// Create + start; returns the id.
pub fn create(socket: &Path, image: &str, label: &str) -> String {
    let body = format!(
        r#"{{"Image":"{image}","Cmd":["sleep","infinity"],"Labels":{{"{label}":"bench"}},"HostConfig":{{"Init":true}}}}"#
    );
    let (st, b) = request(socket, "POST", "/containers/create", Some(&body));
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
    let id = json_field(&b, "Id");
    let (st, _) = request(socket, "POST", &format!("/containers/{id}/start"), None);
    assert_eq!(st, 204);
    id
}

/// Exec create + start (read to the end) + inspect for the exit code; returns raw output.
pub fn exec(socket: &Path, id: &str, argv: &[&str]) -> Vec<u8> {
    let cmd = serde_json::to_string(argv).unwrap();
    let body = format!(r#"{{"AttachStdout":true,"AttachStderr":true,"Cmd":{cmd}}}"#);
    let (st, b) = request(
        socket,
        "POST",
        &format!("/containers/{id}/exec"),
        Some(&body),
    );
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
    let exec_id = json_field(&b, "Id");
    let (_, out) = request(
        socket,
        "POST",
        &format!("/exec/{exec_id}/start"),
        Some(r#"{"Detach":false,"Tty":false}"#),
    );
    let (st, _) = request(socket, "GET", &format!("/exec/{exec_id}/json"), None);
    assert_eq!(st, 200);
    out
}

pub fn force_remove(socket: &Path, id: &str) {
    let (st, _) = request(
        socket,
        "DELETE",
        &format!("/containers/{id}?force=true&v=true"),
        None,
    );
    assert!(st == 204 || st == 200, "remove answered {st}");
}

/// One request with a binary body (e.g. a tar); returns the status and the raw body.
pub fn request_bin(
    socket: &Path,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut s = UnixStream::connect(socket).expect("connect");
    let head = format!(
        "{method} /v1.41{path} HTTP/1.0\r\nHost: d\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).expect("write");
    s.write_all(body).expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read");
    let head_end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(buf.len(), |p| p + 4);
    let status = std::str::from_utf8(&buf[..head_end.min(buf.len())])
        .ok()
        .and_then(|h| h.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, buf[head_end..].to_vec())
}
