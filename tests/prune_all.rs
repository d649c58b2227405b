//! `prune(None)` removes every STOPPED pocketdock container on the engine, whoever made it,
//! so it lives in a test binary of its own (cargo runs test binaries one at a time). It
//! proves a running one survives and a stopped one is gone.

mod common;

use common::*;
use pocketdock::ContainerOptions;

#[tokio::test]
async fn prune_without_a_project_removes_stopped_and_spares_running() {
    let project = unique_project("prune-all");
    let _g = ProjectGuard(project.clone());
    let client = client().await;
    let o = ContainerOptions {
        project: Some(project.clone()),
        persist: true,
        ..opts()
    };
    let running = client.create_container(&o).await.unwrap();
    let stopped = client.create_container(&o).await.unwrap();
    stopped.shutdown().await.unwrap();
    assert!(inspect(stopped.name()).is_some());

    let removed = client.prune(None).await.unwrap();
    assert!(removed >= 1, "removed {removed}");
    assert!(inspect(stopped.name()).is_none(), "the stopped one is gone");
    assert_eq!(
        inspect(running.name()).unwrap()["State"]["Running"],
        true,
        "a running one survives"
    );
}
