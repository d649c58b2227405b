//! Detached processes: background runs kept by the agent, re-attach from another client,
//! kill, wait, ring buffers. Always on the agent path.

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
async fn spawn_read_wait() {
    let s = sandbox_with(with_agent()).await;
    // Deterministic whatever the machine's load: the second half waits for a signal.
    let cmd =
        "trap 'echo second; exit 4' USR1; echo first; echo warn >&2; while :; do sleep 0.05; done";
    let p = s.spawn(cmd, &RunOptions::default()).await.unwrap();
    assert!(p.is_running().await.unwrap());
    let mut early = pocketdock::ProcessOutput::default();
    for _ in 0..200 {
        let got = p.read().await.unwrap();
        early.stdout.extend(got.stdout);
        early.stderr.extend(got.stderr);
        if !early.stdout.is_empty() && !early.stderr.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(early.stdout, b"first\n");
    assert_eq!(early.stderr, b"warn\n");
    // read drains: the same bytes are not returned twice.
    assert!(p.read().await.unwrap().stdout.is_empty());
    p.kill(10).await.unwrap();
    let r = p.wait(Some(Duration::from_secs(10))).await.unwrap();
    assert_eq!(r.exit_code, 4);
    assert_eq!(r.stdout, b"second\n", "wait returns what was not read yet");
    assert!(!p.is_running().await.unwrap());
    let listed = s.list_processes().await.unwrap();
    let me = listed.iter().find(|i| i.id == p.id()).expect("listed");
    assert_eq!((me.running, me.exit_code), (false, Some(4)));
}

#[tokio::test]
async fn wait_timeout_leaves_it_running_and_kill_really_kills() {
    let s = sandbox_with(with_agent()).await;
    let p = s
        .spawn("sleep 654 & sleep 654; echo never", &RunOptions::default())
        .await
        .unwrap();
    let err = p.wait(Some(Duration::from_millis(300))).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(p.is_running().await.unwrap());
    assert!(processes_matching(&s, "sleep 654")
        .await
        .contains("sleep 654"));
    p.kill(9).await.unwrap();
    let r = p.wait(Some(Duration::from_secs(10))).await.unwrap();
    assert_eq!(r.signal, Some(9));
    assert_eq!(
        processes_matching(&s, "sleep 654").await,
        "",
        "the whole group is gone"
    );
    // Killing a finished process is fine.
    p.kill(15).await.unwrap();
    assert_eq!(
        p.kill(0).await.unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[tokio::test]
async fn a_zero_wait_just_looks_and_is_never_beaten_by_its_round_trip() {
    let s = sandbox_with(with_agent()).await;
    let running = s.spawn("sleep 600", &RunOptions::default()).await.unwrap();
    let err = running.wait(Some(Duration::ZERO)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        err.to_string().contains("still running after 0 ms"),
        "{err}"
    );
    running.kill(9).await.unwrap();
    let done = s.spawn("echo hi", &RunOptions::default()).await.unwrap();
    while done.is_running().await.unwrap() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Ended: a wait of 0 (or 1 ms) answers with the result every time, however long the
    // agent takes to answer (it used to lose that race in about half the calls).
    for limit in [0, 1, 0, 1, 0, 1, 0, 1, 0, 1] {
        let r = done.wait(Some(Duration::from_millis(limit))).await;
        assert_eq!(r.map(|r| r.exit_code).ok(), Some(0), "wait({limit} ms)");
    }
}

#[tokio::test]
async fn signals_reach_the_process_inside_the_sandbox() {
    let s = sandbox_with(with_agent()).await;
    let p = s
        .spawn(
            "trap 'echo got-usr1' USR1; trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done",
            &RunOptions::default(),
        )
        .await
        .unwrap();
    for _ in 0..100 {
        if p.peek().await.unwrap().stdout.starts_with(b"ready") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    p.kill(10).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    p.kill(15).await.unwrap();
    let r = p.wait(Some(Duration::from_secs(10))).await.unwrap();
    assert_eq!(r.exit_code, 7);
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        "ready\ngot-usr1\ngot-term\n"
    );
}

#[tokio::test]
async fn ring_buffer_keeps_the_newest_bytes_and_says_so() {
    let s = sandbox_with(with_agent()).await;
    let o = RunOptions {
        buffer_size: 1000,
        ..Default::default()
    };
    let p = s
        .spawn(
            "i=0; while [ $i -lt 300 ]; do printf '%05d\\n' $i; i=$((i+1)); done",
            &o,
        )
        .await
        .unwrap();
    p.wait(Some(Duration::from_secs(10))).await.ok();
    // A new handle reads from the oldest byte still kept.
    let again = s.attach_process(p.id()).await.unwrap();
    let peeked = again.peek().await.unwrap();
    assert_eq!(peeked.stdout.len(), 500, "half the buffer per stream");
    assert!(peeked.stdout.ends_with(b"00299\n"));
    assert!(
        again.buffer_overflow(),
        "bytes were dropped before this handle read them"
    );
    assert_eq!(again.read().await.unwrap(), peeked, "peek did not drain");
    assert!(again.read().await.unwrap().stdout.is_empty());
    assert_eq!(p.buffer_size(), 1000);
}

#[tokio::test]
async fn another_client_reattaches_and_a_leaving_client_kills_nothing() {
    let s = sandbox_with(with_agent()).await;
    // Client A starts it, then goes away entirely (its channel closes).
    let id = {
        let a = client().await.get_container(s.name()).await.unwrap();
        let p = a
            .spawn("echo from-a; sleep 60; echo never", &RunOptions::default())
            .await
            .unwrap();
        p.id()
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Client B finds it, reads from the start, follows it to the end.
    let b = client().await.get_container(s.name()).await.unwrap();
    assert!(b
        .list_processes()
        .await
        .unwrap()
        .iter()
        .any(|i| i.id == id && i.running));
    let p = b.attach_process(id).await.unwrap();
    assert!(p.is_running().await.unwrap(), "A leaving must not end it");
    // B can end what A started.
    p.kill(15).await.unwrap();
    let r = p.wait(Some(Duration::from_secs(10))).await.unwrap();
    assert_eq!(r.stdout, b"from-a\n");
    assert_eq!(r.signal, Some(15));
    let err = b.attach_process(99_999).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn detached_needs_the_agent() {
    let s = sandbox_with(ContainerOptions {
        agent: false,
        ..opts()
    })
    .await;
    let err = s.spawn("true", &RunOptions::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn callbacks_see_all_output_in_order_then_the_exit() {
    use std::sync::{Arc, Mutex};
    let s = sandbox_with(with_agent()).await;
    let seen = Arc::new(Mutex::new((Vec::new(), Vec::new(), None::<i32>)));
    let (a, b) = (seen.clone(), seen.clone());
    let cbs = pocketdock::Callbacks {
        on_output: Some(Arc::new(move |k, d| {
            let mut g = a.lock().unwrap();
            match k {
                pocketdock::StreamKind::Stdout => g.0.extend_from_slice(d),
                pocketdock::StreamKind::Stderr => g.1.extend_from_slice(d),
            }
        })),
        on_exit: Some(Arc::new(move |r| b.lock().unwrap().2 = Some(r.exit_code))),
    };
    // Container-level callbacks apply to processes spawned afterwards.
    s.set_callbacks(Some(cbs));
    let p = s
        .spawn(
            "for i in 1 2 3; do echo $i; sleep 0.1; done; echo e >&2; exit 6",
            &RunOptions::default(),
        )
        .await
        .unwrap();
    p.wait(Some(Duration::from_secs(10))).await.unwrap();
    for _ in 0..100 {
        if seen.lock().unwrap().2.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let g = seen.lock().unwrap();
    assert_eq!(g.0, b"1\n2\n3\n");
    assert_eq!(g.1, b"e\n");
    assert_eq!(g.2, Some(6));
}
