//! Warm pools: sandboxes created ahead of time, handed out in milliseconds, destroyed (or,
//! by choice, recycled) when given back, spread over one engine or a set of them
//! (docs/pool.md).
//!
//! The pool's state is one mutex-held `State`; a background task (`filler.rs`) keeps
//! `min_idle` members ready, checks idle ones, and retries engines marked down. Acquirers
//! wait on `ready`, the filler on `work`.

mod engines;
mod filler;
mod member;
mod options;
mod shared;
mod stats;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::container::labels::random_name;
use crate::container::{Container, ContainerOptions};
use crate::error::{Error, Result};
use engines::Health;
pub use engines::{EngineEntry, EngineSet};
pub use options::{PoolOptions, ReleasePolicy};
use stats::Latencies;
pub use stats::PoolStats;

/// The label every member carries: the id of its pool. With the owner labels every
/// sandbox has (pid, start time, host), `doctor` and `prune` find the members of a pool
/// whose process died.
pub const LABEL_POOL: &str = "pocketdock.pool";

/// A warm pool of sandboxes. Not `Clone`: share it in an `Arc`. Dropping it without
/// [`Pool::shutdown`] starts the shutdown in the background, on the runtime it was made on
/// (which must outlive it for that to finish; members left behind are the kind `doctor`
/// finds once this process is gone).
pub struct Pool {
    shared: Arc<Shared>,
}

#[derive(Clone)]
pub(crate) struct Member {
    pub(crate) c: Container,
    pub(crate) engine: usize,
}

pub(crate) struct Shared {
    id: String,
    opts: PoolOptions,
    /// The members' options: `opts.container` plus the pool's label.
    container: ContainerOptions,
    set: EngineSet,
    state: Mutex<State>,
    /// Wakes acquirers (a member became idle, the pool closed) and a waiting shutdown.
    ready: Notify,
    /// Wakes the filler (a member was taken, given back, created, lost).
    work: Notify,
    rt: tokio::runtime::Handle,
}

#[derive(Default)]
pub(crate) struct State {
    idle: VecDeque<Member>,
    /// Handed out, by container name.
    leased: HashMap<String, Member>,
    creating: usize,
    /// Removals in flight (a shutdown waits for them).
    removing: usize,
    /// Per engine: its members (idle, leased, being created).
    members: Vec<usize>,
    health: Vec<Health>,
    /// Members on an engine that stopped answering: removed when it answers again.
    stranded: Vec<Member>,
    created: u64,
    failed: u64,
    latencies: Latencies,
    last_error: Option<String>,
    closed: bool,
    next_check: Option<Instant>,
    /// Acquirers waiting for a member: the filler creates for them too, beyond `min_idle`
    /// (up to `max_size`), so a pool with `min_idle` 0 creates on demand.
    waiting: usize,
}

impl Pool {
    /// Starts a pool on one engine (a [`Client`](crate::Client)) or an [`EngineSet`]. Returns
    /// at once; `min_idle` members are created in the background (see [`Pool::stats`]).
    /// Must be called on a tokio runtime, which runs the pool's background work.
    pub async fn new(engines: impl Into<EngineSet>, opts: PoolOptions) -> Result<Pool> {
        let set = engines.into();
        set.validate()?;
        opts.validate()?;
        let id = random_name().replacen("pd-", "pool-", 1);
        let mut container = opts.container.clone();
        container.labels.push((LABEL_POOL.into(), id.clone()));
        let n = set.entries.len();
        let shared = Arc::new(Shared {
            id,
            container,
            state: Mutex::new(State {
                members: vec![0; n],
                health: vec![Health::default(); n],
                ..State::default()
            }),
            set,
            opts,
            ready: Notify::new(),
            work: Notify::new(),
            rt: tokio::runtime::Handle::current(),
        });
        tokio::spawn(filler::run(shared.clone()));
        Ok(Pool { shared })
    }

    /// The pool's id, the value of its members' `pocketdock.pool` label.
    pub fn id(&self) -> &str {
        &self.shared.id
    }

    /// A ready sandbox, checked alive just before it is handed out (a dead one is dropped and
    /// the next tried). When none is idle, waits for one up to `timeout` (`None`: no limit;
    /// zero: do not wait), then fails with `Timeout`, saying how many are in use and why the
    /// last create failed, if one did. `InvalidState` once the pool is shut down. Give the
    /// sandbox back with [`Pool::release`].
    pub async fn acquire(&self, timeout: Option<Duration>) -> Result<Container> {
        let s = &self.shared;
        let started = Instant::now();
        let deadline = timeout.map(|t| started + t);
        loop {
            let notified = s.ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let next = {
                let mut st = s.lock();
                if st.closed {
                    return Err(Error::InvalidState(format!("pool {} is shut down", s.id)));
                }
                let m = st.idle.pop_front();
                match &m {
                    Some(m) => {
                        st.leased.insert(m.c.name().to_owned(), m.clone());
                    }
                    None => st.waiting += 1,
                }
                m
            };
            // Counted as waiting until this pass ends, however it ends (a caller's own
            // timeout around `acquire` drops it mid-wait).
            let _waiting = next.is_none().then(|| Waiting(s));
            s.work.notify_one();
            if let Some(m) = next {
                // Dropped mid-check (a caller's timeout around `acquire`), the member goes
                // back idle instead of staying counted as in use.
                let mut taken = Taken(s, Some(m.clone()));
                let checked = member::healthy(&m.c).await;
                taken.1 = None;
                match checked {
                    Ok(()) => {
                        let mut st = s.lock();
                        if st.closed {
                            // The shutdown took it meanwhile (and removes it).
                            return Err(Error::InvalidState(format!("pool {} is shut down", s.id)));
                        }
                        st.latencies.record(started.elapsed());
                        return Ok(m.c);
                    }
                    Err(e) => {
                        let down = s.engine_down(m.engine, &e).await;
                        s.lose(&m, &e, down);
                        continue;
                    }
                }
            }
            match deadline {
                None => notified.await,
                Some(d) => {
                    if tokio::time::timeout_at(d.into(), notified).await.is_err() {
                        return Err(s.exhausted(timeout.unwrap_or_default()));
                    }
                }
            }
        }
    }

    /// Gives a sandbox back. By default ([`ReleasePolicy::Destroy`]) it is removed in the
    /// background and a fresh one created in its place; with `Recycle` its processes are
    /// killed and it goes back idle. `InvalidArgument` for a sandbox this pool did not hand
    /// out, or one already released.
    pub async fn release(&self, c: Container) -> Result<()> {
        let s = &self.shared;
        let (m, closed) = {
            let mut st = s.lock();
            (st.leased.remove(c.name()), st.closed)
        };
        if m.is_none() && closed {
            return Ok(()); // the shutdown removed it
        }
        let m = m.ok_or_else(|| {
            Error::invalid(format!(
                "{} is not in use from pool {} (released twice, or from another pool)",
                c.name(),
                s.id
            ))
        })?;
        let recycle = s.opts.release == ReleasePolicy::Recycle && m.c.uses_agent();
        if recycle {
            match member::recycle(&m.c).await {
                Ok(()) => {
                    let mut st = s.lock();
                    if !st.closed {
                        st.idle.push_back(m);
                        drop(st);
                        s.ready.notify_waiters();
                        return Ok(());
                    }
                }
                Err(e) => {
                    tracing::info!(sandbox = m.c.name(), error = %e, "a recycled sandbox failed its check; destroying it")
                }
            }
        }
        s.lock().members[m.engine] -= 1;
        s.remove_later(m);
        s.work.notify_one();
        Ok(())
    }

    /// The pool's counters and acquire latencies.
    pub fn stats(&self) -> PoolStats {
        let st = self.shared.lock();
        PoolStats {
            idle: st.idle.len(),
            in_use: st.leased.len(),
            creating: st.creating,
            created: st.created,
            failed: st.failed,
            engines_down: st.health.iter().filter(|h| !h.is_up()).count(),
            acquire_p50: st.latencies.quantile(0.5),
            acquire_p95: st.latencies.quantile(0.95),
        }
    }

    /// Stops the pool and removes every member: idle ones, ones still handed out, ones being
    /// created (once their create returns). Later acquires fail with `InvalidState`; calling
    /// it again waits for the first to finish. A member on an engine that does not answer
    /// cannot be removed: the first such failure is returned, and `doctor` finds them once
    /// this process is gone.
    pub async fn shutdown(&self) -> Result<()> {
        self.shared.clone().shutdown().await
    }
}

/// A member taken out of `idle` for its check; see `acquire`.
struct Waiting<'a>(&'a Arc<Shared>);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.lock().waiting -= 1;
    }
}

struct Taken<'a>(&'a Arc<Shared>, Option<Member>);

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if let Some(m) = self.1.take() {
            let mut st = self.0.lock();
            if st.leased.remove(m.c.name()).is_some() && !st.closed {
                st.idle.push_front(m);
                drop(st);
                self.0.ready.notify_waiters();
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        if !self.shared.lock().closed {
            let s = self.shared.clone();
            // A runtime already shut down drops the task: the members are then left with
            // their owner labels for `doctor`.
            drop(self.shared.rt.spawn(async move { s.shutdown().await }));
        }
    }
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("id", &self.shared.id)
            .field("stats", &self.stats())
            .finish()
    }
}
