//! The agent's socket reached without an engine exec, for engines on this machine: the
//! agent listens on an abstract Unix socket, which lives in the sandbox's network namespace,
//! so a thread of ours enters that namespace, connects, and ends; the connected socket works
//! from any namespace afterwards. No exec means no conmon left behind on Podman and no
//! 80–200 ms exec per channel.
//!
//! The pid comes from the engine's inspect and is trusted only after three checks, all made
//! through one `/proc/<pid>` directory handle (so a pid that dies and is reused mid-way
//! fails them rather than passing for the old process): its cgroup is that container's (the
//! full id, as Docker and Podman name the cgroups), its program is the agent, and it lives in
//! our user namespace (a user-namespaced sandbox's agent would not know our uid). Once
//! connected, the socket's peer credentials must name that same pid: the listener we reached
//! is this sandbox's agent, even when the network namespace is shared (host network).

use std::fs::File;
use std::io::Read;
use std::os::fd::AsFd;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::{SocketAddr, UnixStream};
use std::time::{Duration, Instant};

use rustix::fs::{openat, readlinkat, Mode, OFlags};
use rustix::io::Errno;
use rustix::thread::{move_into_link_name_space, LinkNameSpaceType};

use super::{wire, AGENT_PATH};

/// How long a freshly started agent may take to listen (it binds first thing at start).
pub(crate) const LISTEN_WAIT: Duration = Duration::from_secs(5);

/// Connects to the agent of container `id`, whose init process the engine says is `pid`,
/// on a short-lived thread of its own (entering a namespace changes the calling thread for
/// good). `Err` says why the direct channel cannot be had.
pub(crate) async fn connect(pid: u32, id: &str) -> Result<tokio::net::UnixStream, String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let id = id.to_owned();
    std::thread::Builder::new()
        .name("pocketdock-netns".into())
        .spawn(move || {
            let _ = tx.send(connect_here(pid, &id));
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    let stream = rx
        .await
        .map_err(|_| "the connecting thread ended without an answer".to_owned())??;
    stream
        .set_nonblocking(true)
        .and_then(|()| tokio::net::UnixStream::from_std(stream))
        .map_err(|e| format!("cannot use the agent socket: {e}"))
}

/// The checks, the namespace entry and the connect; changes this thread's namespace.
fn connect_here(pid: u32, id: &str) -> Result<UnixStream, String> {
    if pid == 0 {
        return Err("the engine reports no process for the container".into());
    }
    let proc_dir = rustix::fs::open(
        format!("/proc/{pid}"),
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| format!("pid {pid} from the engine is not a process here: {e}"))?;
    let at = |path: &str| {
        openat(
            &proc_dir,
            path,
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map(File::from)
        .map_err(|e| format!("/proc/{pid}/{path}: {e}"))
    };
    let net = at("ns/net")?;
    let mut cgroup = String::new();
    at("cgroup")?
        .read_to_string(&mut cgroup)
        .map_err(|e| format!("/proc/{pid}/cgroup: {e}"))?;
    if !in_container_cgroup(&cgroup, id) {
        return Err(format!(
            "pid {pid} is not in container {id}'s cgroup (an engine in a VM or another pid \
             namespace, or a stale pid)"
        ));
    }
    wait_for_agent_exe(&proc_dir, pid)?;
    let theirs = at("ns/user")?.metadata().map_err(|e| e.to_string())?;
    let ours = std::fs::metadata("/proc/self/ns/user").map_err(|e| e.to_string())?;
    if (theirs.dev(), theirs.ino()) != (ours.dev(), ours.ino()) {
        return Err(
            "the sandbox has a user namespace of its own (rootless or userns-remap engine): \
             its agent would not know our uid"
                .into(),
        );
    }
    move_into_link_name_space(net.as_fd(), Some(LinkNameSpaceType::Network)).map_err(
        |e| match e {
            Errno::PERM => "this process may not enter the sandbox's network namespace (not \
                            root, or no CAP_SYS_ADMIN)"
                .to_owned(),
            e => format!("cannot enter the sandbox's network namespace: {e}"),
        },
    )?;
    let stream = connect_listening(&proc_dir, pid)?;
    let peer = rustix::net::sockopt::socket_peercred(&stream)
        .map_err(|e| format!("cannot read the agent socket's peer: {e}"))?;
    let peer_pid = peer.pid.as_raw_nonzero().get();
    if u32::try_from(peer_pid).ok() != Some(pid) {
        return Err(format!(
            "the agent socket in that network namespace is held by pid {peer_pid}, not the \
             sandbox's agent {pid} (a shared network namespace?)"
        ));
    }
    // Room for a file write's frames: with the default (about 208 KiB, less than one
    // 256 KiB frame) the writer waits on the agent for every frame. The kernel caps it at
    // net.core.wmem_max and charges only what is queued. Best effort.
    let _ = rustix::net::sockopt::set_socket_send_buffer_size(&stream, SEND_BUFFER);
    Ok(stream)
}

/// Waits while `pid` runs something other than the agent: right after a start the engine's
/// runtime (`runc init`, `crun`) may not have exec'd the sandbox's entrypoint yet, which on
/// a loaded machine lasts long enough to be seen, and giving up then sent the sandbox to the
/// relay for good. A process that stays something else for `LISTEN_WAIT` is not the agent.
fn wait_for_agent_exe(proc_dir: &impl AsFd, pid: u32) -> Result<(), String> {
    let give_up = Instant::now() + LISTEN_WAIT;
    let mut pause = Duration::from_millis(1);
    loop {
        let exe =
            readlinkat(proc_dir, "exe", Vec::new()).map_err(|e| format!("/proc/{pid}/exe: {e}"))?;
        if exe.as_bytes() == AGENT_PATH.as_bytes() {
            return Ok(());
        }
        if Instant::now() >= give_up {
            return Err(format!(
                "pid {pid} runs {}, not the agent",
                exe.to_string_lossy()
            ));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Send buffer asked for on the direct channel.
const SEND_BUFFER: usize = 1 << 20;

/// Connects to the agent's socket, waiting while the agent (still alive) has not bound it
/// yet: a sandbox's first run can come a moment after its start.
fn connect_listening(proc_dir: &impl AsFd, pid: u32) -> Result<UnixStream, String> {
    let addr = SocketAddr::from_abstract_name(wire::SOCKET_NAME).map_err(|e| e.to_string())?;
    let give_up = Instant::now() + LISTEN_WAIT;
    let mut pause = Duration::from_millis(1);
    loop {
        match UnixStream::connect_addr(&addr) {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                let alive = openat(
                    proc_dir,
                    "stat",
                    OFlags::RDONLY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .is_ok();
                if !alive || Instant::now() >= give_up {
                    return Err(format!("the agent (pid {pid}) does not listen: {e}"));
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(e) => return Err(format!("cannot connect to the agent socket: {e}")),
        }
    }
}

/// Whether a `/proc/<pid>/cgroup` text puts the process in the cgroup of container `id`
/// (the full 64-hex-digit id): a path component `<id>` (Docker, cgroupfs: `/docker/<id>`),
/// `docker-<id>.scope` (Docker, systemd) or `libpod-<id>[.scope]` (Podman). Podman's
/// `libpod-conmon-<id>` (the monitor, not the container) and any other prefix do not count,
/// nor does a short or partial id.
pub(crate) fn in_container_cgroup(cgroup: &str, id: &str) -> bool {
    let full_id = id.len() == 64
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !full_id {
        return false;
    }
    cgroup.lines().any(|line| {
        let path = line.splitn(3, ':').nth(2).unwrap_or("");
        path.split('/').any(|component| {
            let name = component.strip_suffix(".scope").unwrap_or(component);
            matches!(name.strip_suffix(id), Some("" | "docker-" | "libpod-"))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "1aa1703cdecf5ce312feab88a8e5d6e6e063eb05669ed3e890259ea532f25724";
    const OTHER: &str = "b188428fbed3cb84f37d9369f39b5398f716835cf400f9d6fbe073611944c174";

    #[test]
    fn the_engines_cgroup_names_are_recognised() {
        for text in [
            // Docker, cgroupfs driver, cgroup v1 and v2.
            &format!("9:name=systemd:/docker/{ID}\n8:pids:/docker/{ID}\n0::/docker/{ID}\n"),
            &format!("0::/docker/{ID}\n"),
            // Docker, systemd driver.
            &format!("0::/system.slice/docker-{ID}.scope\n"),
            // Podman, cgroupfs and systemd managers (v2 puts the payload in `container`).
            &format!("4:memory:/libpod_parent/libpod-{ID}\n"),
            &format!("0::/machine.slice/libpod-{ID}.scope/container\n"),
        ] {
            assert!(in_container_cgroup(text, ID), "{text}");
        }
    }

    #[test]
    fn a_pid_that_is_not_the_containers_is_refused() {
        for text in [
            // Another container, the host, Podman's monitor of this very container.
            format!("0::/docker/{OTHER}\n"),
            format!("4:memory:/libpod_parent/libpod-{OTHER}\n"),
            "0::/\n9:name=systemd:/user.slice/session-1.scope\n".to_owned(),
            format!("0::/machine.slice/libpod-conmon-{ID}.scope\n"),
            // Look-alikes: a prefix or suffix around the id, the id in a name, a short id.
            format!("0::/evil-{ID}\n"),
            format!("0::/docker/{ID}x\n"),
            format!("0::/docker/x{ID}\n"),
            format!("0::/docker/{}\n", &ID[..12]),
            String::new(),
        ] {
            assert!(!in_container_cgroup(&text, ID), "{text}");
        }
    }

    #[test]
    fn only_a_full_id_is_looked_for() {
        let text = format!("0::/docker/{ID}\n");
        assert!(!in_container_cgroup(&text, &ID[..12]));
        assert!(!in_container_cgroup("0::/docker/\n", ""));
        assert!(!in_container_cgroup(
            &format!("0::/docker/{}\n", ID.to_uppercase()),
            &ID.to_uppercase()
        ));
    }

    #[tokio::test]
    async fn a_pid_that_is_not_a_sandboxs_agent_is_refused() {
        // This very process: a real pid in a real cgroup, but not the container's.
        let e = connect(std::process::id(), ID).await.unwrap_err();
        assert!(e.contains("not in container"), "{e}");
        let e = connect(0, ID).await.unwrap_err();
        assert!(e.contains("no process"), "{e}");
    }
}
