//! Reboot: restart a sandbox in place, or recreate it fresh from its recorded options under
//! the same name. The handle (and every clone of it) follows the recreated container.

use std::sync::atomic::Ordering;
use std::sync::OnceLock;

use hyper::Method;

use super::spawn::{remove_id, spawn};
use super::{options, Container};
use crate::engine::models::ContainerInspect;
use crate::engine::request::{query_escape, Subject};
use crate::error::{Error, Result};

/// The ids a handle has followed, oldest first. A fresh reboot recreates the container under
/// a new id and every clone of the handle must follow it; an append-only chain lets `id()`
/// keep returning `&str` (no lock guard to hand out) without `unsafe`. It grows by one short
/// string per fresh reboot.
pub(super) struct IdChain {
    id: String,
    next: OnceLock<Box<IdChain>>,
}

impl IdChain {
    pub(super) fn new(id: String) -> IdChain {
        IdChain {
            id,
            next: OnceLock::new(),
        }
    }

    /// The newest id.
    pub(super) fn current(&self) -> &str {
        let mut node = self;
        while let Some(next) = node.next.get() {
            node = next;
        }
        &node.id
    }

    /// Makes `id` the current one (callers hold the reboot lock, so the set cannot race).
    fn push(&self, id: String) {
        let mut node = self;
        while let Some(next) = node.next.get() {
            node = next;
        }
        let _ = node.next.set(Box::new(IdChain::new(id)));
    }
}

impl Container {
    /// Reboots the sandbox; it runs afterwards, whether it was running or stopped.
    ///
    /// `fresh = false` restarts the same container (files are kept; running commands and
    /// detached processes end; no stop grace). `fresh = true` removes it and creates a new
    /// one with the same name from the options recorded on it (`pocketdock.options`), so
    /// files are gone but every option is kept. This handle and all its clones then refer
    /// to the new container (`id()` changes); the agent channel reconnects on the next run.
    /// A container without recorded options (made by an older pocketdock) cannot be
    /// recreated: `InvalidState`.
    pub async fn reboot(&self, fresh: bool) -> Result<()> {
        let _one_at_a_time = self.inner.reboot.lock().await;
        if let Some(link) = self.agent() {
            link.close().await;
        }
        if fresh {
            self.recreate().await?;
        } else {
            self.engine()
                .call_unit(
                    Method::POST,
                    &format!("/containers/{}/restart?t=0", self.id()),
                    None,
                    Subject::Container(self.name()),
                )
                .await
                .map_err(|e| self.explain(e))?;
        }
        self.inner.shut_down.store(false, Ordering::Release);
        Ok(())
    }

    /// Stops the old container and moves it aside (its host ports and name are freed), creates
    /// the new one, then removes the old. If the new one cannot be made, the old one gets its
    /// name back (and is started again), so a failed reboot loses nothing.
    async fn recreate(&self) -> Result<()> {
        let (engine, name, old) = (self.engine(), self.name(), self.id().to_owned());
        let doc: ContainerInspect = engine
            .call_json(
                Method::GET,
                &format!("/containers/{old}/json"),
                None,
                Subject::Container(name),
            )
            .await
            .map_err(|e| self.explain(e))?;
        let mut opts = options::recorded(&doc.config.labels).ok_or_else(|| {
            Error::InvalidState(format!(
                "{name} has no recorded options (pocketdock.options): cannot recreate it"
            ))
        })?;
        opts.name = Some(name.to_owned());
        let was_running = doc.state.running;
        let post = |path: String| async move {
            engine
                .call_unit(Method::POST, &path, None, Subject::Container(name))
                .await
        };
        post(format!("/containers/{old}/stop?t=0")).await?;
        let aside = format!("{name}-reboot-{}", &old[..12.min(old.len())]);
        let rename = |to: String| {
            post(format!(
                "/containers/{old}/rename?name={}",
                query_escape(&to)
            ))
        };
        rename(aside).await?;
        match spawn(engine, &opts).await {
            Ok(new) => {
                self.inner.id.push(new.id);
                if let Err(e) = remove_id(engine, &old, name).await {
                    tracing::warn!(error = %e, old, "cannot remove the container a fresh reboot replaced");
                }
                Ok(())
            }
            Err(e) => {
                let restored = rename(name.to_owned()).await;
                if restored.is_ok() && was_running {
                    let _ = post(format!("/containers/{old}/start")).await;
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_answers_the_newest_id() {
        let c = IdChain::new("a".into());
        assert_eq!(c.current(), "a");
        c.push("b".into());
        c.push("c".into());
        assert_eq!(c.current(), "c");
    }
}
