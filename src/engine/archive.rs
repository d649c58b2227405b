//! The engine's archive API: tar streams into and out of a container's filesystem.

use bytes::Bytes;
use hyper::Method;

use super::request::{query_escape, read_body, Subject};
use super::Engine;
use crate::error::Result;

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
}
