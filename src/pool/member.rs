//! One member's life: created and warmed up, checked, recycled, removed.

use std::time::{Duration, Instant};

use hyper::Method;

use crate::container::{Container, ContainerOptions};
use crate::engine::request::Subject;
use crate::error::{Error, Result};
use crate::exec::RunOptions;
use crate::Client;

/// How long a health check may take before the member counts as dead.
const CHECK_LIMIT: Duration = Duration::from_secs(5);

/// Creates a member and makes it ready: its agent channel open (so the first run does not
/// pay for it) and the warm-up command, if any, run. A member that fails is removed.
pub(crate) async fn create(
    client: &Client,
    opts: &ContainerOptions,
    warmup: Option<&str>,
) -> Result<Container> {
    let c = client.create_container(opts).await?;
    match warm(&c, warmup).await {
        Ok(()) => Ok(c),
        Err(e) => {
            let _ = c.shutdown().await;
            Err(e)
        }
    }
}

async fn warm(c: &Container, warmup: Option<&str>) -> Result<()> {
    let cmd = match (warmup, c.uses_agent()) {
        (Some(w), _) => w,
        // Opens the agent channel now rather than at the first run (an inspect and a connect on
        // a local engine, one engine exec of ~100 ms on a remote one).
        (None, true) => "true",
        (None, false) => return Ok(()),
    };
    let r = c.run(cmd, &RunOptions::default()).await?;
    if r.exit_code != 0 || r.timed_out {
        return Err(Error::InvalidState(format!(
            "the pool's warm-up command {cmd:?} failed in {} (exit {}{}): {}",
            c.name(),
            r.exit_code,
            if r.timed_out { ", timed out" } else { "" },
            String::from_utf8_lossy(&r.stderr).trim()
        )));
    }
    Ok(())
}

/// Whether the member still runs and answers: one round trip through its agent (which also
/// proves the channel works) with a ping of its engine beside it, or an inspect on the
/// engine-exec path. The ping matters on the direct channel (docs/agent.md), where the agent
/// answers without the engine: a member whose engine is gone could run code but never be
/// shut down, so it is not handed out.
pub(crate) async fn healthy(c: &Container) -> Result<()> {
    let check = async {
        if c.uses_agent() {
            let engine = c
                .engine()
                .call_unit(Method::GET, "/_ping", None, Subject::Engine);
            tokio::try_join!(c.list_processes(), engine).map(|_| ())
        } else {
            match c.inspect_doc().await?.state.running {
                true => Ok(()),
                false => Err(Error::ContainerNotRunning(c.name().to_owned())),
            }
        }
    };
    match tokio::time::timeout(CHECK_LIMIT, check).await {
        Ok(r) => r,
        Err(_) => Err(Error::Timeout(format!(
            "{} did not answer a health check within {CHECK_LIMIT:?}",
            c.name()
        ))),
    }
}

/// Makes a released member fit to hand out again: every process in it but the agent is
/// killed, whatever it did to escape (see `ReleasePolicy::Recycle` for what is not reset).
pub(crate) async fn recycle(c: &Container) -> Result<()> {
    c.kill_all().await?;
    // A detached process's record learns of its end a moment after the kill: hand the
    // sandbox out only once none says it runs.
    let give_up = Instant::now() + Duration::from_secs(2);
    while c.list_processes().await?.iter().any(|p| p.running) && Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    healthy(c).await
}
