//! Several engines behind one pool: weights, limits, placement on the least loaded healthy
//! engine, and engines that stop answering marked down and retried with backoff.

use std::time::{Duration, Instant};

use hyper::Method;

use crate::container::{Container, ContainerOptions};
use crate::engine::request::Subject;
use crate::error::{Error, ErrorKind, Result};
use crate::Client;

/// One engine of a set.
#[derive(Debug, Clone)]
pub struct EngineEntry {
    pub client: Client,
    /// Share of the members this engine gets relative to the others (at least 1).
    pub weight: u32,
    /// Most members on this engine at once; `None`: only the pool's `max_size` bounds it.
    pub limit: Option<usize>,
}

/// The engines a pool places its members on. A single [`Client`] converts into a set of one.
#[derive(Debug, Clone, Default)]
pub struct EngineSet {
    pub(crate) entries: Vec<EngineEntry>,
}

impl EngineSet {
    /// An empty set; add engines with [`EngineSet::add`].
    pub fn new() -> EngineSet {
        EngineSet::default()
    }

    /// Adds an engine with its weight and limit.
    pub fn add(&mut self, client: Client, weight: u32, limit: Option<usize>) -> &mut EngineSet {
        self.entries.push(EngineEntry {
            client,
            weight,
            limit,
        });
        self
    }

    /// The engines, in the order they were added.
    pub fn entries(&self) -> &[EngineEntry] {
        &self.entries
    }

    /// Creates and starts one sandbox (not pooled) on the least loaded engine of the set:
    /// the one with the fewest running pocketdock containers per unit of weight, asked of
    /// each engine now, among those under their limit. An engine that does not answer is
    /// passed over, as is one whose create fails because it stopped answering; any other
    /// failure (a bad option, a missing image) is returned as it is.
    pub async fn create_container(&self, opts: &ContainerOptions) -> Result<Container> {
        Ok(self.create_placed(opts).await?.1)
    }

    /// [`EngineSet::create_container`], also saying which engine took the sandbox: its
    /// index in [`EngineSet::entries`] (bindings hand the container that engine's client).
    pub async fn create_placed(&self, opts: &ContainerOptions) -> Result<(usize, Container)> {
        self.validate()?;
        opts.validate()?;
        let listed = futures_util::future::join_all(
            self.entries.iter().map(|e| e.client.list_containers(None)),
        )
        .await;
        let mut last_err = None;
        let mut slots: Vec<Slot> = Vec::new();
        for (e, l) in self.entries.iter().zip(listed) {
            let running = match l {
                Ok(l) => Some(l.iter().filter(|c| c.status == "running").count()),
                Err(err) => {
                    last_err = Some(err);
                    None
                }
            };
            slots.push(Slot {
                weight: e.weight,
                limit: e.limit,
                up: running.is_some(),
                members: running.unwrap_or(0),
            });
        }
        while let Some(i) = place(&slots) {
            match self.entries[i].client.create_container(opts).await {
                Ok(c) => return Ok((i, c)),
                Err(e)
                    if engine_unreachable(&e) && probe(&self.entries[i].client).await.is_err() =>
                {
                    slots[i].up = false;
                    last_err = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_err.unwrap_or_else(|| {
            Error::InvalidState("every engine of the set is at its limit".into())
        }))
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.entries.is_empty() {
            return Err(Error::invalid("an engine set needs at least one engine"));
        }
        if self.entries.iter().any(|e| e.weight == 0) {
            return Err(Error::invalid("an engine's weight must be at least 1"));
        }
        if self.entries.iter().any(|e| e.limit == Some(0)) {
            return Err(Error::invalid("an engine's limit must be at least 1"));
        }
        Ok(())
    }
}

impl From<Client> for EngineSet {
    fn from(client: Client) -> EngineSet {
        let mut s = EngineSet::new();
        s.add(client, 1, None);
        s
    }
}

impl From<&Client> for EngineSet {
    fn from(client: &Client) -> EngineSet {
        EngineSet::from(client.clone())
    }
}

/// Whether an error says the engine itself did not answer (as opposed to refusing a request).
pub(crate) fn engine_unreachable(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Io | ErrorKind::EngineNotFound | ErrorKind::Timeout
    )
}

/// Up or down, and when to ask a down engine again.
#[derive(Debug, Clone, Default)]
pub(crate) struct Health {
    /// `Some` while down: when it may be probed next.
    retry_at: Option<Instant>,
    /// Failures since the last member created there: the backoff grows with them, so an
    /// engine that answers pings but fails every create (a missing image) is asked ever
    /// more rarely.
    failures: u32,
    /// A probe is in flight.
    pub(crate) probing: bool,
    /// Why it was last marked down, for messages.
    pub(crate) reason: Option<String>,
}

/// The first wait before a down engine is asked again; doubled per failure up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

impl Health {
    /// Whether members may be placed on it.
    pub(crate) fn is_up(&self) -> bool {
        self.retry_at.is_none()
    }

    pub(crate) fn mark_down(&mut self, why: &Error) {
        let backoff = FIRST_BACKOFF
            .saturating_mul(1 << self.failures.min(6))
            .min(MAX_BACKOFF);
        self.failures += 1;
        self.retry_at = Some(Instant::now() + backoff);
        self.reason = Some(why.to_string());
    }

    /// It answered a probe: placements may try it again (the backoff is kept until a
    /// member is created there).
    pub(crate) fn mark_answering(&mut self) {
        self.retry_at = None;
    }

    /// A member was created there.
    pub(crate) fn mark_good(&mut self) {
        *self = Health::default();
    }

    /// When a probe is due, if the engine is down and none is in flight.
    pub(crate) fn probe_due(&self) -> Option<Instant> {
        self.retry_at.filter(|_| !self.probing)
    }
}

/// Asks an engine whether it answers at all.
pub(crate) async fn probe(client: &Client) -> Result<()> {
    client
        .engine()
        .call_unit(Method::GET, "/_ping", None, Subject::Engine)
        .await
}

/// What placement needs to know about one engine.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub(crate) weight: u32,
    pub(crate) limit: Option<usize>,
    pub(crate) up: bool,
    /// Its members: idle, in use and being created.
    pub(crate) members: usize,
}

/// The engine a new member goes to: among those up and under their limit, the one with the
/// fewest members per unit of weight (the first such on a tie); `None` when none can take one.
pub(crate) fn place(slots: &[Slot]) -> Option<usize> {
    let load = |s: &Slot| s.members as f64 / f64::from(s.weight.max(1));
    slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.up && s.limit.is_none_or(|l| s.members < l))
        .min_by(|(_, a), (_, b)| load(a).total_cmp(&load(b)))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(weight: u32, limit: Option<usize>, up: bool, members: usize) -> Slot {
        Slot {
            weight,
            limit,
            up,
            members,
        }
    }

    #[test]
    fn placement_goes_to_the_least_loaded_healthy_engine_under_its_limit() {
        assert_eq!(
            place(&[slot(1, None, true, 2), slot(1, None, true, 1)]),
            Some(1)
        );
        // Weight 3 takes three members for every one of weight 1.
        assert_eq!(
            place(&[slot(1, None, true, 1), slot(3, None, true, 2)]),
            Some(1)
        );
        assert_eq!(
            place(&[slot(1, None, true, 1), slot(3, None, true, 3)]),
            Some(0)
        );
        assert_eq!(
            place(&[slot(1, None, false, 0), slot(1, None, true, 5)]),
            Some(1)
        );
        assert_eq!(
            place(&[slot(1, Some(2), true, 2), slot(1, None, true, 5)]),
            Some(1)
        );
        assert_eq!(
            place(&[slot(1, Some(2), true, 2), slot(1, None, false, 0)]),
            None
        );
        // A tie goes to the first.
        assert_eq!(
            place(&[slot(1, None, true, 1), slot(1, None, true, 1)]),
            Some(0)
        );
    }

    #[test]
    fn a_down_engine_is_retried_later_each_time() {
        let mut h = Health::default();
        assert!(h.is_up());
        let e = Error::Io(std::io::Error::other("refused"));
        assert!(engine_unreachable(&e));
        h.mark_down(&e);
        let first = h.probe_due().unwrap();
        h.mark_down(&e);
        assert!(h.probe_due().unwrap() > first && !h.is_up());
        h.mark_answering();
        assert!(h.is_up());
        h.mark_down(&e);
        assert!(
            h.probe_due().unwrap() > first,
            "the backoff is kept until a create works"
        );
        h.mark_good();
        assert!(h.is_up() && h.reason.is_none());
        assert!(!engine_unreachable(&Error::ImageNotFound("x".into())));
    }
}
