//! What only the in-sandbox agent gives: shell-less images, accounting, stdin, per-run user,
//! a channel untrusted code cannot use, a PID 1 that stops at once. Always on the agent path.

mod common;

use std::time::Duration;

use common::*;
use pocketdock::{ContainerOptions, Lang, RunOptions};

fn with_agent() -> ContainerOptions {
    ContainerOptions {
        agent: true,
        ..opts()
    }
}

fn argv(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn argv_runs_in_an_image_without_shell_or_libc() {
    let s = sandbox_with(ContainerOptions {
        image: "pocketdock/test-no-shell".into(),
        ..with_agent()
    })
    .await;
    let r = s
        .run_argv(
            &argv(&["/busybox", "echo", "no shell needed"]),
            &RunOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "no shell needed\n");
    assert_eq!(r.exit_code, 0);
    // There really is no shell: a `sh -c` run cannot start.
    let r = s.run("echo hi", &RunOptions::default()).await.unwrap();
    assert_eq!(r.exit_code, 127);
    assert!(
        r.stderr_text().contains("cannot run"),
        "{}",
        r.stderr_text()
    );
}

#[tokio::test]
async fn argv_is_not_interpreted_by_a_shell() {
    let s = sandbox_with(with_agent()).await;
    let r = s
        .run_argv(
            &argv(&["printf", "%s|", "$HOME", "a b", "*;"]),
            &RunOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "$HOME|a b|*;|");
    let r = s
        .run_argv(&argv(&["no-such-program"]), &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(r.exit_code, 127);
    let err = s.run_argv(&[], &RunOptions::default()).await.unwrap_err();
    assert_eq!(err.kind(), pocketdock::ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn accounting_is_plausible() {
    let s = sandbox_with(with_agent()).await;
    let burn = "import time\nt=time.process_time()\nwhile time.process_time()-t < 0.2: pass";
    let r = s
        .run(
            burn,
            &RunOptions {
                lang: Lang::Python,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let u = r.usage.expect("agent runs report usage");
    assert!(u.cpu_total() >= Duration::from_millis(150), "{u:?}");
    let alloc = "b = b'x' * (100 * 1024 * 1024); print(len(b))";
    let r = s
        .run(
            alloc,
            &RunOptions {
                lang: Lang::Python,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "104857600\n");
    let u = r.usage.unwrap();
    assert!(u.peak_rss_bytes >= 100 << 20, "{u:?}");
    assert!(!r.oom_killed);
}

#[tokio::test]
async fn memory_limit_oom_kill_is_reported() {
    let s = sandbox_with(ContainerOptions {
        mem_limit: Some("64m".into()),
        ..with_agent()
    })
    .await;
    let r = s
        .run(
            "b = [bytearray(1 << 20) for _ in range(512)]",
            &RunOptions {
                lang: Lang::Python,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.signal, Some(9), "{r:?}");
    assert_eq!(r.exit_code, 137);
    assert!(
        r.oom_killed,
        "the cgroup's oom_kill counter should tell: {r:?}"
    );
}

#[tokio::test]
async fn signals_are_reported() {
    let s = sandbox_with(with_agent()).await;
    let r = s
        .run("kill -TERM $$", &RunOptions::default())
        .await
        .unwrap();
    assert_eq!((r.exit_code, r.signal), (143, Some(15)));
}

#[tokio::test]
async fn stdin_env_workdir_and_user_per_run() {
    let s = sandbox_with(with_agent()).await;
    let o = RunOptions {
        stdin: Some(b"line one\nline two\n".to_vec()),
        ..Default::default()
    };
    let r = s.run("wc -l; echo done", &o).await.unwrap();
    assert_eq!(r.stdout_text(), "2\ndone\n");
    let big = vec![b'z'; 3 << 20];
    let o = RunOptions {
        stdin: Some(big.clone()),
        ..Default::default()
    };
    assert_eq!(
        s.run("wc -c", &o).await.unwrap().stdout_text(),
        format!("{}\n", big.len())
    );

    let o = RunOptions {
        env: vec![("FOO".into(), "bar baz".into())],
        workdir: Some("/tmp".into()),
        user: Some("root".into()),
        ..Default::default()
    };
    let r = s
        .run("echo \"$FOO\"; pwd; id -u; echo $HOME", &o)
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "bar baz\n/tmp\n0\n/root\n");
    // Without them: the image's user, its home, no FOO.
    let r = s
        .run(
            "echo \"[$FOO]\"; id -un; echo $HOME",
            &RunOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "[]\nsandbox\n/home/sandbox\n");
    let o = RunOptions {
        user: Some("nobody-such".into()),
        ..Default::default()
    };
    assert_eq!(s.run("true", &o).await.unwrap().exit_code, 127);
}

#[tokio::test]
async fn code_in_the_sandbox_cannot_drive_the_agent() {
    let s = sandbox_with(with_agent()).await;
    // A Hello frame (kind 1, id 1, version 1), sent by the sandbox's own user.
    let probe = r#"
import socket, struct
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect("\0pocketdock-agent")
    body = bytes([1]) + struct.pack(">II", 1, 1)
    s.sendall(struct.pack(">I", len(body)) + body)
    s.settimeout(3)
    print("answered" if s.recv(64) else "closed")
except Exception as e:
    print("refused", type(e).__name__)
"#;
    let r = s
        .run(
            probe,
            &RunOptions {
                lang: Lang::Python,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let out = r.stdout_text();
    assert!(
        out.starts_with("closed") || out.starts_with("refused"),
        "{out} {}",
        r.stderr_text()
    );
    // The probe itself works: root (whom the agent trusts, as the relay runs as root) is
    // answered. Untrusted code must therefore not run as root.
    let as_root = RunOptions {
        lang: Lang::Python,
        user: Some("0".into()),
        ..Default::default()
    };
    let r = s.run(probe, &as_root).await.unwrap();
    assert_eq!(r.stdout_text(), "answered\n", "{}", r.stderr_text());
    // No agent descriptor leaks into runs: only stdio (and ls's own directory handle).
    let r = s
        .run("ls /proc/self/fd", &RunOptions::default())
        .await
        .unwrap();
    let fds: Vec<&str> = r.stdout_text().leak().lines().collect();
    assert!(
        fds.len() <= 4 && fds.starts_with(&["0", "1", "2"]),
        "{fds:?}"
    );
}

#[tokio::test]
async fn many_concurrent_runs_on_one_container() {
    let s = sandbox_with(with_agent()).await;
    let o = RunOptions::default();
    let runs = futures_util::future::join_all((0..64).map(|i| {
        let (s, o) = (&s, &o);
        async move {
            (
                i,
                s.run(&format!("echo {i}; echo e{i} >&2"), o).await.unwrap(),
            )
        }
    }))
    .await;
    for (i, r) in runs {
        assert_eq!(r.stdout_text(), format!("{i}\n"));
        assert_eq!(r.stderr_text(), format!("e{i}\n"));
    }
}

#[tokio::test]
async fn agent_works_on_a_read_only_root() {
    let s = sandbox_with(ContainerOptions {
        read_only: true,
        ..with_agent()
    })
    .await;
    let r = s
        .run("echo ok; touch /should-fail", &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "ok\n");
    assert_ne!(r.exit_code, 0);
    assert!(r.stderr_text().contains("Read-only"), "{}", r.stderr_text());
}

#[tokio::test]
async fn agent_is_pid_1_and_exits_on_sigterm() {
    let s = sandbox_with(with_agent()).await;
    let r = s
        .run("cat /proc/1/cmdline | tr '\\0' ' '", &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "/.pocketdock/pocketdock-agent serve ");
    let (st, _) = raw(
        "POST",
        &format!("/containers/{}/kill?signal=SIGTERM", s.name()),
    );
    assert_eq!(st, 204);
    // A PID 1 that ignored SIGTERM would keep running; poll briefly for the exit.
    let mut state = serde_json::Value::Null;
    for _ in 0..50 {
        state = inspect(s.name()).unwrap()["State"].clone();
        if state["Running"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state["Running"], false, "{state}");
    assert_eq!(state["ExitCode"], 0, "{state}");
}

#[tokio::test]
async fn output_is_never_lost_under_load() {
    // Regression: on a loaded machine the agent once sent the exit before its pipe readers
    // had forwarded the output of a command that had already exited.
    let c = client().await;
    let o = with_agent();
    let made = futures_util::future::join_all((0..4).map(|_| c.create_container(&o))).await;
    let made: Vec<_> = made.into_iter().map(|r| r.map(|c| Sandbox { c })).collect();
    let boxes: Vec<Sandbox> = made.into_iter().map(|r| r.unwrap()).collect();
    let ro = RunOptions::default();
    futures_util::future::join_all(boxes.iter().map(|b| {
        let ro = &ro;
        async move {
            for i in 0..60 {
                let r = b.run(&format!("echo {i}"), ro).await.unwrap();
                assert_eq!(r.stdout_text(), format!("{i}\n"));
            }
        }
    }))
    .await;
}

/// A fork bomb under the strict preset holds every pid of the limit after its run returns.
/// The next run fails at once and says why (it cannot start a process); `kill_all` needs no
/// new process, ends the bomb, and the sandbox works again.
#[tokio::test]
async fn kill_all_recovers_a_sandbox_a_fork_bomb_holds() {
    let mut o = with_agent();
    o.harden();
    let s = sandbox_with(o).await;
    let bomb = RunOptions {
        timeout: Some(Duration::from_secs(10)),
        ..RunOptions::default()
    };
    // bash's: its forks retry instead of giving up, so the bomb holds on (dash's collapses).
    let _ = s.run("bash -c ':(){ :|:& };:'", &bomb).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let quick = RunOptions {
        timeout: Some(Duration::from_secs(2)),
        ..RunOptions::default()
    };
    let next = tokio::time::timeout(Duration::from_secs(10), s.run("echo ok", &quick))
        .await
        .expect("the next run must not hang while the bomb holds the pids");
    match &next {
        Ok(r) if r.ok() => {}
        Ok(r) => assert!(
            // Refused before it starts ("cannot run: ...") or ended at once because its
            // helper thread could not start ("run ended: ..."): either way, the pids limit.
            r.exit_code == 127 && r.stderr_text().contains("process limit is reached"),
            "a run that cannot start says so: {r:?}"
        ),
        Err(e) => panic!("the next run must fail as a result, not an error: {e}"),
    }
    let killed = s.kill_all().await.unwrap();
    assert!(killed > 10, "the bomb's processes were killed: {killed}");
    let r = s.run("echo ok", &quick).await.unwrap();
    assert_eq!(r.stdout_text(), "ok\n", "{r:?}");
    assert_eq!(s.kill_all().await.unwrap(), 0, "nothing is left to kill");
}

/// The channel this pass forces (`POCKETDOCK_AGENT_CHANNEL`; scripts/test runs the agent
/// suites once with `relay`), `auto` when unset.
fn channel() -> String {
    std::env::var("POCKETDOCK_AGENT_CHANNEL").unwrap_or_else(|_| "auto".into())
}

/// The engine exec instances the container has (running or kept after their end).
fn exec_ids(name: &str) -> usize {
    let doc = inspect(name).expect("the sandbox exists");
    doc["ExecIDs"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn on_a_local_engine_the_agent_is_reached_without_an_engine_exec() {
    // Root on the engine's host (this suite's setting) enters the sandbox's namespaces: the
    // direct channel, no exec. Forced relay: one exec, the relay's.
    let s = sandbox_with(with_agent()).await;
    let r = s.run("echo via", &RunOptions::default()).await.unwrap();
    assert_eq!(r.stdout_text(), "via\n");
    let p = s.spawn("sleep 30", &RunOptions::default()).await.unwrap();
    p.kill(9).await.unwrap();
    let execs = exec_ids(s.name());
    match channel().as_str() {
        "relay" => assert_eq!(execs, 1, "one relay exec carries every request"),
        _ => assert_eq!(execs, 0, "no engine exec on the direct channel"),
    }
    // A second handle (another client, e.g. the CLI) finds it by one inspect and reaches the
    // same agent the same way: the detached process is there.
    let again = client().await.get_container(s.name()).await.unwrap();
    let listed = again.list_processes().await.unwrap();
    assert!(listed.iter().any(|q| q.id == p.id()), "{listed:?}");
    let execs = exec_ids(s.name());
    match channel().as_str() {
        "relay" => assert_eq!(execs, 2),
        _ => assert_eq!(execs, 0),
    }
}

#[tokio::test]
async fn a_reboot_reaches_the_new_agent_directly_too() {
    // The restarted sandbox's agent has a new pid; the channel finds it (and waits for it to
    // listen) without falling back to an exec.
    let s = sandbox_with(with_agent()).await;
    assert!(s.run("true", &RunOptions::default()).await.unwrap().ok());
    s.reboot(false).await.unwrap();
    let r = s.run("echo back", &RunOptions::default()).await.unwrap();
    assert_eq!(r.stdout_text(), "back\n");
    if channel() != "relay" {
        assert_eq!(exec_ids(s.name()), 0);
    }
}
