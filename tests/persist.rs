//! Persistent sandboxes on a real engine: shutdown and resume, list/stop/destroy/prune by
//! project, exact name lookups, reboot in place and fresh, snapshots. Every test works in a
//! project of its own and removes everything of it when done (even on panic).

mod common;

use std::time::Duration;

use common::*;
use pocketdock::{ContainerOptions, ErrorKind, PortMapping, RunOptions, VolumeMount};
use serde_json::{json, Value};

fn in_project(project: &str, persist: bool) -> ContainerOptions {
    ContainerOptions {
        project: Some(project.into()),
        persist,
        ..opts()
    }
}

async fn out(c: &pocketdock::Container, cmd: &str) -> String {
    let r = c.run(cmd, &RunOptions::default()).await.unwrap();
    assert_eq!(r.exit_code, 0, "{cmd}: {}", r.stderr_text());
    r.stdout_text()
}

#[tokio::test]
async fn persist_shutdown_resume_keeps_state() {
    let project = unique_project("resume");
    let _g = ProjectGuard(project.clone());
    let client = client().await;
    let c = client
        .create_container(&ContainerOptions {
            timeout: Duration::from_millis(7_000),
            ..in_project(&project, true)
        })
        .await
        .unwrap();
    out(&c, "echo kept > marker").await;
    c.shutdown().await.unwrap();
    let doc = inspect(c.name()).expect("a persistent container survives shutdown");
    assert_eq!(doc["State"]["Running"], false);

    // Another client (as another process would) finds it by name and starts it again.
    let other = common::client().await;
    let r = other.resume_container(c.name()).await.unwrap();
    assert_eq!((r.name(), r.id()), (c.name(), c.id()));
    assert_eq!(inspect(c.name()).unwrap()["State"]["Running"], true);
    assert_eq!(
        r.uses_agent(),
        agent_on(),
        "the agent comes back with the start"
    );
    assert_eq!(
        r.default_timeout(),
        Duration::from_millis(7_000),
        "restored from the options label"
    );
    assert_eq!(out(&r, "cat marker").await, "kept\n");
    assert_eq!(out(&r, "echo again").await, "again\n");

    // Resuming a running one hands back the same container, untouched.
    let again = other.resume_container(c.name()).await.unwrap();
    assert_eq!(again.id(), c.id());
    assert_eq!(out(&again, "cat marker").await, "kept\n");
}

#[tokio::test]
async fn list_stop_destroy_and_prune_within_a_project() {
    let project = unique_project("list");
    let _g = ProjectGuard(project.clone());
    let client = client().await;
    let keep = client
        .create_container(&in_project(&project, true))
        .await
        .unwrap();
    let gone = client
        .create_container(&in_project(&project, false))
        .await
        .unwrap();
    let running = client
        .create_container(&in_project(&project, false))
        .await
        .unwrap();

    let mut listed = client.list_containers(Some(&project)).await.unwrap();
    listed.sort_by(|a, b| a.name.cmp(&b.name));
    let mut want = vec![keep.name(), gone.name(), running.name()];
    want.sort();
    let names: Vec<&str> = listed.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, want);
    for s in &listed {
        assert_eq!(s.status, "running");
        assert_eq!(s.project.as_deref(), Some(project.as_str()));
        assert_eq!(s.image, "pocketdock/minimal-python");
        assert_eq!(s.persist, s.name == keep.name());
        assert!(s.created_at.ends_with('Z'), "{}", s.created_at);
        let doc = inspect(&s.name).unwrap();
        assert_eq!(doc["Id"], s.id.as_str());
    }
    // Unfiltered, ours are among pocketdock's containers.
    let all = client.list_containers(None).await.unwrap();
    assert!(want.iter().all(|n| all.iter().any(|s| s.name == *n)));

    client.stop_container(keep.name()).await.unwrap();
    client.stop_container(keep.name()).await.unwrap(); // stopping a stopped one is fine
    client.destroy_container(gone.name()).await.unwrap();
    assert!(inspect(gone.name()).is_none(), "destroy removes it");
    let listed = client.list_containers(Some(&project)).await.unwrap();
    assert_eq!(listed.len(), 2);
    let stopped = listed.iter().find(|s| s.name == keep.name()).unwrap();
    assert!(stopped.is_stopped(), "{}", stopped.status);

    assert_eq!(client.prune(Some(&project)).await.unwrap(), 1);
    assert!(inspect(keep.name()).is_none(), "the stopped one is pruned");
    assert_eq!(
        inspect(running.name()).unwrap()["State"]["Running"],
        true,
        "a running one survives prune"
    );
    assert_eq!(client.prune(Some(&project)).await.unwrap(), 0);
    let err = client.destroy_container(gone.name()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ContainerNotFound, "{err}");
}

#[tokio::test]
async fn lookups_are_exact_and_only_find_pocketdock_containers() {
    let project = unique_project("exact");
    let _g = ProjectGuard(project.clone());
    let client = client().await;
    let short_name = format!("{project}-a");
    let long_name = format!("{project}-ab");
    let short = client
        .create_container(&ContainerOptions {
            name: Some(short_name.clone()),
            ..in_project(&project, true)
        })
        .await
        .unwrap();
    let long = client
        .create_container(&ContainerOptions {
            name: Some(long_name.clone()),
            ..in_project(&project, true)
        })
        .await
        .unwrap();

    assert_eq!(
        client.get_container(&short_name).await.unwrap().id(),
        short.id()
    );
    client.stop_container(&short_name).await.unwrap();
    assert_eq!(inspect(&short_name).unwrap()["State"]["Running"], false);
    assert_eq!(
        inspect(&long_name).unwrap()["State"]["Running"],
        true,
        "stopping {short_name} must not touch {long_name}"
    );
    // Resuming the long one finds it, not the stopped short one.
    assert_eq!(
        client.resume_container(&long_name).await.unwrap().id(),
        long.id()
    );
    // A prefix of a name, or a name pocketdock does not own, is not found.
    let stranger = format!("{project}-stranger");
    let (st, body) = raw_json(
        "POST",
        &format!("/containers/create?name={stranger}"),
        &json!({"Image": "pocketdock/minimal-python", "Cmd": ["sleep", "30"],
                "Labels": {"pocketdock.project": project, "pocketdock.test": "rust"}}),
    );
    assert_eq!(st, 201, "{body}");
    for name in [&project, &stranger, &format!("{project}-")] {
        let e = client.resume_container(name).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ContainerNotFound, "{name}: {e}");
        let e = client.destroy_container(name).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ContainerNotFound, "{name}: {e}");
        let e = client.get_container(name).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ContainerNotFound, "{name}: {e}");
    }
    assert!(inspect(&stranger).is_some(), "not ours: left alone");
    // A full id and a 12-digit id prefix still name a container.
    assert_eq!(
        client.get_container(long.id()).await.unwrap().name(),
        long_name
    );
    assert_eq!(
        client.get_container(&long.id()[..12]).await.unwrap().name(),
        long_name
    );
}

#[tokio::test]
async fn reboot_in_place_keeps_files_and_the_id() {
    let project = unique_project("reboot");
    let _g = ProjectGuard(project.clone());
    let c = client()
        .await
        .create_container(&in_project(&project, false))
        .await
        .unwrap();
    out(&c, "echo still > marker").await;
    let before = inspect(c.name()).unwrap()["State"]["StartedAt"].clone();
    let t = std::time::Instant::now();
    c.reboot(false).await.unwrap();
    let took = t.elapsed();
    let doc = inspect(c.name()).unwrap();
    assert_eq!(doc["Id"], c.id());
    assert_ne!(doc["State"]["StartedAt"], before, "it really restarted");
    assert!(took < Duration::from_secs(8), "no stop grace: {took:?}");
    assert_eq!(out(&c, "cat marker").await, "still\n");
    println!("reboot in place took {took:?}");
}

/// What a fresh reboot must keep: the engine's own record of every option.
fn option_view(doc: &Value) -> Value {
    let h = &doc["HostConfig"];
    let mut env: Vec<String> = doc["Config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .filter(|e| !e.starts_with("HOSTNAME="))
        .collect();
    env.sort();
    let mut labels = doc["Config"]["Labels"].clone();
    labels
        .as_object_mut()
        .unwrap()
        .remove("pocketdock.created-at");
    json!({
        "name": doc["Name"], "image": doc["Config"]["Image"], "memory": h["Memory"],
        "nano_cpus": h["NanoCpus"], "cpu_quota": h["CpuQuota"], "cpu_period": h["CpuPeriod"],
        "binds": h["Binds"], "devices": h["Devices"], "ports": h["PortBindings"], "env": env,
        "workdir": doc["Config"]["WorkingDir"], "network": h["NetworkMode"],
        "read_only": h["ReadonlyRootfs"], "cap_drop": h["CapDrop"], "cap_add": h["CapAdd"],
        "security": h["SecurityOpt"], "pids": h["PidsLimit"], "user": doc["Config"]["User"],
        "labels": labels, "tmpfs": h["Tmpfs"], "entrypoint": doc["Config"]["Entrypoint"],
    })
}

#[tokio::test]
async fn fresh_reboot_keeps_every_option_and_the_name() {
    let project = unique_project("fresh");
    let _g = ProjectGuard(project.clone());
    let dir = std::env::temp_dir().join(&project);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("host.txt"), "from host\n").unwrap();
    let port = 20_000 + (std::process::id() % 20_000) as u16;
    let c = client()
        .await
        .create_container(&ContainerOptions {
            mem_limit: Some("192m".into()),
            cpu_percent: Some(60),
            volumes: vec![VolumeMount {
                host_path: dir.display().to_string(),
                container_path: "/data".into(),
                read_only: true,
            }],
            devices: vec!["/dev/null:/dev/pdnull".into()],
            ports: vec![PortMapping {
                host_port: port,
                container_port: 8000,
                protocol: "tcp".into(),
            }],
            env: vec![("GREETING".into(), "hi there".into())],
            workdir: Some("/tmp".into()),
            read_only: true,
            tmpfs: vec![("/tmp".into(), "rw,size=16m,mode=1777".into())],
            cap_drop_all: true,
            no_new_privileges: true,
            pids_limit: Some(99),
            // A name, not a uid: Podman 4.3 refuses the `uid=` tmpfs option the engine-exec
            // path adds for a numeric user (a limitation of spec.rs, not of reboot).
            user: Some("sandbox".into()),
            labels: vec![
                ("pocketdock.test".into(), "rust".into()),
                ("team".into(), "blue".into()),
            ],
            ..in_project(&project, true)
        })
        .await
        .unwrap();
    out(&c, "echo gone > /tmp/marker").await;
    let before = inspect(c.name()).unwrap();
    let old_id = c.id().to_owned();
    let t = std::time::Instant::now();
    c.reboot(true).await.unwrap();
    let took = t.elapsed();
    let after = inspect(c.name()).expect("same name after a fresh reboot");
    assert_ne!(c.id(), old_id, "the handle follows the new container");
    assert_eq!(after["Id"], c.id());
    assert_eq!(option_view(&after), option_view(&before));
    assert_eq!(
        project_containers(&project),
        vec![c.name().to_owned()],
        "the old container is gone"
    );
    assert_eq!(c.uses_agent(), agent_on());
    let r = c
        .run("cat /tmp/marker", &RunOptions::default())
        .await
        .unwrap();
    assert_ne!(r.exit_code, 0, "fresh means a new filesystem");
    assert_eq!(
        out(&c, "cat /data/host.txt; echo \"$GREETING\"; whoami; pwd").await,
        "from host\nhi there\nsandbox\n/tmp\n"
    );
    // A persistent one is still persistent: shutdown keeps it.
    c.shutdown().await.unwrap();
    assert!(inspect(c.name()).is_some());
    let _ = std::fs::remove_dir_all(&dir);
    println!("fresh reboot took {took:?}");
}

#[tokio::test]
async fn snapshot_makes_an_image_new_sandboxes_start_from() {
    let project = unique_project("snap");
    let _g = ProjectGuard(project.clone());
    let reference = format!("localhost:5000/{project}/snap:v1");
    let _img = ImageGuard(reference.clone());
    let client = client().await;
    let c = client
        .create_container(&in_project(&project, false))
        .await
        .unwrap();
    out(&c, "echo snapped > /home/sandbox/marker").await;
    let id = c.snapshot(&reference).await.unwrap();
    assert!(!id.is_empty());
    let (st, body) = raw("GET", &format!("/images/{reference}/json"));
    assert_eq!(st, 200, "{body}");
    // Both execution paths start from it, whichever one the snapshot was taken on.
    for agent in [true, false] {
        let n = client
            .create_container(&ContainerOptions {
                image: reference.clone(),
                agent,
                ..in_project(&project, false)
            })
            .await
            .unwrap();
        assert_eq!(n.uses_agent(), agent);
        assert_eq!(
            out(&n, "cat /home/sandbox/marker; whoami").await,
            "snapped\nsandbox\n",
            "agent {agent}"
        );
    }
    assert_eq!(
        out(&c, "echo alive").await,
        "alive\n",
        "the source keeps running"
    );
    for bad in ["Bad/Name", "img@sha256:00", "img:", "a//b"] {
        let e = c.snapshot(bad).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}: {e}");
    }
}
