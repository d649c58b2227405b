//! `ssh://` engines, as Podman reaches them: the system `ssh` forwards the remote engine's
//! socket to a private local one (`ssh -N -L LOCAL:REMOTE`), and everything else talks to
//! that socket as to a local engine. One ssh process carries every connection of the client
//! as channels of one session (a `docker system dial-stdio` bridge would need the docker CLI
//! on the remote host, which Podman hosts lack, and one ssh handshake per connection). The
//! forwarder lives as long as the engine and is killed and reaped when it goes.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::address::SshTarget;

/// What `ssh` needs beyond the address: an identity (`CONTAINER_SSHKEY` by default, as
/// Podman reads it) and a known-hosts file; unset, ssh's own configuration decides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshOptions {
    /// The private key to log in with (`ssh -i`, and only that key is offered).
    pub identity: Option<PathBuf>,
    /// A known-hosts file holding the engine host's key, checked strictly. Unset: the
    /// user's `~/.ssh/known_hosts`, as `ssh` checks it (an unknown host fails: never
    /// accepted blindly).
    pub known_hosts: Option<PathBuf>,
}

/// A running forwarder: the child and the private directory holding the local socket.
#[derive(Debug)]
pub(crate) struct Forward {
    child: Child,
    dir: PathBuf,
    pub(crate) socket: PathBuf,
}

impl Drop for Forward {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The argv of the forwarder (pure, for the tests).
pub(crate) fn argv(
    t: &SshTarget,
    opts: &SshOptions,
    local: &Path,
    budget: Duration,
) -> Vec<String> {
    let mut a: Vec<String> = [
        "-N",
        "-T",
        "-o",
        "BatchMode=yes",
        "-o",
        "ExitOnForwardFailure=yes",
    ]
    .map(String::from)
    .to_vec();
    let timeout = budget.as_secs().clamp(1, 3600);
    a.extend([
        "-o".into(),
        format!("ConnectTimeout={timeout}"),
        "-o".into(),
        "ServerAliveInterval=15".into(),
        "-o".into(),
        "StreamLocalBindUnlink=yes".into(),
        "-L".into(),
        format!("{}:{}", local.display(), t.socket),
    ]);
    if let Some(p) = t.port {
        a.extend(["-p".into(), p.to_string()]);
    }
    if let Some(u) = &t.user {
        a.extend(["-l".into(), u.clone()]);
    }
    if let Some(id) = &opts.identity {
        a.extend(["-i".into(), id.display().to_string()]);
        a.extend(["-o".into(), "IdentitiesOnly=yes".into()]);
    }
    if let Some(kh) = &opts.known_hosts {
        a.extend(["-o".into(), format!("UserKnownHostsFile={}", kh.display())]);
        a.extend(["-o".into(), "StrictHostKeyChecking=yes".into()]);
    }
    a.extend(["--".into(), t.host.clone()]);
    a
}

/// Says which step failed from what `ssh` printed before it exited.
pub(crate) fn explain(stderr: &str) -> String {
    let said = stderr.trim().lines().last().unwrap_or("").trim().to_owned();
    let said = if said.is_empty() {
        "ssh printed nothing".to_owned()
    } else {
        said
    };
    let has = |needles: &[&str]| needles.iter().any(|n| stderr.contains(n));
    if has(&["Permission denied", "Too many authentication failures"]) {
        format!("ssh authentication failed: {said}")
    } else if has(&[
        "Host key verification failed",
        "REMOTE HOST IDENTIFICATION HAS CHANGED",
    ]) {
        format!("ssh host key verification failed (the host's key is not in the known-hosts file): {said}")
    } else if has(&["forwarding failed", "open failed", "cannot listen"]) {
        format!("ssh forwarding of the engine socket failed: {said}")
    } else if has(&[
        "Connection refused",
        "Could not resolve",
        "timed out",
        "No route to host",
        "Connection closed",
        "Connection reset",
    ]) {
        format!("ssh connect failed: {said}")
    } else {
        format!("ssh failed: {said}")
    }
}

/// Starts `ssh` and waits, within `budget`, for the local socket to appear (ssh creates it
/// only once logged in and forwarding). Never prompts: `BatchMode`, no stdin.
pub(crate) async fn start(
    t: &SshTarget,
    opts: &SshOptions,
    budget: Duration,
) -> Result<Forward, String> {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "pocketdock-ssh-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let socket = dir.join("engine.sock");
    let log = dir.join("ssh.log");
    let stderr =
        std::fs::File::create(&log).map_err(|e| format!("creating {}: {e}", log.display()))?;
    let child = Command::new("ssh")
        .args(argv(t, opts, &socket, budget))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn();
    let child = match child {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!("cannot run ssh ({e}); install an OpenSSH client"));
        }
    };
    let mut fwd = Forward { child, dir, socket };
    let start = Instant::now();
    loop {
        if fwd.socket.exists() {
            return Ok(fwd);
        }
        if let Ok(Some(status)) = fwd.child.try_wait() {
            let said = std::fs::read_to_string(&log).unwrap_or_default();
            tracing::debug!(%status, said, "ssh forwarder exited");
            return Err(explain(&said));
        }
        if start.elapsed() >= budget {
            let said = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!(
                "ssh connect did not finish within the connect timeout ({:.0} s){}",
                budget.as_secs_f64(),
                if said.trim().is_empty() {
                    String::new()
                } else {
                    format!(": {}", said.trim())
                }
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forwarder_never_prompts_and_names_the_host_last() {
        let t = SshTarget {
            user: Some("root".into()),
            host: "h".into(),
            port: Some(2222),
            socket: "/run/docker.sock".into(),
        };
        let o = SshOptions {
            identity: Some("/k".into()),
            known_hosts: Some("/kh".into()),
        };
        let a = argv(
            &t,
            &o,
            Path::new("/tmp/x/engine.sock"),
            Duration::from_secs(30),
        )
        .join(" ");
        for want in [
            "BatchMode=yes",
            "ExitOnForwardFailure=yes",
            "-L /tmp/x/engine.sock:/run/docker.sock",
            "-p 2222",
            "-l root",
            "-i /k -o IdentitiesOnly=yes",
            "UserKnownHostsFile=/kh -o StrictHostKeyChecking=yes",
            "ConnectTimeout=30",
        ] {
            assert!(a.contains(want), "{want} not in {a}");
        }
        assert!(a.ends_with("-- h"), "{a}");
    }

    #[test]
    fn failures_name_their_step() {
        let cases = [
            (
                "root@127.0.0.1: Permission denied (publickey).",
                "ssh authentication failed",
            ),
            (
                "ssh: connect to host 127.0.0.1 port 1: Connection refused",
                "ssh connect failed",
            ),
            (
                "Host key verification failed.",
                "ssh host key verification failed",
            ),
            (
                "Error: local port forwarding failed for listen path /x",
                "forwarding",
            ),
        ];
        for (said, want) in cases {
            assert!(
                explain(said).starts_with(want) || explain(said).contains(want),
                "{said}"
            );
        }
        assert_eq!(explain(""), "ssh failed: ssh printed nothing");
    }
}
