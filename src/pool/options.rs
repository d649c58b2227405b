//! What a pool is asked to keep: the sandboxes' options, how many, and what happens to a
//! sandbox given back.

use std::time::Duration;

use crate::container::ContainerOptions;
use crate::error::{Error, Result};

/// What `Pool::release` does with a sandbox given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReleasePolicy {
    /// Remove it and create a fresh one in its place (the default): a sandbox that ran
    /// someone's code is never handed to anyone else.
    #[default]
    Destroy,
    /// Put it back idle after killing every process in it but the agent
    /// ([`Container::kill_all`](crate::Container::kill_all)). Files, `/tmp`, installed
    /// packages and the sandbox's memory and CPU use so far are NOT reset: use it only when the users of a pool trust each other (e.g. one agent's
    /// successive tasks). Without the agent there is nothing to kill through, so a sandbox
    /// is destroyed as with `Destroy`.
    Recycle,
}

/// How a [`Pool`](super::Pool) is run. `Default`: the default sandbox, 2 idle, at most 8.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Options of every member. `persist` and `name` must be unset (members are disposable
    /// and many); labels are kept and the pool's own are added.
    pub container: ContainerOptions,
    /// How many ready sandboxes the pool keeps idle (creating more after each acquire).
    pub min_idle: usize,
    /// Most members at once, idle, in use and being created together.
    pub max_size: usize,
    /// Most creates running at once while the pool fills.
    pub parallel: usize,
    /// A shell command run in every new member before it counts as ready (e.g. start the
    /// interpreter so its files are in the page cache); a non-zero exit fails the member.
    /// Without one, a member is ready once its agent channel is open.
    pub warmup: Option<String>,
    /// What `release` does.
    pub release: ReleasePolicy,
    /// How often idle members are checked (a member found dead is replaced). Every member
    /// is also checked just before `acquire` hands it out.
    pub health_interval: Duration,
}

impl Default for PoolOptions {
    fn default() -> PoolOptions {
        PoolOptions {
            container: ContainerOptions::default(),
            min_idle: 2,
            max_size: 8,
            parallel: 2,
            warmup: None,
            release: ReleasePolicy::Destroy,
            health_interval: Duration::from_secs(5),
        }
    }
}

impl PoolOptions {
    /// Checks the options without touching an engine.
    pub fn validate(&self) -> Result<()> {
        self.container.validate()?;
        if self.container.persist {
            return Err(Error::invalid(
                "a pool's sandboxes are disposable: persist must be false",
            ));
        }
        if self.container.name.is_some() {
            return Err(Error::invalid(
                "a pool's sandboxes get names of their own: name must be unset",
            ));
        }
        if self.max_size == 0 {
            return Err(Error::invalid("max_size must be at least 1"));
        }
        if self.min_idle > self.max_size {
            return Err(Error::invalid(format!(
                "min_idle ({}) is more than max_size ({})",
                self.min_idle, self.max_size
            )));
        }
        if self.parallel == 0 {
            return Err(Error::invalid("parallel must be at least 1"));
        }
        if self.health_interval.is_zero() {
            return Err(Error::invalid("health_interval must be positive"));
        }
        if self.warmup.as_deref().is_some_and(|w| w.contains('\0')) {
            return Err(Error::invalid("the warm-up command contains a NUL byte"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_sizes_are_refused() {
        PoolOptions::default().validate().unwrap();
        let bad = |f: fn(&mut PoolOptions)| {
            let mut o = PoolOptions::default();
            f(&mut o);
            o.validate().unwrap_err().kind()
        };
        use crate::ErrorKind::InvalidArgument as I;
        assert_eq!(bad(|o| o.max_size = 0), I);
        assert_eq!(bad(|o| o.min_idle = 9), I);
        assert_eq!(bad(|o| o.parallel = 0), I);
        assert_eq!(bad(|o| o.container.persist = true), I);
        assert_eq!(bad(|o| o.container.name = Some("x".into())), I);
        assert_eq!(bad(|o| o.health_interval = Duration::ZERO), I);
    }
}
