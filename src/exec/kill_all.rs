//! Ending every process in a sandbox but its init: the way back from a fork bomb that holds
//! the whole pids limit, or from background processes finished runs left behind.

use std::time::{Duration, Instant};

use super::engine_exec::{exec_collect, Ending, Exec};
use crate::agent::wire::Msg;
use crate::container::Container;
use crate::error::{Error, Result};
use crate::process::unexpected;

/// Without the agent: SIGKILL every process but init (1), the keep-alive init started (its
/// oldest child: killing it would stop the sandbox) and this shell, in passes until one
/// kills nothing (bounded), and print the count. `kill` and `read` are builtins and the loop
/// forks nothing, so the script needs only its own process.
const SWEEP_SCRIPT: &str = r#"keep=
for d in /proc/[0-9]*; do
  p=${d#/proc/}
  read -r _ _ _ pp _ < "$d/stat" 2>/dev/null || continue
  if [ "$pp" = 1 ] && { [ -z "$keep" ] || [ "$p" -lt "$keep" ]; }; then keep=$p; fi
done
n=0; i=0
while [ $i -lt 100 ]; do
  hit=0
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = 1 ] || [ "$p" = "$keep" ] || [ "$p" = $$ ] ||
      { kill -9 "$p" 2>/dev/null && hit=$((hit+1)); }
  done
  [ $hit = 0 ] && break
  n=$((n+hit)); i=$((i+1))
done
echo $n"#;

const SWEEP_DEADLINE: Duration = Duration::from_secs(20);

impl Container {
    /// SIGKILLs every process in the sandbox except its init (the agent, or the keep-alive
    /// of a sandbox without it) and returns how many it killed. Runs in progress, detached
    /// processes and sessions end as killed. Through the agent it starts no process, so it
    /// works when a fork bomb holds the whole pids limit (the agent's channels are kept);
    /// without the agent it needs one engine exec, which an exhausted limit refuses.
    pub async fn kill_all(&self) -> Result<u32> {
        let swept = match self.agent() {
            Some(_) => self.sweep_through_agent().await,
            None => self.sweep_through_exec().await,
        };
        swept.map_err(|e| self.explain(e))
    }

    async fn sweep_through_agent(&self) -> Result<u32> {
        let frames = self.agent_conn().await?.ask(&Msg::KillAll).await?;
        match frames.last() {
            Some(Msg::Swept { killed }) => Ok(*killed),
            other => Err(unexpected(other)),
        }
    }

    async fn sweep_through_exec(&self) -> Result<u32> {
        let argv = ["sh".to_owned(), "-c".to_owned(), SWEEP_SCRIPT.to_owned()];
        let exec = Exec {
            argv: &argv,
            env: &[],
            workdir: None,
            // Root may signal every user's processes.
            user: Some("0"),
            deadline: Instant::now() + SWEEP_DEADLINE,
        };
        let (ending, out, _) = exec_collect(self, exec, 64 * 1024).await?;
        let text = String::from_utf8_lossy(&out.stdout);
        match (ending, text.trim().parse()) {
            (Ending::Finished, Ok(n)) => Ok(n),
            _ => Err(Error::internal(format!(
                "could not sweep {}: {ending:?}, {}",
                self.name(),
                String::from_utf8_lossy(&out.stderr)
            ))),
        }
    }
}
