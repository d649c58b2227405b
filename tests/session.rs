//! Persistent shell sessions (through the agent).

mod common;

use std::time::Duration;

use common::*;
use pocketdock::{ContainerOptions, ErrorKind, RunOptions};

fn with_agent() -> ContainerOptions {
    ContainerOptions {
        agent: true,
        ..opts()
    }
}

#[tokio::test]
async fn state_persists_and_output_is_framed_exactly() {
    let s = sandbox_with(with_agent()).await;
    let sh = s.open_session(&RunOptions::default()).await.unwrap();
    let t = Some(Duration::from_secs(10));
    let r = sh
        .send_and_wait("cd /tmp && export FOO=bar", t)
        .await
        .unwrap();
    assert_eq!((r.exit_code, r.stdout.len(), r.stderr.len()), (0, 0, 0));
    let r = sh
        .send_and_wait("pwd; echo $FOO; echo err >&2; printf 'no newline'", t)
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "/tmp\nbar\nno newline");
    assert_eq!(r.stderr_text(), "err\n");
    let r = sh.send_and_wait("false", t).await.unwrap();
    assert_eq!(r.exit_code, 1);
    // Quotes and syntax errors cannot break the framing.
    let r = sh
        .send_and_wait("echo \"it's\" 'a \"test\"'", t)
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "it's a \"test\"\n");
    let r = sh.send_and_wait("echo 'unclosed", t).await.unwrap();
    assert_ne!(r.exit_code, 0);
    // A command reading stdin does not swallow the sentinel.
    let r = sh.send_and_wait("cat; echo after-cat", t).await.unwrap();
    assert_eq!(r.stdout_text(), "after-cat\n");
    // The session's environment does not leak into run().
    let r = s
        .run("echo \"[$FOO]\"; pwd", &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "[]\n/home/sandbox\n");
    sh.close().await.unwrap();
}

#[tokio::test]
async fn a_timed_out_command_is_interrupted_and_the_session_lives_on() {
    let s = sandbox_with(with_agent()).await;
    let sh = s.open_session(&RunOptions::default()).await.unwrap();
    sh.send_and_wait("X=kept", None).await.unwrap();
    let r = sh
        .send_and_wait(
            "echo before; sleep 100; echo never",
            Some(Duration::from_millis(800)),
        )
        .await
        .unwrap();
    assert!(r.timed_out);
    assert_eq!(r.stdout_text(), "before\n");
    assert_eq!(processes_matching(&s, "sleep 100").await, "");
    let r = sh
        .send_and_wait("echo $X", Some(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(r.stdout_text(), "kept\n");
}

#[tokio::test]
async fn one_command_at_a_time_and_send_then_read() {
    let s = sandbox_with(with_agent()).await;
    let sh = s.open_session(&RunOptions::default()).await.unwrap();
    sh.send("echo sent-line").await.unwrap();
    // (Output of a `send` still arriving once a command starts would count as the
    // command's: wait until it is there.)
    for _ in 0..200 {
        if !sh.process().peek().await.unwrap().stdout.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (a, b) = tokio::join!(
        sh.send_and_wait("sleep 1; echo one", Some(Duration::from_secs(10))),
        async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            sh.send_and_wait("echo two", Some(Duration::from_secs(10)))
                .await
        }
    );
    assert_eq!(a.unwrap().stdout_text(), "one\n");
    assert_eq!(b.unwrap_err().kind(), ErrorKind::InvalidState);
    // What `send` produced is still there for `read`.
    let out = sh.read().await.unwrap();
    assert_eq!(out.stdout, b"sent-line\n");
    // Even output a `send` is still producing when the next command is sent goes to `read`,
    // not to that command: the shell runs the sent line first, and the command's output
    // starts at its own start marker.
    sh.send("sleep 0.3; echo slow-sent; echo slow-err >&2")
        .await
        .unwrap();
    let r = sh
        .send_and_wait("echo mine", Some(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(
        (r.stdout_text().as_str(), r.stderr_text().as_str()),
        ("mine\n", "")
    );
    let out = sh.read().await.unwrap();
    assert_eq!(
        (out.stdout.as_slice(), out.stderr.as_slice()),
        (&b"slow-sent\n"[..], &b"slow-err\n"[..])
    );
}

#[tokio::test]
async fn input_that_ends_the_shell_is_delivered_and_later_input_is_refused() {
    let s = sandbox_with(with_agent()).await;
    // The shell may end before the agent answers the write: that write still succeeded.
    for _ in 0..8 {
        let sh = s.open_session(&RunOptions::default()).await.unwrap();
        sh.send("exit 3").await.unwrap();
        let r = sh
            .process()
            .wait(Some(Duration::from_secs(10)))
            .await
            .unwrap();
        assert_eq!(r.exit_code, 3);
        let late = sh.send("echo too late").await.unwrap_err();
        assert_eq!(late.kind(), ErrorKind::InvalidState, "{late}");
    }
}

#[tokio::test]
async fn background_output_from_before_a_command_goes_to_read() {
    let s = sandbox_with(with_agent()).await;
    let sh = s.open_session(&RunOptions::default()).await.unwrap();
    let t = Some(Duration::from_secs(10));
    // Commands after a command need no start markers (the shell is idle): what a
    // background job printed meanwhile is still not theirs.
    let r = sh.send_and_wait("(sleep 0.2; echo bg; echo bg-err >&2) &", t);
    assert_eq!(r.await.unwrap().exit_code, 0);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let r = sh.send_and_wait("echo mine", t).await.unwrap();
    assert_eq!(
        (r.stdout_text(), r.stderr_text()),
        ("mine\n".into(), String::new())
    );
    let r = sh.send_and_wait("echo again >&2", t).await.unwrap();
    assert_eq!(
        (r.stdout_text(), r.stderr_text()),
        (String::new(), "again\n".into())
    );
    let out = sh.read().await.unwrap();
    assert_eq!(
        (out.stdout, out.stderr),
        (b"bg\n".to_vec(), b"bg-err\n".to_vec())
    );
}

#[tokio::test]
async fn a_large_output_comes_whole() {
    let s = sandbox_with(with_agent()).await;
    let sh = s.open_session(&RunOptions::default()).await.unwrap();
    let t = Some(Duration::from_secs(30));
    // Larger than the agent holds back (it sends such output ahead in pieces), and ending
    // without a newline, right against the end marker.
    let r = sh
        .send_and_wait("head -c 3000000 /dev/zero | tr '\\0' x; echo e >&2", t)
        .await
        .unwrap();
    assert_eq!((r.exit_code, r.stderr_text().as_str()), (0, "e\n"));
    assert_eq!(r.stdout.len(), 3_000_000);
    assert!(r.stdout.iter().all(|&b| b == b'x'));
    let r = sh.send_and_wait("echo next", t).await.unwrap();
    assert_eq!(r.stdout_text(), "next\n");
}
