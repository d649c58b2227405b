//! Killing a run on the engine-exec path. The engine API has no exec-kill, so every run is
//! started with a unique `PD_RUN_ID=<id>` in its environment, which every process it starts
//! inherits (through forks, double forks and `setsid`). To kill the run, a second exec scans
//! `/proc/*/environ` for that exact entry and SIGKILLs every match, repeating until a pass
//! finds nothing, so children forked during a pass are caught by the next one.

use std::time::{Duration, Instant};

use super::engine_exec::{exec_collect, Ending, Exec};
use crate::container::Container;
use crate::error::{Error, Result};

/// The environment variable that marks a run's processes.
pub(crate) const RUN_ID_VAR: &str = "PD_RUN_ID";

/// `$1` is the marker; the script's own processes do not carry it. Bounded at 100 passes.
const KILL_SCRIPT: &str = r#"m="$1"; n=0
while [ $n -lt 100 ]; do
  hit=
  for e in /proc/[0-9]*/environ; do
    if grep -qzx -e "$m" "$e" 2>/dev/null; then
      p=${e#/proc/}; kill -9 "${p%/environ}" 2>/dev/null && hit=1
    fi
  done
  [ -z "$hit" ] && exit 0
  n=$((n+1))
done
exit 1"#;

const KILL_DEADLINE: Duration = Duration::from_secs(20);

/// The marker entry for a run id.
pub(crate) fn marker(run_id: &str) -> String {
    format!("{RUN_ID_VAR}={run_id}")
}

/// Kills every process of the run `run_id` inside the container and returns when none is left.
pub(crate) async fn kill_run(c: &Container, run_id: &str, user: Option<&str>) -> Result<()> {
    let argv = [
        "sh".to_owned(),
        "-c".to_owned(),
        KILL_SCRIPT.to_owned(),
        "pocketdock-kill".to_owned(),
        marker(run_id),
    ];
    let (ending, out, exec_id) = exec_collect(
        c,
        Exec {
            argv: &argv,
            env: &[],
            workdir: None,
            // Same user as the run, so it may signal the run's processes.
            user,
            deadline: Instant::now() + KILL_DEADLINE,
        },
        64 * 1024,
    )
    .await?;
    let code = super::engine_exec::exit_code(c, &exec_id).await?;
    if ending != Ending::Finished || code != Some(0) {
        return Err(Error::internal(format!(
            "could not kill run {run_id} in {}: {ending:?}, exit {code:?}, {}",
            c.name(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(())
}
