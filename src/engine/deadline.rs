//! The request deadline: how long the engine may stay silent on a request before the call
//! is a [`Error::Timeout`] naming it. The funnel (`request.rs`, `hijack.rs`) applies it to
//! every request, once; the rule (docs/engines.md, "Request deadline"):
//!
//! - the response head must arrive within the limit of the request going out (for a
//!   streamed upload: of the engine last taking a chunk of it, so a long upload is never cut
//!   while it moves);
//! - a body read whole (JSON answers, refusals) or streamed as data (an archive) may pause
//!   at most the limit between two pieces;
//! - a body that is a command's or a build's output (exec start, the agent channel, build
//!   progress) is not limited after its head: silence there is the command's, and the run's
//!   own timeout bounds it.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tokio::time::Instant;

use crate::error::{Error, Result};

/// The default request deadline. Generous: Podman under load has been seen taking more
/// than 10 s to answer a ping, and a forced removal or an image load can take tens of
/// seconds; what it must catch is an engine that never answers (seen hanging for 590 s).
pub(crate) const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Requests are named in messages by method and path, cut to this many bytes (a path in a
/// container may be 4 KiB long).
const MAX_NAMED: usize = 160;

/// One request's deadline: what it is (for the message) and how long silence may last.
#[derive(Clone, Debug)]
pub(crate) struct Deadline {
    what: Arc<str>,
    engine: Arc<str>,
    limit: Duration,
}

impl Deadline {
    pub(crate) fn new(engine: &str, method: &str, path: &str, limit: Duration) -> Deadline {
        let mut what = format!("{method} {path}");
        if what.len() > MAX_NAMED {
            let mut cut = MAX_NAMED;
            while !what.is_char_boundary(cut) {
                cut -= 1;
            }
            what.truncate(cut);
            what.push('…');
        }
        Deadline {
            what: what.into(),
            engine: engine.into(),
            limit,
        }
    }

    /// The error of a request whose answer did not begin in time.
    pub(crate) fn no_answer(&self) -> Error {
        Error::Timeout(format!(
            "the engine at {} did not answer {} within {} (the request timeout)",
            self.engine,
            self.what,
            secs(self.limit)
        ))
    }

    /// The error of an answer that stopped coming.
    pub(crate) fn stalled(&self) -> Error {
        Error::Timeout(format!(
            "the engine at {} stopped sending its answer to {} for {} (the request timeout)",
            self.engine,
            self.what,
            secs(self.limit)
        ))
    }

    /// `fut` (sending a request and reading its head) within the limit.
    pub(crate) async fn head<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        tokio::time::timeout(self.limit, fut)
            .await
            .unwrap_or_else(|_| Err(self.no_answer()))
    }

    /// `fut` within the limit of the last sign of progress on `activity` (a streamed
    /// upload: the engine taking its chunks is progress).
    pub(crate) async fn head_after<T>(
        &self,
        activity: &Activity,
        fut: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        tokio::pin!(fut);
        loop {
            let until = activity.last() + self.limit;
            tokio::select! {
                r = &mut fut => return r,
                () = tokio::time::sleep_until(until) => {
                    if activity.last() + self.limit <= Instant::now() {
                        return Err(self.no_answer());
                    }
                }
            }
        }
    }

    /// The next data of `body` (`None` at its end), if it comes within the limit.
    pub(crate) async fn next_data(&self, body: &mut Incoming) -> Result<Option<Bytes>> {
        loop {
            let frame = tokio::time::timeout(self.limit, body.frame())
                .await
                .map_err(|_| self.stalled())?;
            match frame {
                None => return Ok(None),
                Some(Err(e)) => {
                    return Err(Error::Io(std::io::Error::other(format!(
                        "reading the engine's answer to {}: {e}",
                        self.what
                    ))))
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        return Ok(Some(data));
                    }
                }
            }
        }
    }
}

/// When a streamed request last moved, shared between its body (which stamps it each time
/// the connection takes more) and the wait for the answer.
#[derive(Clone)]
pub(crate) struct Activity {
    base: Instant,
    /// Milliseconds after `base`.
    last_ms: Arc<AtomicU64>,
}

impl Activity {
    pub(crate) fn new() -> Activity {
        Activity {
            base: Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    pub(crate) fn stamp(&self) {
        let ms = u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.base + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_engine_the_request_and_the_limit() {
        let d = Deadline::new(
            "/s.sock",
            "GET",
            "/containers/json",
            Duration::from_millis(1500),
        );
        let e = d.no_answer();
        assert_eq!(e.kind(), crate::ErrorKind::Timeout);
        let m = e.to_string();
        assert!(
            m.contains("/s.sock") && m.contains("GET /containers/json"),
            "{m}"
        );
        assert!(m.contains("1.5 s"), "{m}");
        assert!(d.stalled().to_string().contains("stopped sending"));
    }

    #[test]
    fn a_long_path_is_cut_on_a_char_boundary() {
        let path = "é".repeat(4096);
        let d = Deadline::new("e", "PUT", &path, Duration::from_secs(1));
        assert!(d.what.len() <= MAX_NAMED + '…'.len_utf8());
        assert!(d.what.ends_with('…'));
    }

    #[tokio::test(start_paused = true)]
    async fn a_streamed_request_times_out_only_after_the_limit_of_silence() {
        let d = Deadline::new("e", "POST", "/build", Duration::from_secs(5));
        let activity = Activity::new();
        let a = activity.clone();
        // Progress every 4 s for 20 s, then the answer: never 5 s of silence.
        let moving = async move {
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_secs(4)).await;
                a.stamp();
            }
            Ok(7)
        };
        assert_eq!(d.head_after(&activity, moving).await.unwrap(), 7);
        let silent = Activity::new();
        let never = std::future::pending::<Result<()>>();
        let e = d.head_after(&silent, never).await.unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Timeout);
    }
}
