//! Blocking runs on a real engine: output, exit codes, languages, timeouts that kill,
//! output caps, concurrency.

mod common;

use std::time::Duration;

use common::*;
use pocketdock::{ErrorKind, Lang, RunOptions};

fn lang(l: Lang) -> RunOptions {
    RunOptions {
        lang: l,
        ..Default::default()
    }
}

fn timeout(ms: u64) -> RunOptions {
    RunOptions {
        timeout: Some(Duration::from_millis(ms)),
        ..Default::default()
    }
}

#[tokio::test]
async fn echo_stderr_and_exit_codes() {
    let s = sandbox().await;
    let r = s.run("echo hello", &RunOptions::default()).await.unwrap();
    assert_eq!(
        (r.exit_code, r.stdout_text().as_str(), r.stderr.len()),
        (0, "hello\n", 0)
    );
    assert!(r.ok() && !r.timed_out && !r.truncated);

    let r = s
        .run("echo out; echo err >&2; exit 42", &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(r.exit_code, 42);
    assert_eq!(r.stdout_text(), "out\n");
    assert_eq!(r.stderr_text(), "err\n");
    assert!(!r.ok());

    let r = s
        .run("no-such-command-xyz", &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(r.exit_code, 127);
    assert!(r.stderr_text().contains("not found"), "{}", r.stderr_text());
}

#[tokio::test]
async fn languages() {
    let s = sandbox().await;
    let r = s.run("print(6 * 7)", &lang(Lang::Python)).await.unwrap();
    assert_eq!(r.stdout_text(), "42\n");
    let program =
        "import json\nfor i in range(3):\n    print(json.dumps({'i': i}))\nraise SystemExit(3)\n";
    let r = s.run(program, &lang(Lang::Python)).await.unwrap();
    assert_eq!(r.stdout_text(), "{\"i\": 0}\n{\"i\": 1}\n{\"i\": 2}\n");
    assert_eq!(r.exit_code, 3);
    let r = s
        .run("echo ${BASH_VERSION:+bash}", &lang(Lang::Bash))
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "bash\n");
    assert!("fortran".parse::<Lang>().is_err());
}

#[tokio::test]
async fn binary_output_and_large_output_survive_intact() {
    let s = sandbox().await;
    let r = s
        .run(
            "import sys; sys.stdout.buffer.write(bytes(range(256)) * 4000)",
            &lang(Lang::Python),
        )
        .await
        .unwrap();
    let want: Vec<u8> = (0..=255u8).cycle().take(256 * 4000).collect();
    assert_eq!(r.stdout.len(), want.len());
    assert!(
        r.stdout == want,
        "bytes must arrive unchanged across frame boundaries"
    );
}

#[tokio::test]
async fn process_scan_sees_live_processes() {
    // Proves the scan used by the kill tests can see what it looks for: a background
    // process that outlives its run (output detached) is found.
    let s = sandbox().await;
    let r = s
        .run("sleep 123 >/dev/null 2>&1 &", &RunOptions::default())
        .await
        .unwrap();
    assert!(r.ok());
    assert!(processes_matching(&s, "sleep 123")
        .await
        .contains("sleep 123"));
}

#[tokio::test]
async fn timeout_kills_the_command_and_everything_it_started() {
    let s = sandbox().await;
    // A child, a grandchild that double-forks into its own session and ignores SIGTERM, all
    // sleeping on a distinctive duration; partial output first.
    let cmd = "echo started; echo oops >&2; \
               sleep 321 & \
               (trap '' TERM; setsid sh -c 'sleep 321' &) ; \
               sleep 321";
    let r = s.run(cmd, &timeout(1500)).await.unwrap();
    assert!(r.timed_out);
    assert_eq!(r.exit_code, -1);
    assert_eq!(r.stdout_text(), "started\n", "partial output is kept");
    assert_eq!(r.stderr_text(), "oops\n");
    assert!(r.duration_ms >= 1500, "{}", r.duration_ms);
    let left = processes_matching(&s, "sleep 321").await;
    assert_eq!(left, "", "every process of the run must be gone");
    // The container is still usable.
    assert!(s.run("true", &RunOptions::default()).await.unwrap().ok());
}

/// Descendants that shed everything an environment or process-group search could find them
/// by: the environment (`env -i`), the session (`setsid`), the parent (double forks), SIGTERM
/// (a trap), SIGHUP (`nohup`), and a loop that keeps forking. A timeout leaves none of them,
/// as any user, under the strict preset too (every capability dropped), on either path, and
/// returns within the timeout plus the kill. scripts/test runs this suite on both paths: the
/// agent's shepherd and the engine-exec path's kill (docs/agent.md, docs/processes.md).
#[tokio::test]
async fn a_timeout_leaves_nothing_whatever_the_descendants_did() {
    let mut strict = opts();
    strict.harden();
    for (o, user) in [
        (opts(), None),
        (opts(), Some("65534:65534")),
        (strict, Some("65534:65534")),
    ] {
        let s = sandbox_with(o).await;
        let cmd = "env -i setsid sh -c 'trap \"\" TERM; sleep 4242' & \
                   (env -i sh -c '(setsid nohup sleep 4242 >/dev/null 2>&1 &)' &) ; \
                   (trap '' TERM; while :; do sleep 4242 & sleep 0.05; done) & \
                   echo started; sleep 100";
        let opts = RunOptions {
            timeout: Some(Duration::from_millis(1000)),
            user: user.map(str::to_owned),
            ..RunOptions::default()
        };
        let r = s.run(cmd, &opts).await.unwrap();
        assert!(r.timed_out, "{r:?}");
        assert_eq!(r.stdout_text(), "started\n");
        assert!(
            r.duration_ms < 4000,
            "the timeout must not take {} ms (user {user:?})",
            r.duration_ms
        );
        assert_eq!(
            processes_matching(&s, "sleep 4242").await,
            "",
            "every descendant must be gone (user {user:?})"
        );
        assert!(s.run("true", &RunOptions::default()).await.unwrap().ok());
    }
}

/// The kill of a timed-out run touches nothing of another run going on at the same time in
/// the same sandbox, not even that run's own escaped descendants.
#[tokio::test]
async fn a_timeout_kills_only_its_own_run() {
    let s = sandbox().await;
    let doomed = "env -i setsid sh -c 'trap \"\" TERM; sleep 4242' & \
                  (env -i sh -c '(setsid nohup sleep 4242 >/dev/null 2>&1 &)' &) ; sleep 100";
    let other = "env -i setsid sh -c 'sleep 4343' >/dev/null 2>&1 & \
                 (env -i sh -c '(setsid nohup sleep 4344 >/dev/null 2>&1 &)' &) ; \
                 sleep 3; echo finished; exit 7";
    let (a, b) = tokio::join!(s.run(doomed, timeout(1000)), s.run(other, timeout(30_000)));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.timed_out, "{a:?}");
    assert!(!b.timed_out, "{b:?}");
    assert_eq!((b.exit_code, b.stdout_text().as_str()), (7, "finished\n"));
    assert_eq!(processes_matching(&s, "sleep 4242").await, "");
    for left in ["sleep 4343", "sleep 4344"] {
        assert!(
            processes_matching(&s, left).await.contains(left),
            "the other run's background process must live on: {left}"
        );
    }
}

/// The engine-exec path starts each run through a shell that marks it (src/exec/kill.rs):
/// what the program gets is still exactly the argv, environment, directory and user asked
/// for, and its exit status is the run's.
#[tokio::test]
async fn argv_runs_exactly_as_given() {
    let s = sandbox().await;
    let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let r = s
        .run_argv(
            argv(&["printf", "%s|", "$HOME", "a b", "*;", "", "-c", "'\"\\"]),
            RunOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "$HOME|a b|*;||-c|'\"\\|");
    let r = s
        .run_argv(argv(&["sh", "-c", "exit 7"]), RunOptions::default())
        .await
        .unwrap();
    assert_eq!(r.exit_code, 7);
    let r = s
        .run_argv(argv(&["no-such-program"]), RunOptions::default())
        .await
        .unwrap();
    assert_eq!(r.exit_code, 127, "{r:?}");
    let o = RunOptions {
        env: vec![("ONE".into(), "a b".into())],
        workdir: Some("/tmp".into()),
        user: Some("65534:65534".into()),
        ..RunOptions::default()
    };
    let r = s
        .run_argv(
            argv(&["sh", "-c", "echo \"$ONE\"; pwd; id -u; echo $0 $#"]),
            &o,
        )
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "a b\n/tmp\n65534\nsh 0\n");
    // No variable of the wrapper's own: PWD (or SHLVL) only when the run sets it, as set.
    let env_of = |r: pocketdock::ExecResult| {
        let out = r.stdout_text();
        let mut names: Vec<String> = out
            .lines()
            .filter(|l| !l.starts_with("PD_RUN_ID="))
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    };
    let plain = env_of(
        s.run_argv(argv(&["env"]), RunOptions::default())
            .await
            .unwrap(),
    );
    assert!(
        !plain
            .iter()
            .any(|l| l.starts_with("PWD=") || l.starts_with("SHLVL=")),
        "{plain:?}"
    );
    let o = RunOptions {
        env: vec![("PWD".into(), "/not/here".into())],
        ..RunOptions::default()
    };
    let given = env_of(s.run_argv(argv(&["env"]), &o).await.unwrap());
    assert!(given.contains(&"PWD=/not/here".to_owned()), "{given:?}");
}

#[tokio::test]
async fn container_default_timeout_applies() {
    let s = sandbox_with(pocketdock::ContainerOptions {
        timeout: Duration::from_millis(800),
        ..opts()
    })
    .await;
    let r = s.run("sleep 30", &RunOptions::default()).await.unwrap();
    assert!(r.timed_out);
    assert_eq!(processes_matching(&s, "sleep 30").await, "");
}

#[tokio::test]
async fn output_cap_truncates_a_gigabyte_writer_and_kills_it() {
    let s = sandbox().await;
    let o = RunOptions {
        max_output: 1 << 20,
        ..Default::default()
    };
    let r = s
        .run(
            "head -c 1000000000 /dev/zero | tr '\\0' x; echo never-reached",
            &o,
        )
        .await
        .unwrap();
    assert!(r.truncated);
    assert!(!r.timed_out);
    assert_eq!(
        r.stdout.len() + r.stderr.len(),
        1 << 20,
        "exactly the cap is kept"
    );
    assert!(r.stdout.iter().all(|&b| b == b'x'));
    assert_eq!(processes_matching(&s, "head -c 1000000000").await, "");
}

#[tokio::test]
async fn cap_is_shared_by_stdout_and_stderr() {
    let s = sandbox().await;
    let o = RunOptions {
        max_output: 10,
        ..Default::default()
    };
    let r = s
        .run("printf 12345; printf abcdefgh >&2", &o)
        .await
        .unwrap();
    assert!(r.truncated);
    assert_eq!(r.stdout.len() + r.stderr.len(), 10);
}

#[tokio::test]
async fn zero_timeout_is_invalid() {
    let s = sandbox().await;
    let err = s.run("true", &timeout(0)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn sequential_and_concurrent_runs_on_one_container() {
    let s = sandbox().await;
    for i in 0..5 {
        let r = s
            .run(&format!("echo {i}"), &RunOptions::default())
            .await
            .unwrap();
        assert_eq!(r.stdout_text(), format!("{i}\n"));
    }
    let runs = futures_util::future::join_all((0..8).map(|i| {
        let s = &s;
        async move {
            let r = s
                .run(
                    &format!("sleep 0.2; echo {i}; echo e{i} >&2"),
                    &RunOptions::default(),
                )
                .await
                .unwrap();
            (i, r)
        }
    }))
    .await;
    for (i, r) in runs {
        assert_eq!(r.stdout_text(), format!("{i}\n"));
        assert_eq!(r.stderr_text(), format!("e{i}\n"));
    }
}

#[tokio::test]
async fn runs_use_the_image_user_and_workdir() {
    let s = sandbox().await;
    let r = s.run("id -un; pwd", &RunOptions::default()).await.unwrap();
    assert_eq!(r.stdout_text(), "sandbox\n/home/sandbox\n");
}

/// The pids of a run's tree (as it recorded them in `dir/pids`) still alive, zombies aside.
async fn alive(s: &Sandbox, dir: &str) -> (usize, String) {
    let check = format!(
        "n=0; for p in $(cat {dir}/pids); do n=$((n+1)); \
           [ -d /proc/$p ] && [ \"$(cut -d' ' -f3 /proc/$p/stat)\" != Z ] && echo $p; \
         done; echo \"n=$n\""
    );
    let r = s.run(&check, RunOptions::default()).await.unwrap();
    let out = r.stdout_text();
    let (live, n) = out.rsplit_once("n=").unwrap();
    (n.trim().parse().unwrap(), live.trim().to_owned())
}

#[tokio::test]
async fn dropping_a_run_future_kills_the_whole_command_tree() {
    let s = sandbox().await;
    let dir = "/tmp/drop-tree";
    // The shell, a child, a child in its own session that ignores SIGTERM, and a
    // double-forked orphan: each writes its pid, then all sleep.
    let cmd = format!(
        "mkdir -p {dir}; echo $$ >> {dir}/pids; \
         sleep 654 & echo $! >> {dir}/pids; \
         (trap '' TERM; setsid sh -c 'echo $$ >> {dir}/pids; sleep 654') & \
         (sleep 654 & echo $! >> {dir}/pids); \
         wait"
    );
    // A timeout far beyond the test, so only the drop can end the run.
    let run = s.run(&cmd, timeout(600_000));
    let cut = tokio::time::timeout(Duration::from_millis(2500), run).await;
    assert!(cut.is_err(), "the run must still be going: {cut:?}");
    // The future is gone; the driver kills in the background: wait for it, up to 10 s.
    let give_up = std::time::Instant::now() + Duration::from_secs(10);
    let (mut started, mut left) = alive(&s, dir).await;
    while !left.is_empty() && std::time::Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(100)).await;
        (started, left) = alive(&s, dir).await;
    }
    assert_eq!(started, 4, "the whole tree had started");
    assert_eq!(left, "", "every process of the dropped run must be gone");
    assert_eq!(processes_matching(&s, "sleep 654").await, "");
    // The container is still usable.
    assert!(s.run("true", RunOptions::default()).await.unwrap().ok());
}

#[tokio::test]
async fn runs_on_two_containers_join() {
    let (a, b) = tokio::join!(sandbox(), sandbox());
    // Options by value: no temporary outlives the statement.
    let (x, y) = tokio::join!(
        a.run("echo a", RunOptions::default()),
        b.run(format!("echo {}", "b"), RunOptions::default()),
    );
    assert_eq!(x.unwrap().stdout_text(), "a\n");
    assert_eq!(y.unwrap().stdout_text(), "b\n");
}
