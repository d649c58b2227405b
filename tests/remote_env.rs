//! `DOCKER_HOST`, `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` as Docker defines them. A test
//! binary of its own: it sets the process environment, which no other test may see.

mod remote_support;

use pocketdock::{Client, RunOptions};
use remote_support::{opts, settings, Remote};

#[tokio::test]
async fn the_docker_environment_names_a_tls_engine() {
    let Some(s) = settings() else { return };
    std::env::remove_var("POCKETDOCK_SOCKET");
    std::env::remove_var("CONTAINER_HOST");
    std::env::set_var("DOCKER_HOST", &s["PD_REMOTE_TLS"]);
    // Without DOCKER_TLS_VERIFY the same address is plain TCP: the TLS port says so.
    let e = Client::connect().await.unwrap_err();
    assert!(e.to_string().contains("DOCKER_HOST"), "{e}");
    std::env::set_var("DOCKER_TLS_VERIFY", "1");
    std::env::set_var("DOCKER_CERT_PATH", format!("{}/good", s["PD_REMOTE_CERTS"]));
    let client = Client::connect()
        .await
        .expect("connect from the environment");
    assert_eq!(
        client.engine_info().socket.to_string_lossy(),
        s["PD_REMOTE_TLS"]
    );
    let c = Remote {
        c: client.create_container(&opts(true)).await.unwrap(),
        socket: s["PD_REMOTE_SOCKET"].clone(),
    };
    let r = c.run("echo env", RunOptions::default()).await.unwrap();
    assert_eq!(r.stdout, b"env\n");
    std::env::set_var(
        "DOCKER_CERT_PATH",
        format!("{}/wrong-ca", s["PD_REMOTE_CERTS"]),
    );
    let e = Client::connect().await.unwrap_err();
    assert!(e.to_string().contains("certificate check failed"), "{e}");
}
