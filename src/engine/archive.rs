//! The engine's archive API: tar streams into and out of a container's filesystem, and the
//! `HEAD` that describes one path. Bodies stream both ways; nothing here holds a whole tar.

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Method, Response};
use serde::Deserialize;

use super::request::{query_escape, read_body, said_nothing, BodyChunks, Subject};
use super::Engine;
use crate::error::{Error, Result};

/// Go's `os.FileMode` type bits, as the stat header encodes them.
const MODE_DIR: u64 = 1 << 31;
const MODE_SYMLINK: u64 = 1 << 27;
/// Every type bit of `os.FileMode` (dir, append, exclusive, temporary, symlink, device,
/// named pipe, socket, char device, irregular); none of them set means a regular file.
const MODE_TYPE: u64 = MODE_DIR
    | (1 << 30)
    | (1 << 29)
    | (1 << 28)
    | MODE_SYMLINK
    | (1 << 26)
    | (1 << 25)
    | (1 << 24)
    | (1 << 21)
    | (1 << 19);

/// What `HEAD /containers/{id}/archive` says about a path (`X-Docker-Container-Path-Stat`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PathStat {
    /// A Go `os.FileMode`: permission bits plus type bits.
    #[serde(default)]
    pub(crate) mode: u64,
    /// Bytes, for a regular file.
    #[serde(default)]
    pub(crate) size: u64,
    /// For a symlink, the absolute path it resolves to (both engines resolve it fully).
    #[serde(default)]
    pub(crate) link_target: String,
}

impl PathStat {
    pub(crate) fn is_dir(&self) -> bool {
        self.mode & MODE_DIR != 0 && self.mode & MODE_SYMLINK == 0
    }

    pub(crate) fn is_symlink(&self) -> bool {
        self.mode & MODE_SYMLINK != 0
    }

    pub(crate) fn is_regular(&self) -> bool {
        self.mode & MODE_TYPE == 0
    }
}

/// Which container a call is about: the id goes in the URL, the name in error messages.
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: &'a str,
}

impl Target<'_> {
    fn url(&self, path: &str) -> String {
        format!(
            "/containers/{}/archive?path={}",
            self.id,
            query_escape(path)
        )
    }

    fn subject<'p>(&'p self, path: &'p str) -> Subject<'p> {
        Subject::ContainerPath {
            container: self.name,
            path,
        }
    }
}

impl Engine {
    /// Extracts the tar `archive` into directory `dir` of container `id` (running or not;
    /// a path inside a volume works even on a read-only root filesystem).
    pub(crate) async fn put_archive(&self, id: &str, dir: &str, archive: Vec<u8>) -> Result<()> {
        let path = format!("/containers/{id}/archive?path={}", query_escape(dir));
        let resp = self
            .call_bytes(
                Method::PUT,
                &path,
                Some(("application/x-tar", Bytes::from(archive))),
                Subject::Container(id),
            )
            .await?;
        read_body(resp).await.map(drop)
    }

    /// Extracts a tar streamed from `chunks` into the existing directory `dir`. An entry
    /// that would replace a directory with a non-directory (or the reverse) fails the call.
    pub(crate) async fn put_archive_stream(
        &self,
        c: Target<'_>,
        dir: &str,
        chunks: BodyChunks,
    ) -> Result<()> {
        let url = format!("{}&noOverwriteDirNonDir=true", c.url(dir));
        let resp = self
            .call_stream(
                Method::PUT,
                &url,
                "application/x-tar",
                chunks,
                c.subject(dir),
            )
            .await?;
        read_body(resp).await.map(drop)
    }

    /// Starts the download of `path` as a tar; the caller reads the body incrementally.
    /// Its entries are named after the path's last component (`/` gives absolute names).
    pub(crate) async fn get_archive(
        &self,
        c: Target<'_>,
        path: &str,
    ) -> Result<Response<Incoming>> {
        self.call(Method::GET, &c.url(path), None, c.subject(path))
            .await
    }

    /// Describes `path` without following a final symlink, or `None` when it does not exist.
    pub(crate) async fn stat_path(&self, c: Target<'_>, path: &str) -> Result<Option<PathStat>> {
        let resp = match self
            .call(Method::HEAD, &c.url(path), None, c.subject(path))
            .await
        {
            Ok(resp) => resp,
            Err(Error::FileNotFound(_)) => {
                // A HEAD's 404 carries no message: it may be the container that is missing.
                self.call_unit(
                    Method::GET,
                    &format!("/containers/{}/json", c.id),
                    None,
                    Subject::Container(c.name),
                )
                .await?;
                return Ok(None);
            }
            Err(Error::Engine {
                status: 500,
                message,
            }) if said_nothing(&message) => {
                // Docker answers a path below a file (ENOTDIR) with a bare 500; only a GET
                // carries the reason. Such a path does not exist.
                return match self
                    .call(Method::GET, &c.url(path), None, c.subject(path))
                    .await
                {
                    Err(Error::Engine { message, .. }) if message.contains("not a directory") => {
                        Ok(None)
                    }
                    Err(e) => Err(e),
                    Ok(_) => Err(Error::Engine {
                        status: 500,
                        message: format!("the engine cannot describe {path}"),
                    }),
                };
            }
            Err(e) => return Err(e),
        };
        let header = resp
            .headers()
            .get("x-docker-container-path-stat")
            .ok_or_else(|| Error::internal("the engine sent no X-Docker-Container-Path-Stat"))?;
        let json = base64_decode(header.as_bytes())
            .ok_or_else(|| Error::internal("the engine sent a path stat that is not base64"))?;
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|e| Error::internal(format!("the engine sent an unexpected path stat: {e}")))
    }
}

/// Base64 (RFC 4648, padding optional) in either alphabet: Docker writes the standard one,
/// Podman the URL-safe one (`-`, `_`).
pub(crate) fn base64_decode(input: &[u8]) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    }
    let data = match input.iter().position(|&c| c == b'=') {
        Some(p) if input[p..].iter().all(|&c| c == b'=') && input.len() - p <= 2 => &input[..p],
        Some(_) => return None,
        None => input,
    };
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    for chunk in data.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | value(c)?;
        }
        acc <<= 6 * (4 - chunk.len() as u32);
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_what_go_writes() {
        assert_eq!(base64_decode(b"").unwrap(), b"");
        assert_eq!(base64_decode(b"Zg==").unwrap(), b"f");
        assert_eq!(base64_decode(b"Zm8=").unwrap(), b"fo");
        assert_eq!(base64_decode(b"Zm9v").unwrap(), b"foo");
        assert_eq!(base64_decode(b"Zm9vYg").unwrap(), b"foob");
        assert_eq!(base64_decode(b"+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
        assert_eq!(base64_decode(b"-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
        for bad in [&b"Zm9v!"[..], b"Z", b"Zg=x", b"Zg==="] {
            assert!(base64_decode(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn stat_header_of_each_engine_is_understood() {
        // Captured from Docker 20.10 (no isDir, empty linkTarget) and Podman 4.3.
        let docker = br#"{"name":"d","size":4096,"mode":2147484141,"mtime":"2026-01-01T00:00:00Z","linkTarget":""}"#;
        let s: PathStat = serde_json::from_slice(docker).unwrap();
        assert!(s.is_dir() && !s.is_symlink() && !s.is_regular());
        let podman_link =
            br#"{"name":"d","size":1,"mode":134218239,"isDir":true,"linkTarget":"/tmp/d"}"#;
        let s: PathStat = serde_json::from_slice(podman_link).unwrap();
        assert!(s.is_symlink() && !s.is_dir());
        assert_eq!(s.link_target, "/tmp/d");
        let file: PathStat =
            serde_json::from_slice(br#"{"name":"f","size":3,"mode":493}"#).unwrap();
        assert!(file.is_regular());
        assert_eq!(file.mode & 0o777, 0o755);
    }
}
