//! Which channel reaches a sandbox's agent, decided here and only here: the agent's socket
//! directly (`direct.rs`) when the engine is on this machine and this process may enter the
//! sandbox's network namespace, else one engine exec of the relay (remote engines, rootless
//! or user-namespaced sandboxes, engines in a VM). `POCKETDOCK_AGENT_CHANNEL` overrides the
//! choice (`relay`, `direct`, `auto`, the default); a forced `direct` that cannot be had is
//! an error, never a silent relay. A debug record says which channel was used and why a
//! direct one was not.

use std::sync::Arc;

use hyper::Method;

use super::conn::{AgentConn, Framing, CLOSED_BEFORE_GREETING};
use super::direct;
use crate::container::Container;
use crate::engine::models::ContainerInspect;
use crate::engine::request::Subject;
use crate::error::{Error, Result};

/// The environment variable that picks the channel.
pub(crate) const CHANNEL_ENV: &str = "POCKETDOCK_AGENT_CHANNEL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Direct where possible, else the relay.
    Auto,
    Relay,
    Direct,
}

impl Mode {
    pub(crate) fn parse(value: Option<&str>) -> Result<Mode> {
        match value.map(str::trim).unwrap_or("") {
            "" | "auto" => Ok(Mode::Auto),
            "relay" => Ok(Mode::Relay),
            "direct" => Ok(Mode::Direct),
            other => Err(Error::invalid(format!(
                "{CHANNEL_ENV}={other:?}: expected relay, direct or auto"
            ))),
        }
    }

    fn from_env() -> Result<Mode> {
        Mode::parse(std::env::var(CHANNEL_ENV).ok().as_deref())
    }
}

/// Why there is no direct channel: the sandbox itself is gone or stopped (an answer for the
/// caller, the relay would fail the same way), or this is not a case the direct channel
/// covers (the relay is the answer).
enum NoDirect {
    Down(Error),
    Unavailable(String),
}

/// Opens a channel to `c`'s agent and greets it. `pid`: the sandbox's init process from an
/// inspect the caller just made, saving one here.
pub(crate) async fn open(c: &Container, pid: Option<i64>) -> Result<Arc<AgentConn>> {
    let mode = Mode::from_env()?;
    let why = match mode {
        Mode::Relay => format!("{CHANNEL_ENV}=relay"),
        Mode::Auto | Mode::Direct => match open_direct(c, pid).await {
            Ok(conn) => {
                tracing::debug!(
                    container = c.name(),
                    channel = "direct",
                    "agent channel open"
                );
                return Ok(conn);
            }
            Err(NoDirect::Down(e)) => return Err(e),
            Err(NoDirect::Unavailable(why)) if mode == Mode::Direct => {
                return Err(Error::InvalidState(format!(
                    "{CHANNEL_ENV}=direct, but there is no direct channel to the agent in {}: \
                     {why}",
                    c.name()
                )))
            }
            Err(NoDirect::Unavailable(why)) => why,
        },
    };
    let conn = open_relay(c).await?;
    tracing::debug!(
        container = c.name(),
        channel = "relay",
        why_not_direct = %why,
        "agent channel open"
    );
    Ok(conn)
}

/// The exec relay. One that ends before the greeting (it could not reach an agent that does
/// not listen yet, right after a start or restart) is started again, for up to as long as
/// the direct channel waits for the agent to listen.
async fn open_relay(c: &Container) -> Result<Arc<AgentConn>> {
    let give_up = tokio::time::Instant::now() + direct::LISTEN_WAIT;
    loop {
        let (stream, early) = AgentConn::relay(c).await?;
        match AgentConn::start(stream, early, Framing::Multiplexed).await {
            Err(Error::Internal(m))
                if m == CLOSED_BEFORE_GREETING && tokio::time::Instant::now() < give_up =>
            {
                tracing::debug!(container = c.name(), "the relay found no agent yet; again");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            done => return done,
        }
    }
}

async fn open_direct(c: &Container, pid: Option<i64>) -> Result<Arc<AgentConn>, NoDirect> {
    if !c.engine().transport.is_local_socket() {
        return Err(NoDirect::Unavailable(
            "the engine is remote (tcp:// or ssh://)".into(),
        ));
    }
    let connected = match pid {
        // A pid from an earlier inspect may be stale (a restart since): then ask again.
        Some(pid) => match connect(c, pid).await {
            Ok(s) => Ok(s),
            Err(why) => {
                tracing::debug!(container = c.name(), why, "the known pid did not do");
                connect(c, inspect_pid(c).await?).await
            }
        },
        None => connect(c, inspect_pid(c).await?).await,
    };
    let stream = connected.map_err(NoDirect::Unavailable)?;
    AgentConn::start(Box::new(stream), Vec::new(), Framing::Plain)
        .await
        .map_err(|e| NoDirect::Unavailable(format!("the agent did not greet: {e}")))
}

async fn connect(c: &Container, pid: i64) -> Result<tokio::net::UnixStream, String> {
    let pid = u32::try_from(pid).map_err(|_| format!("the engine reports pid {pid}"))?;
    direct::connect(pid, c.id()).await
}

/// The sandbox's init process, from an inspect; a sandbox that is gone or stopped is the
/// caller's answer.
async fn inspect_pid(c: &Container) -> Result<i64, NoDirect> {
    let doc: ContainerInspect = c
        .engine()
        .call_json(
            Method::GET,
            &format!("/containers/{}/json", c.id()),
            None,
            Subject::Container(c.name()),
        )
        .await
        .map_err(|e| match e {
            Error::ContainerNotFound(_) => NoDirect::Down(c.explain(e)),
            e => NoDirect::Unavailable(format!("inspect: {e}")),
        })?;
    if !doc.state.running {
        return Err(NoDirect::Down(Error::ContainerNotRunning(
            c.name().to_owned(),
        )));
    }
    Ok(doc.state.pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_is_read_from_its_words() {
        assert_eq!(Mode::parse(None).unwrap(), Mode::Auto);
        assert_eq!(Mode::parse(Some("")).unwrap(), Mode::Auto);
        assert_eq!(Mode::parse(Some("auto")).unwrap(), Mode::Auto);
        assert_eq!(Mode::parse(Some("relay")).unwrap(), Mode::Relay);
        assert_eq!(Mode::parse(Some(" direct ")).unwrap(), Mode::Direct);
        let e = Mode::parse(Some("exec")).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
        assert!(e.to_string().contains(CHANNEL_ENV), "{e}");
    }
}
