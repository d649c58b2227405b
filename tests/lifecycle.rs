//! Container lifecycle on a real engine: create options, labels, names, errors, shutdown.

mod common;

use common::*;
use pocketdock::{ContainerOptions, ErrorKind, RunOptions};
use std::time::Duration;

#[tokio::test]
async fn create_sets_reference_labels_and_engine_name() {
    let s = sandbox_with(ContainerOptions {
        project: Some("proj-x".into()),
        ..opts()
    })
    .await;
    assert!(
        s.name().starts_with("pd-") && s.name().len() == 11,
        "{}",
        s.name()
    );
    let info = inspect(s.name()).expect("engine knows the container by our name");
    let labels = &info["Config"]["Labels"];
    assert_eq!(labels["pocketdock.managed"], "true");
    assert_eq!(labels["pocketdock.instance"], s.name());
    assert_eq!(labels["pocketdock.persist"], "false");
    assert_eq!(labels["pocketdock.project"], "proj-x");
    assert!(labels["pocketdock.created-at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    assert_eq!(info["State"]["Running"], true);
}

#[tokio::test]
async fn limits_env_workdir_and_network_are_applied() {
    let s = sandbox_with(ContainerOptions {
        mem_limit: Some("256m".into()),
        cpu_percent: Some(50),
        env: vec![("GREETING".into(), "hi there".into())],
        workdir: Some("/tmp".into()),
        network: Some(false),
        ..opts()
    })
    .await;
    let info = inspect(s.name()).unwrap();
    assert_eq!(info["HostConfig"]["Memory"], 256 << 20);
    assert_eq!(info["HostConfig"]["CpuQuota"], 50_000);
    let r = s
        .run(
            "echo \"$GREETING\"; pwd; ls /sys/class/net",
            &RunOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        r.stdout_text(),
        "hi there\n/tmp\nlo\n",
        "stderr: {}",
        r.stderr_text()
    );
}

#[tokio::test]
async fn explicit_name_is_used_and_a_clash_is_a_clear_error() {
    let name = format!("pd-test-clash-{}", std::process::id());
    let first = sandbox_with(ContainerOptions {
        name: Some(name.clone()),
        ..opts()
    })
    .await;
    assert_eq!(first.name(), name);
    let err = client()
        .await
        .create_container(&ContainerOptions {
            name: Some(name.clone()),
            ..opts()
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NameConflict, "{err}");
    assert!(err.to_string().contains(&name));
    // The first container is untouched by the failed attempt.
    assert!(first
        .run("true", &RunOptions::default())
        .await
        .unwrap()
        .ok());
}

#[tokio::test]
async fn missing_image_is_image_not_found_and_leaves_nothing() {
    let name = format!("pd-test-noimg-{}", std::process::id());
    let err = client()
        .await
        .create_container(&ContainerOptions {
            image: "pocketdock/does-not-exist:nope".into(),
            name: Some(name.clone()),
            ..opts()
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ImageNotFound, "{err}");
    assert!(inspect(&name).is_none());
}

#[tokio::test]
async fn bad_options_are_invalid_arguments_before_the_engine_is_asked() {
    let c = client().await;
    for o in [
        ContainerOptions {
            mem_limit: Some("lots".into()),
            ..opts()
        },
        ContainerOptions {
            mem_limit: Some("12q".into()),
            ..opts()
        },
        ContainerOptions {
            name: Some("bad name!".into()),
            ..opts()
        },
        ContainerOptions {
            cpu_percent: Some(0),
            ..opts()
        },
    ] {
        let err = c.create_container(&o).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    }
}

#[tokio::test]
async fn shutdown_removes_is_idempotent_and_later_runs_fail_cleanly() {
    let s = sandbox().await;
    s.shutdown().await.unwrap();
    assert!(
        inspect(s.name()).is_none(),
        "ephemeral container must be removed"
    );
    s.shutdown().await.unwrap();
    let err = s.run("echo hi", &RunOptions::default()).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::ContainerNotFound | ErrorKind::ContainerNotRunning
        ),
        "{err}"
    );
    // What happened is said: this handle shut it down (not "removed outside").
    assert!(err.to_string().contains("already shut down"), "{err}");
}

#[tokio::test]
async fn container_removed_behind_our_back_is_gone() {
    let s = sandbox().await;
    force_remove(s.name());
    let err = s.run("echo hi", &RunOptions::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ContainerGone, "{err}");
}

#[tokio::test]
async fn several_containers_at_once() {
    let c = client().await;
    let o = opts();
    let made = futures_util::future::join_all((0..4).map(|_| c.create_container(&o))).await;
    // Guard every container that was made before unwrapping any result.
    let made: Vec<_> = made.into_iter().map(|r| r.map(|c| Sandbox { c })).collect();
    let boxes: Vec<Sandbox> = made.into_iter().map(|r| r.unwrap()).collect();
    let ro = RunOptions::default();
    let runs =
        futures_util::future::join_all(boxes.iter().map(|b| b.run("cat /etc/hostname", &ro))).await;
    let mut hosts: Vec<String> = runs.into_iter().map(|r| r.unwrap().stdout_text()).collect();
    hosts.sort();
    hosts.dedup();
    assert_eq!(hosts.len(), 4, "each run happened in its own container");
    for b in &boxes {
        b.shutdown().await.unwrap();
        assert!(inspect(b.name()).is_none());
    }
}

#[tokio::test]
async fn engine_not_found_lists_what_was_tried() {
    let err = pocketdock::Client::connect_to(Some(std::path::Path::new("/nonexistent/pd.sock")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineNotFound);
    assert!(
        err.to_string()
            .contains("/nonexistent/pd.sock (no such socket)"),
        "{err}"
    );
}

#[tokio::test]
async fn engine_not_found_says_why_a_socket_was_passed_over() {
    // A Unix socket that accepts and closes: there, but no engine behind it.
    let dir = std::env::temp_dir().join(format!("pd-notengine-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fake.sock");
    let _ = std::fs::remove_file(&path);
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            drop(s);
        }
    });
    let err = pocketdock::Client::connect_to(Some(&path))
        .await
        .unwrap_err();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(err.kind(), ErrorKind::EngineNotFound);
    let msg = err.to_string();
    assert!(msg.contains(&format!("{} (", path.display())), "{msg}");
    assert!(!msg.contains("no such socket"), "{msg}");
}

#[tokio::test]
async fn engine_kind_is_detected() {
    let c = client().await;
    let want = if is_podman() {
        pocketdock::EngineKind::Podman
    } else {
        pocketdock::EngineKind::Docker
    };
    assert_eq!(c.engine_info().kind, want);
    assert!(!c.engine_info().api_version.is_empty());
}

/// Runs `during` half a second into a blocking run of `sleep 30`, and returns how the run
/// ended (bounded: a hang fails the test instead of stalling the suite).
async fn run_while(s: &Sandbox, during: impl FnOnce() + Send + 'static) -> pocketdock::Error {
    let outside = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(500));
        during();
    });
    let ro = RunOptions::default();
    let run = s.run("sleep 30", &ro);
    let ended = tokio::time::timeout(Duration::from_secs(25), run)
        .await
        .expect("the run must end when its container is removed or stopped");
    outside.await.unwrap();
    ended.expect_err("a run whose container went away has no exit of its own")
}

#[tokio::test]
async fn a_removal_during_a_run_is_gone_on_every_path() {
    let s = sandbox().await;
    let name = s.name().to_owned();
    let err = run_while(&s, move || force_remove(&name)).await;
    assert_eq!(err.kind(), ErrorKind::ContainerGone, "{err}");
}

#[tokio::test]
async fn a_removal_during_a_stream_is_gone_on_every_path() {
    let s = sandbox().await;
    let mut st = s
        .run_stream("echo started; sleep 30", &RunOptions::default())
        .await
        .unwrap();
    let name = s.name().to_owned();
    let outside = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(500));
        force_remove(&name);
    });
    let end = tokio::time::timeout(Duration::from_secs(25), async {
        while let Some(ev) = st.next().await {
            match ev {
                Ok(pocketdock::StreamEvent::Exit(r)) => return Ok(r),
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        panic!("the stream ended without an exit or an error");
    })
    .await
    .expect("the stream must end when its container is removed");
    outside.await.unwrap();
    let err = end.expect_err("a removed container's stream ends in an error, not an exit");
    assert_eq!(err.kind(), ErrorKind::ContainerGone, "{err}");
}

#[tokio::test]
async fn a_stop_from_outside_during_a_run_is_not_running() {
    let s = sandbox().await;
    let name = s.name().to_owned();
    let err = run_while(&s, move || {
        let (status, body) = raw("POST", &format!("/containers/{name}/stop?t=0"));
        assert!(matches!(status, 204 | 304), "stop: {status} {body}");
    })
    .await;
    assert_eq!(err.kind(), ErrorKind::ContainerNotRunning, "{err}");
}

/// kill_all on both paths: what finished runs left behind is gone, the sandbox stays up.
#[tokio::test]
async fn kill_all_ends_what_runs_left_and_keeps_the_sandbox() {
    let s = sandbox().await;
    let ro = RunOptions::default();
    let r = s
        .run("setsid sleep 4713 >/dev/null 2>&1 < /dev/null &", &ro)
        .await
        .unwrap();
    assert!(r.ok(), "{r:?}");
    let killed = s.kill_all().await.unwrap();
    assert!(killed >= 1, "the background sleep was running: {killed}");
    assert_eq!(processes_matching(&s, "sleep 4713").await, "");
    let r = s.run("echo still up", &ro).await.unwrap();
    assert_eq!(r.stdout_text(), "still up\n", "{r:?}");
}
