//! Projects against the real engine: the config is applied, the instance directory and its
//! /data mount work both ways, and runs of every kind are logged with retention.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::{agent_on, force_remove, inspect, socket, Sandbox, TEST_LABEL};
use pocketdock::project::{InstanceRecord, DATA_MOUNT};
use pocketdock::{init_project, ContainerOptions, HistoryEntry, Project, RunOptions, StreamEvent};

/// A directory removed when the guard drops.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh directory with a space, a quote and non-ASCII in its name.
fn temp_dir(tag: &str) -> TempDir {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let d = std::env::temp_dir().join(format!(
        "pd proj \"{tag}\" ü-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

/// A unique project name with characters that need escaping in TOML and URLs.
fn unique_name(tag: &str) -> String {
    format!(
        "t-{tag} \"q\" \\ ü 🦀 {}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

fn write_config(root: &Path, text: &str) {
    std::fs::write(root.join(".pocketdock/pocketdock.yaml"), text).unwrap();
}

fn test_opts(project: &Project) -> ContainerOptions {
    let mut o = project.container_options().unwrap();
    o.labels.push((TEST_LABEL.0.into(), TEST_LABEL.1.into()));
    o.agent = agent_on();
    o
}

async fn history_until(
    project: &Project,
    name: &str,
    want: impl Fn(&[HistoryEntry]) -> bool,
) -> Vec<HistoryEntry> {
    for _ in 0..50 {
        let h = project.history(name).unwrap();
        if want(&h) {
            return h;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    project.history(name).unwrap()
}

#[tokio::test]
async fn config_layers_apply_and_the_data_dir_is_shared() {
    let tmp = temp_dir("cfg");
    let root_dir = &tmp.0;
    let name = unique_name("cfg");
    let root = init_project(root_dir, Some(&name)).unwrap();
    // init wrote a config naming the project (the name round-trips through YAML quoting).
    assert_eq!(Project::open(&root).unwrap().config().project_name, name);
    let q = serde_json::to_string(&name).unwrap();
    write_config(
        &root,
        &format!(
            "project_name: {q}\nsocket: {}\ndefault_profile: minimal-python\nlogging:\n  \
             max_run_logs: 3\n  max_file_size: 2k\n",
            serde_json::to_string(&socket()).unwrap()
        ),
    );
    let home = root_dir.join("home");
    std::fs::create_dir_all(home.join(".pocketdock")).unwrap();
    let user = home.join(".pocketdock/pocketdock.yaml");
    std::fs::write(&user, "project_name: from-user\ndefault_persist: true\n").unwrap();

    // Project over user over built-in: the name is the project's, persist the user's.
    let project = Project::open_with_user_config(&root.join("sub/dir"), Some(&user)).unwrap();
    assert_eq!(project.root(), root);
    assert_eq!(project.config().project_name, name);
    assert!(project.config().default_persist);
    let o = test_opts(&project);
    assert!(o.persist, "the user-level default applies");
    assert!(
        !o.network_enabled(),
        "the profile's network default applies"
    );
    assert_eq!(o.project.as_deref(), Some(name.as_str()));
    // Without the user file the built-in default holds.
    let bare = Project::open_with_user_config(&root, None).unwrap();
    assert!(!bare.container_options().unwrap().persist);

    let c = project
        .create_container(&o)
        .await
        .expect("create in project");
    let s = Sandbox { c };
    let doc = inspect(s.name()).expect("the container exists");
    let labels = &doc["Config"]["Labels"];
    assert_eq!(labels["pocketdock.project"], name.as_str());
    assert_eq!(labels["pocketdock.persist"], "true");
    assert_eq!(
        labels["pocketdock.owner-pid"],
        std::process::id().to_string()
    );
    assert_eq!(doc["HostConfig"]["NetworkMode"], "none");

    // The instance directory and its record.
    let idir = s
        .instance_dir()
        .expect("a project container has an instance dir");
    assert_eq!(idir, project.instance_dir(s.name()));
    let rec = InstanceRecord::read(idir).unwrap();
    assert_eq!(rec.name, s.name());
    assert_eq!(rec.id.as_deref(), Some(s.id()));
    assert_eq!(rec.project, name);
    assert!(rec.persist && rec.ended_at.is_none());
    assert_eq!(rec.data_mount, DATA_MOUNT);

    // Another handle on it (as another process would open it) logs to the same place.
    let again = pocketdock::Client::connect_to(Some(&socket()))
        .await
        .unwrap()
        .get_container(s.name())
        .await
        .unwrap();
    assert_eq!(again.instance_dir(), Some(idir));

    // /data both ways: written inside, visible on the host; written on the host, inside.
    let run = RunOptions::default();
    let r = s
        .run("echo from-inside > /data/in.txt && id -u", &run)
        .await
        .unwrap();
    assert_eq!(r.exit_code, 0, "{}", r.stderr_text());
    let host_file = idir.join("data/in.txt");
    assert_eq!(
        std::fs::read_to_string(&host_file).unwrap(),
        "from-inside\n"
    );
    std::fs::write(idir.join("data/host.txt"), "from-host").unwrap();
    let r = s.run("cat /data/host.txt", &run).await.unwrap();
    assert_eq!(r.stdout_text(), "from-host");
    force_remove(s.name());
}

#[tokio::test]
async fn every_kind_of_run_is_logged_with_retention() {
    let tmp = temp_dir("logs");
    let root = init_project(&tmp.0, Some(&unique_name("logs"))).unwrap();
    let q = serde_json::to_string(&Project::open(&root).unwrap().config().project_name).unwrap();
    write_config(
        &root,
        &format!("project_name: {q}\nlogging:\n  max_run_logs: 3\n  max_file_size: 2k\n"),
    );
    let project = Project::open_with_user_config(&root, None).unwrap();
    let mut o = test_opts(&project);
    o.persist = false; // explicit beats the project
    let c = pocketdock::Client::connect_to(Some(&socket()))
        .await
        .unwrap()
        .create_container(&o)
        .await
        .unwrap();
    let s = Sandbox { c };
    let idir = s.instance_dir().unwrap().to_path_buf();
    let runs = idir.join("logs/runs");

    // An old log goes by age (default 30 days) at the next run.
    std::fs::create_dir_all(&runs).unwrap();
    let old = runs.join("0000000000001-1-0-run.log");
    std::fs::write(&old, "old").unwrap();
    let f = std::fs::File::options().write(true).open(&old).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(40 * 86_400))
        .unwrap();
    drop(f);

    let run = RunOptions::default();
    let r = s.run("echo one; echo err >&2; exit 4", &run).await.unwrap();
    assert_eq!(r.exit_code, 4);
    assert!(
        !old.exists(),
        "a run log older than max_age_days is deleted"
    );
    let h = project.history(s.name()).unwrap();
    let first = h.last().unwrap();
    assert_eq!(first.kind, "run");
    assert_eq!(first.exit_code, Some(4));
    assert!(first.command.contains("echo one"), "{}", first.command);
    let log = std::fs::read_to_string(runs.join(first.log.as_ref().unwrap())).unwrap();
    assert!(log.contains("one\n") && log.contains("err\n"), "{log}");

    // A timed-out run says so; a huge one is cut at max_file_size.
    let quick = RunOptions {
        timeout: Some(Duration::from_millis(300)),
        ..RunOptions::default()
    };
    assert!(s.run("sleep 5", &quick).await.unwrap().timed_out);
    s.run("head -c 20000 /dev/zero | tr '\\0' x", &run)
        .await
        .unwrap();
    let h = project.history(s.name()).unwrap();
    assert!(h
        .iter()
        .any(|e| e.timed_out && e.command.contains("sleep 5")));
    let big = h.last().unwrap().log.clone().unwrap();
    assert!(std::fs::metadata(runs.join(big)).unwrap().len() <= 2048);

    // A stream.
    let mut st = s.run_stream("echo streamed", &run).await.unwrap();
    while let Some(ev) = st.next().await {
        if let StreamEvent::Exit(_) = ev.unwrap() {}
    }
    let h = history_until(&project, s.name(), |h| h.iter().any(|e| e.kind == "stream")).await;
    let e = h
        .iter()
        .find(|e| e.kind == "stream")
        .expect("a stream entry");
    assert_eq!(e.exit_code, Some(0));
    let log = std::fs::read_to_string(runs.join(e.log.as_ref().unwrap())).unwrap();
    assert!(log.contains("streamed"), "{log}");

    if agent_on() {
        // A detached process: its start, then its end with output.
        let p = s.spawn("echo bg; exit 3", &run).await.unwrap();
        p.wait(Some(Duration::from_secs(10))).await.unwrap();
        let h = history_until(&project, s.name(), |h| h.iter().any(|e| e.kind == "exit")).await;
        let spawn = h.iter().find(|e| e.kind == "spawn").expect("a spawn entry");
        assert_eq!(spawn.process_id, Some(p.id()));
        let exit = h.iter().find(|e| e.kind == "exit").expect("an exit entry");
        assert_eq!((exit.exit_code, exit.process_id), (Some(3), Some(p.id())));
        let log = std::fs::read_to_string(runs.join(exit.log.as_ref().unwrap())).unwrap();
        assert!(log.contains("bg\n"), "{log}");

        // A session command.
        let sess = s.open_session(&run).await.unwrap();
        let r = sess.send_and_wait("echo in-session", None).await.unwrap();
        assert_eq!(r.stdout_text(), "in-session\n");
        sess.close().await.unwrap();
        let h = project.history(s.name()).unwrap();
        let e = h
            .iter()
            .find(|e| e.kind == "session")
            .expect("a session entry");
        assert_eq!(
            (e.command.as_str(), e.exit_code),
            ("echo in-session", Some(0))
        );
    }

    // Count retention: never more than max_run_logs logs.
    for i in 0..5 {
        s.run(&format!("echo {i}"), &run).await.unwrap();
    }
    assert_eq!(std::fs::read_dir(&runs).unwrap().count(), 3);

    // An ephemeral shutdown marks the instance ended; its logs stay.
    s.shutdown().await.unwrap();
    let rec = InstanceRecord::read(&idir).unwrap();
    assert_eq!(rec.ended_reason.as_deref(), Some("shut down"));
    assert!(project.history(s.name()).unwrap().len() >= 9);
}

#[tokio::test]
async fn a_failed_create_leaves_no_instance_dir_and_bad_config_is_an_error() {
    let tmp = temp_dir("fail");
    let root = init_project(&tmp.0, Some(&unique_name("fail"))).unwrap();
    let project = Project::open_with_user_config(&root, None).unwrap();
    let mut o = test_opts(&project);
    o.image = "pocketdock/no-such-image:never".into();
    o.name = Some(format!("pd-fail-{}", std::process::id()));
    let client = pocketdock::Client::connect_to(Some(&socket()))
        .await
        .unwrap();
    let e = client.create_container(&o).await.unwrap_err();
    assert_eq!(e.kind(), pocketdock::ErrorKind::ImageNotFound);
    assert!(!project.instance_dir(o.name.as_ref().unwrap()).exists());

    write_config(&root, "default_persist: maybe\n");
    let e = ContainerOptions::for_project(&root).unwrap_err();
    assert_eq!(e.kind(), pocketdock::ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("pocketdock.yaml:1"), "{e}");
    let none = temp_dir("none");
    let e = Project::open_with_user_config(&none.0, None).unwrap_err();
    assert_eq!(e.kind(), pocketdock::ErrorKind::FileNotFound);
    assert_eq!(pocketdock::find_project_root(&none.0), None);
}
