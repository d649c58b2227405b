//! The sessions of one server: created on demand from a warm pool, at most `max_sessions`,
//! closed on request, after `idle_ttl` without a call, and all of them at shutdown. Its
//! sandboxes carry the label `pocketdock.mcp=<name>`, so a server started after a crash
//! removes the ones its predecessor left (their owner labels name a dead process).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use pocketdock::{Client, ContainerOptions, Pool, PoolOptions};

use super::config::Config;
use super::session::Sess;
use super::validate;

/// The label every sandbox of a server carries; its value is the server's name.
pub const LABEL: &str = "pocketdock.mcp";
/// How long a new session may wait for a sandbox.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(120);

pub struct Manager {
    pub cfg: Config,
    pool: Pool,
    sessions: Mutex<Sessions>,
    /// `http://127.0.0.1:PORT` of the artifact server, once it listens.
    pub artifact_base: OnceLock<String>,
}

#[derive(Default)]
struct Sessions {
    live: HashMap<String, Arc<Sess>>,
    /// Sessions being created (they count against max_sessions).
    starting: usize,
}

/// The options of every session's sandbox: the strict preset, the data directory a tmpfs.
pub fn sandbox_options(cfg: &Config) -> ContainerOptions {
    let mut o = ContainerOptions {
        image: cfg.image.clone(),
        workdir: Some(cfg.data_dir.clone()),
        mem_limit: cfg.mem_limit.clone(),
        cpu_percent: cfg.cpu_percent,
        pids_limit: Some(cfg.pids_limit),
        timeout: cfg.timeout,
        labels: std::iter::once((LABEL.to_owned(), cfg.name.clone()))
            .chain(cfg.labels.iter().cloned())
            .collect(),
        tmpfs: vec![(
            cfg.data_dir.clone(),
            format!("rw,nosuid,nodev,size={},mode=1777", cfg.data_size),
        )],
        ..Default::default()
    };
    o.harden();
    o.network = Some(cfg.network);
    o
}

impl Manager {
    /// Removes orphans of an earlier server of the same name, then starts the pool.
    pub async fn start(cfg: Config, client: Client) -> Result<Arc<Manager>, String> {
        remove_orphans(&client, &cfg.name).await;
        let opts = PoolOptions {
            container: sandbox_options(&cfg),
            min_idle: cfg.warm,
            max_size: cfg.max_sessions + cfg.warm,
            ..Default::default()
        };
        let pool = Pool::new(client.clone(), opts)
            .await
            .map_err(|e| format!("starting the sandbox pool: {e}"))?;
        Ok(Arc::new(Manager {
            cfg,
            pool,
            sessions: Mutex::new(Sessions::default()),
            artifact_base: OnceLock::new(),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Sessions> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session `id`, or a new one when `id` is `None`; the bool says it is new.
    pub async fn get_or_create(&self, id: Option<&str>) -> Result<(Arc<Sess>, bool), String> {
        if let Some(id) = id {
            return self.get(id).map(|s| (s, false));
        }
        {
            let mut s = self.lock();
            if s.live.len() + s.starting >= self.cfg.max_sessions {
                return Err(format!(
                    "max_sessions reached: {} sessions are open, the limit is {}; close one \
                     with close_session (or reuse one by passing its session_id)",
                    s.live.len() + s.starting,
                    self.cfg.max_sessions
                ));
            }
            s.starting += 1;
        }
        let got = self.pool.acquire(Some(ACQUIRE_TIMEOUT)).await;
        let mut s = self.lock();
        s.starting -= 1;
        let container = got.map_err(|e| format!("no sandbox for a new session: {e}"))?;
        let id = validate::new_session_id();
        let sess = Arc::new(Sess::new(id.clone(), container));
        s.live.insert(id.clone(), sess.clone());
        tracing::info!(session = %id, sandbox = sess.container.name(), "session created");
        Ok((sess, true))
    }

    pub fn get(&self, id: &str) -> Result<Arc<Sess>, String> {
        validate::session_id(id)?;
        self.lock().live.get(id).cloned().ok_or_else(|| {
            format!(
                "no session {id}: it was closed, expired after {:?} idle, or never existed; \
                 omit session_id to start a new one",
                self.cfg.idle_ttl
            )
        })
    }

    /// Closes a session: its sandbox is removed (a call in progress fails).
    pub async fn close(&self, id: &str, why: &str) -> Result<(), String> {
        validate::session_id(id)?;
        let sess = self
            .lock()
            .live
            .remove(id)
            .ok_or_else(|| format!("no session {id}"))?;
        self.release(sess, why).await;
        Ok(())
    }

    async fn release(&self, sess: Arc<Sess>, why: &str) {
        sess.stop_interp().await;
        tracing::info!(session = %sess.id, sandbox = sess.container.name(), reason = why, "session closed");
        if let Err(e) = self.pool.release(sess.container.clone()).await {
            tracing::warn!(session = %sess.id, error = %e, "giving the sandbox back failed");
        }
    }

    /// Closes sessions idle past the TTL; runs until the process ends.
    pub async fn reap(self: Arc<Self>) {
        let tick =
            (self.cfg.idle_ttl / 4).clamp(Duration::from_millis(250), Duration::from_secs(30));
        loop {
            tokio::time::sleep(tick).await;
            let expired: Vec<Arc<Sess>> = {
                let mut s = self.lock();
                let ids: Vec<String> = s
                    .live
                    .iter()
                    .filter(|(_, v)| v.expired(self.cfg.idle_ttl))
                    .map(|(k, _)| k.clone())
                    .collect();
                ids.iter().filter_map(|k| s.live.remove(k)).collect()
            };
            for sess in expired {
                self.release(sess, "idle ttl").await;
            }
        }
    }

    /// Closes every session and removes every sandbox of the pool.
    pub async fn shutdown(&self) {
        let all: Vec<Arc<Sess>> = self.lock().live.drain().map(|(_, v)| v).collect();
        for sess in all {
            self.release(sess, "shutdown").await;
        }
        if let Err(e) = self.pool.shutdown().await {
            tracing::warn!(error = %e, "pool shutdown");
        }
    }
}

/// Removes the sandboxes of earlier servers called `name` whose process is gone.
async fn remove_orphans(client: &Client, name: &str) {
    let orphans = match client.list_orphans(LABEL, name).await {
        Ok(o) => o,
        Err(e) => {
            tracing::warn!(error = %e, "listing orphaned sandboxes failed");
            return;
        }
    };
    for o in orphans {
        match client.destroy_container(&o.name).await {
            Ok(()) => {
                tracing::info!(sandbox = %o.name, "removed a sandbox orphaned by an earlier server")
            }
            Err(e) => {
                tracing::warn!(sandbox = %o.name, error = %e, "removing an orphaned sandbox failed")
            }
        }
    }
}
