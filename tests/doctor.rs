//! `doctor` against the real engine: an orphan, a stale instance directory and the container
//! of a client that was SIGKILLed are found, and `fix` repairs them. Everything is scoped to
//! a project with a unique name, so other tests' containers are never touched.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use common::{agent_on, force_remove, inspect, is_podman, socket, TEST_LABEL};
use pocketdock::project::InstanceRecord;
use pocketdock::{init_project, Client, ContainerOptions, Project};

const CHILD_ENV: &str = "POCKETDOCK_DOCTOR_CHILD";

/// Removes the named containers and the directory when dropped, even after a panic.
struct Cleanup {
    dir: PathBuf,
    names: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for n in &self.names {
            force_remove(n);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn opts_in(project: &Project) -> ContainerOptions {
    let mut o = project.container_options().unwrap();
    o.labels.push((TEST_LABEL.0.into(), TEST_LABEL.1.into()));
    o.agent = agent_on();
    o
}

/// Not a test of its own: the crashed client. Run by `doctor_finds_and_fixes` as a child
/// process, it creates an ephemeral container in the project, prints its name and waits to
/// be killed. Without the variable it does nothing.
#[tokio::test]
async fn crashed_client_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let project = Project::open_with_user_config(dir.as_ref(), None).unwrap();
    let mut o = opts_in(&project);
    o.persist = false;
    let c = project.create_container(&o).await.unwrap();
    println!("CHILD-CONTAINER={}", c.name());
    tokio::time::sleep(Duration::from_secs(120)).await;
}

/// Starts the crashed client, reads its container's name, SIGKILLs it.
fn crashed_client(dir: &std::path::Path) -> String {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crashed_client_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut name = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        // The harness may print "test crashed_client_child ... " on the same line.
        let line = line.unwrap();
        if let Some(i) = line.find("CHILD-CONTAINER=") {
            name = Some(line[i + "CHILD-CONTAINER=".len()..].trim().to_owned());
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no shutdown
    child.wait().unwrap();
    name.expect("the child created a container")
}

#[tokio::test]
async fn doctor_finds_and_fixes() {
    let stamp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("pd-doctor-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cleanup = Cleanup {
        dir: dir.clone(),
        names: Vec::new(),
    };
    let pname = format!("doctor test \"{stamp}\" ü");
    let root = init_project(&dir, Some(&pname)).unwrap();
    let q = serde_json::to_string(&pname).unwrap();
    let sock = serde_json::to_string(&socket()).unwrap();
    std::fs::write(
        root.join(".pocketdock/pocketdock.yaml"),
        format!("project_name: {q}\nsocket: {sock}\n"),
    )
    .unwrap();
    let project = Project::open_with_user_config(&root, None).unwrap();
    let client = Client::connect_to(Some(&socket())).await.unwrap();

    // An orphan: a container labelled with the project but created without its directory.
    let mut o = opts_in(&project);
    o.project_dir = None;
    let orphan = client.create_container(&o).await.unwrap();
    cleanup.names.push(orphan.name().to_owned());
    // A healthy one, and one removed behind pocketdock's back (its directory goes stale).
    let healthy = client.create_container(&opts_in(&project)).await.unwrap();
    cleanup.names.push(healthy.name().to_owned());
    let gone = client.create_container(&opts_in(&project)).await.unwrap();
    cleanup.names.push(gone.name().to_owned());
    force_remove(gone.name());
    // An ephemeral container of a live owner (us) whose TTL has passed.
    let mut o = opts_in(&project);
    o.ttl = Some(Duration::from_millis(1));
    let expired = client.create_container(&o).await.unwrap();
    cleanup.names.push(expired.name().to_owned());
    // The label has whole seconds: be sure one has passed.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // A crashed client's container.
    let crashed = crashed_client(&root);
    cleanup.names.push(crashed.clone());
    assert!(
        inspect(&crashed).is_some(),
        "the killed client's container is still there"
    );

    let names = |items: &[pocketdock::DoctorItem]| -> Vec<String> {
        items.iter().map(|i| i.name.clone()).collect()
    };
    let report = pocketdock::project::doctor(None, Some(&root), false)
        .await
        .unwrap();
    assert_eq!(
        report.engine_kind,
        if is_podman() { "podman" } else { "docker" }
    );
    assert!(!report.engine_version.is_empty());
    assert_eq!(
        PathBuf::from(&report.socket),
        socket(),
        "the configured socket is used"
    );
    assert_eq!(report.project_name.as_deref(), Some(pname.as_str()));
    assert_eq!(names(&report.orphans), [orphan.name()]);
    assert_eq!(names(&report.stale_dirs), [gone.name()]);
    let mut want = vec![crashed.clone(), expired.name().to_owned()];
    want.sort();
    let mut got = names(&report.crashed);
    got.sort();
    assert_eq!(got, want, "the dead client's and the expired container");
    assert!(report.crashed.iter().all(|c| c.fixed.is_none()));
    let why = |n: &str| {
        report
            .crashed
            .iter()
            .find(|c| c.name == n)
            .unwrap()
            .detail
            .clone()
    };
    assert!(why(&crashed).contains("which is gone"), "{}", why(&crashed));
    assert!(
        why(expired.name()).contains("TTL"),
        "{}",
        why(expired.name())
    );
    assert!(!report.healthy());

    // Across all projects, the crashed client is found too (and nothing of ours that lives).
    let all = client.doctor(None, false).await.unwrap();
    assert!(names(&all.crashed).contains(&crashed));
    assert!(names(&all.crashed).iter().any(|n| n == expired.name()));
    for alive in [orphan.name(), healthy.name()] {
        assert!(!names(&all.crashed).iter().any(|n| n == alive));
    }

    let fixed = client.doctor(Some(&root), true).await.unwrap();
    assert!(fixed.crashed.iter().all(|c| c.fixed.is_some()));
    assert!(fixed.orphans[0].fixed.is_some());
    assert!(
        inspect(expired.name()).is_none(),
        "the expired container is removed"
    );
    assert!(
        inspect(&crashed).is_none(),
        "the crashed client's container is removed"
    );
    assert!(
        inspect(orphan.name()).is_some(),
        "an orphan is never removed"
    );
    assert!(inspect(healthy.name()).is_some());
    let rebuilt = InstanceRecord::read(&project.instance_dir(orphan.name())).unwrap();
    assert_eq!(rebuilt.id.as_deref(), Some(orphan.id()));
    let stale = InstanceRecord::read(&project.instance_dir(gone.name())).unwrap();
    assert!(
        stale.ended_at.is_some(),
        "a stale directory is marked ended, not deleted"
    );
    let dead = InstanceRecord::read(&project.instance_dir(&crashed)).unwrap();
    assert!(dead.ended_at.is_some());

    let after = client.doctor(Some(&root), false).await.unwrap();
    assert!(after.healthy(), "{after:?}");
}
