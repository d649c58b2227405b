//! The pool's background task: keeps `min_idle` members ready (creates in parallel up to
//! `parallel`, placed on the least loaded healthy engine), checks idle members every
//! `health_interval`, probes engines marked down when their backoff ends.

use std::sync::Arc;
use std::time::Instant;

use super::engines::{place, probe, Slot};
use super::{member, Member, Shared};

pub(crate) async fn run(s: Arc<Shared>) {
    loop {
        let wake = {
            let mut st = s.lock();
            if st.closed {
                return;
            }
            tick(&s, &mut st)
        };
        tokio::select! {
            _ = s.work.notified() => {}
            _ = tokio::time::sleep_until(wake.into()) => {}
        }
    }
}

/// Starts what is due and says when to look again.
fn tick(s: &Arc<Shared>, st: &mut super::State) -> Instant {
    let now = Instant::now();
    let check_at = *st.next_check.get_or_insert(now + s.opts.health_interval);
    if check_at <= now {
        st.next_check = Some(now + s.opts.health_interval);
        for m in st.idle.iter().cloned() {
            s.rt.spawn(check(s.clone(), m));
        }
    }
    let mut wake = st.next_check.unwrap_or(now + s.opts.health_interval);
    for i in 0..st.health.len() {
        match st.health[i].probe_due() {
            Some(at) if at <= now => {
                st.health[i].probing = true;
                s.rt.spawn(probe_engine(s.clone(), i));
            }
            Some(at) => wake = wake.min(at),
            None => {}
        }
    }
    let total = st.idle.len() + st.leased.len() + st.creating;
    let wanted = s
        .opts
        .min_idle
        .max(st.waiting)
        .saturating_sub(st.idle.len() + st.creating);
    let room = s.opts.max_size.saturating_sub(total);
    let lanes = s.opts.parallel.saturating_sub(st.creating);
    for _ in 0..wanted.min(room).min(lanes) {
        let slots: Vec<Slot> = s
            .set
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| Slot {
                weight: e.weight,
                limit: e.limit,
                up: st.health[i].is_up(),
                members: st.members[i],
            })
            .collect();
        let Some(i) = place(&slots) else { break };
        st.members[i] += 1;
        st.creating += 1;
        s.rt.spawn(create(s.clone(), i));
    }
    wake
}

async fn create(s: Arc<Shared>, engine: usize) {
    let client = &s.set.entries[engine].client;
    let made = member::create(client, &s.container, s.opts.warmup.as_deref()).await;
    let down = match &made {
        Err(e) => s.engine_down(engine, e).await,
        Ok(_) => false,
    };
    let closed = s.lock().closed;
    let made = match made {
        // The pool was shut down meanwhile: this one is removed before the shutdown returns.
        Ok(c) if closed => {
            let _ = c.shutdown().await;
            None
        }
        other => Some(other),
    };
    let mut st = s.lock();
    st.creating -= 1;
    match made {
        None => st.members[engine] -= 1,
        Some(Ok(c)) => {
            st.created += 1;
            st.health[engine].mark_good();
            st.idle.push_back(Member { c, engine });
        }
        Some(Err(e)) => {
            tracing::warn!(pool = %s.id, error = %e, "creating a pool member failed");
            st.members[engine] -= 1;
            st.failed += 1;
            st.last_error = Some(e.to_string());
            s.mark_down(&mut st, engine, &e, down);
        }
    }
    drop(st);
    s.ready.notify_waiters();
    s.work.notify_one();
}

/// An idle member's periodic check; a dead one is dropped (and replaced).
async fn check(s: Arc<Shared>, m: Member) {
    if let Err(e) = member::healthy(&m.c).await {
        let down = s.engine_down(m.engine, &e).await;
        // Only if it is still idle: an acquire may have taken it (and checks it itself).
        let idle = s.lock().idle.iter().any(|i| i.c.name() == m.c.name());
        if idle {
            s.lose(&m, &e, down);
        }
    }
}

/// Asks a down engine whether it answers again; if so, placements may use it and the
/// members stranded on it are removed.
async fn probe_engine(s: Arc<Shared>, i: usize) {
    let r = probe(&s.set.entries[i].client).await;
    let mut st = s.lock();
    st.health[i].probing = false;
    match r {
        Ok(()) => {
            st.health[i].mark_answering();
            let (back, rest): (Vec<_>, Vec<_>) = st.stranded.drain(..).partition(|m| m.engine == i);
            st.stranded = rest;
            drop(st);
            for m in back {
                s.remove_later(m);
            }
        }
        Err(e) => {
            st.health[i].mark_down(&e);
            drop(st);
        }
    }
    s.work.notify_one();
}
