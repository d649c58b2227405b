//! What the pool's parts share: bookkeeping of lost members, engines held back or down,
//! removals in the background, and the shutdown.

use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use super::engines::{self, engine_unreachable};
use super::{Member, Shared, State};
use crate::error::{Error, Result};

impl Shared {
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn exhausted(&self, waited: Duration) -> Error {
        let st = self.lock();
        let why = st
            .last_error
            .as_deref()
            .map_or(String::new(), |e| format!("; last create failure: {e}"));
        let down = st.health.iter().filter(|h| !h.is_up()).count();
        Error::Timeout(format!(
            "no sandbox free in pool {} after {} ms ({} in use, {} being created, max_size {}, \
             {down} of {} engines down){why}",
            self.id,
            waited.as_millis(),
            st.leased.len(),
            st.creating,
            self.opts.max_size,
            self.set.entries.len(),
        ))
    }

    /// Whether engine `i` itself stopped answering, given what a call there failed with:
    /// an error that could be the engine's (I/O, a timeout) is checked with a ping, so one
    /// container dying under its agent channel does not take its engine down with it.
    pub(crate) async fn engine_down(&self, i: usize, why: &Error) -> bool {
        engine_unreachable(why) && engines::probe(&self.set.entries[i].client).await.is_err()
    }

    /// A member found dead (out of `idle` or `leased`): forgotten, removed in the background,
    /// replaced by the filler. If its engine is `down`, the engine is marked so and its other
    /// idle members set aside with it.
    pub(super) fn lose(self: &Arc<Self>, m: &Member, why: &Error, down: bool) {
        tracing::info!(pool = %self.id, sandbox = m.c.name(), error = %why, "dropping a dead pool member");
        let mut st = self.lock();
        st.leased.remove(m.c.name());
        st.idle.retain(|i| i.c.name() != m.c.name());
        st.members[m.engine] -= 1;
        st.failed += 1;
        st.last_error = Some(why.to_string());
        if down {
            self.mark_down(&mut st, m.engine, why, true);
            st.stranded.push(m.clone());
            drop(st);
        } else {
            drop(st);
            self.remove_later(m.clone());
        }
        self.work.notify_one();
    }

    /// Engine `i` failed: no placement on it until its backoff ends and it answers a probe.
    /// If it stopped answering (`down`), its idle members are set aside too (the filler
    /// replaces them elsewhere).
    pub(crate) fn mark_down(&self, st: &mut State, i: usize, why: &Error, down: bool) {
        if st.health[i].is_up() {
            tracing::warn!(pool = %self.id, engine = ?self.set.entries[i].client.engine_info().socket, error = %why, down, "engine held back");
        }
        st.health[i].mark_down(why);
        if !down {
            return; // it answers but failed a create: only new placements wait
        }
        let (gone, kept): (Vec<_>, Vec<_>) = st.idle.drain(..).partition(|m| m.engine == i);
        st.idle = kept.into();
        st.members[i] -= gone.len();
        st.stranded.extend(gone);
    }

    /// Removes a member (no longer counted) on a task of its own.
    pub(super) fn remove_later(self: &Arc<Self>, m: Member) {
        self.lock().removing += 1;
        let s = self.clone();
        self.rt.spawn(async move {
            let r = m.c.shutdown().await;
            let down = match &r {
                Err(e) => s.engine_down(m.engine, e).await,
                Ok(()) => false,
            };
            let mut st = s.lock();
            st.removing -= 1;
            if let Err(e) = r {
                if down {
                    s.mark_down(&mut st, m.engine, &e, true);
                    st.stranded.push(m);
                } else {
                    tracing::warn!(pool = %s.id, sandbox = m.c.name(), error = %e, "cannot remove a pool member");
                }
            }
            drop(st);
            s.ready.notify_waiters();
        });
    }

    pub(super) async fn shutdown(self: Arc<Self>) -> Result<()> {
        let members: Vec<Member> = {
            let mut st = self.lock();
            st.closed = true;
            let mut all: Vec<Member> = st.idle.drain(..).collect();
            all.extend(st.leased.drain().map(|(_, m)| m));
            all.append(&mut st.stranded);
            all
        };
        self.ready.notify_waiters();
        self.work.notify_one();
        let removals = members.iter().map(|m| m.c.shutdown());
        let results = futures_util::future::join_all(removals).await;
        // Creates in flight remove what they made once they see the pool closed.
        loop {
            let settled = self.ready.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            {
                let st = self.lock();
                if st.creating == 0 && st.removing == 0 {
                    break;
                }
            }
            settled.await;
        }
        let mut first = None;
        for (m, r) in members.iter().zip(results) {
            if let Err(e) = r {
                tracing::warn!(pool = %self.id, sandbox = m.c.name(), error = %e, "cannot remove a pool member at shutdown");
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}
