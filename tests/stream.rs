//! Streaming runs on a real engine, through the agent and through the engine exec.

mod common;

use std::time::Duration;

use common::*;
use pocketdock::{RunOptions, StreamEvent, StreamKind};

/// Drains a stream: (stdout, stderr, chunks seen, exit event).
async fn drain(mut s: pocketdock::RunStream) -> (Vec<u8>, Vec<u8>, usize, pocketdock::ExecResult) {
    let (mut out, mut err, mut n) = (Vec::new(), Vec::new(), 0);
    while let Some(ev) = s.next().await {
        match ev.expect("stream event") {
            StreamEvent::Output(c) => {
                n += 1;
                match c.stream {
                    StreamKind::Stdout => out.extend(c.data),
                    StreamKind::Stderr => err.extend(c.data),
                }
            }
            StreamEvent::Exit(r) => return (out, err, n, r),
        }
    }
    panic!("stream ended without an exit");
}

#[tokio::test]
async fn output_arrives_as_it_happens_then_the_result() {
    let s = sandbox().await;
    let mut st = s
        .run_stream(
            "echo one; sleep 0.5; echo two >&2; sleep 0.5; echo three; exit 3",
            &RunOptions::default(),
        )
        .await
        .unwrap();
    // The first line arrives long before the command ends.
    let t = std::time::Instant::now();
    match st.next().await.unwrap().unwrap() {
        StreamEvent::Output(c) => {
            assert_eq!(
                (c.stream, c.data.as_slice()),
                (StreamKind::Stdout, &b"one\n"[..])
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        t.elapsed() < Duration::from_millis(900),
        "first chunk took {:?}",
        t.elapsed()
    );
    let (out, err, _, r) = drain(st).await;
    assert_eq!(out, b"three\n");
    assert_eq!(err, b"two\n");
    assert_eq!(r.exit_code, 3);
    assert!(r.stdout.is_empty() && !r.timed_out && !r.truncated);
}

#[tokio::test]
async fn timeout_ends_the_stream_and_kills_everything() {
    let s = sandbox().await;
    let o = RunOptions {
        timeout: Some(Duration::from_millis(1000)),
        ..Default::default()
    };
    let st = s
        .run_stream("echo partial; sleep 432 & sleep 432", &o)
        .await
        .unwrap();
    let (out, _, _, r) = drain(st).await;
    assert_eq!(out, b"partial\n");
    assert!(r.timed_out);
    assert_eq!(processes_matching(&s, "sleep 432").await, "");
}

#[tokio::test]
async fn output_cap_applies_to_streams() {
    let s = sandbox().await;
    let o = RunOptions {
        max_output: 100_000,
        ..Default::default()
    };
    let st = s.run_stream("yes streaming", &o).await.unwrap();
    let (out, err, _, r) = drain(st).await;
    assert!(r.truncated);
    assert_eq!(out.len() + err.len(), 100_000);
    assert_eq!(processes_matching(&s, "yes streaming").await, "");
}

#[tokio::test]
async fn dropping_a_stream_part_way_kills_the_command() {
    let s = sandbox().await;
    let mut st = s
        .run_stream(
            "while true; do echo tick-765; sleep 0.05; done",
            &RunOptions::default(),
        )
        .await
        .unwrap();
    for _ in 0..3 {
        assert!(matches!(st.next().await, Some(Ok(StreamEvent::Output(_)))));
    }
    drop(st);
    // The kill happens in the background; give it a moment, bounded.
    let mut left = String::new();
    for _ in 0..50 {
        left = processes_matching(&s, "tick-765").await;
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, "");
    // The container is fine afterwards.
    assert!(s.run("true", &RunOptions::default()).await.unwrap().ok());
}

#[tokio::test]
async fn cancel_from_another_task_ends_the_stream() {
    let s = sandbox().await;
    let st = s
        .run_stream("echo start; sleep 543", &RunOptions::default())
        .await
        .unwrap();
    let canceller = st.canceller();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        canceller.cancel();
    });
    let (out, _, _, r) = drain(st).await;
    assert_eq!(out, b"start\n");
    assert!(!r.timed_out);
    assert_ne!(r.exit_code, 0);
    assert_eq!(processes_matching(&s, "sleep 543").await, "");
}
