//! Remote engines (docs/engines.md), against the second dockerd that scripts/remote-up starts:
//! TCP+TLS with client certificates, plain TCP on loopback, ssh:// through a loopback sshd,
//! and each way of failing named by its step. Skipped unless `POCKETDOCK_TEST_REMOTE` names
//! remote-up's env file (scripts/test sets it).

mod remote_support;

use std::path::Path;
use std::time::Duration;

use pocketdock::{Client, ClientOptions, ErrorKind, RunOptions, SshOptions, TlsFiles};
use remote_support::{opts, settings, Remote};

fn tls_opts(s: &std::collections::HashMap<String, String>, layout: &str) -> ClientOptions {
    ClientOptions {
        tls: Some(TlsFiles::dir(Path::new(&s["PD_REMOTE_CERTS"]).join(layout))),
        connect_timeout: Duration::from_secs(10),
        ..ClientOptions::socket(s["PD_REMOTE_TLS"].clone())
    }
}

/// The first create on a fresh engine fills the agent volume; two clients doing that at
/// once race (agent/place.rs checks for the volume, then creates and fills it, with nothing
/// to make a second client wait for the fill), and a fresh daemon is what CI has. So the
/// tests' creates take turns (five creates: a second at most).
static CREATES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn create_run_files(client: &Client, socket: &str, agent: bool) {
    let created = {
        let _turn = CREATES.lock().await;
        client.create_container(&opts(agent)).await
    };
    let c = created.expect("create");
    let c = Remote {
        c,
        socket: socket.to_owned(),
    };
    assert_eq!(
        c.uses_agent(),
        agent,
        "the agent is placed on a remote engine too"
    );
    let r = c
        .run("echo hello remote", RunOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (r.exit_code, r.stdout.as_slice()),
        (0, &b"hello remote\n"[..])
    );
    c.write_file("/tmp/x.txt", b"over the wire").await.unwrap();
    assert_eq!(c.read_file("/tmp/x.txt").await.unwrap(), b"over the wire");
    c.shutdown().await.unwrap();
}

#[tokio::test]
async fn tls_create_run_and_files_on_both_paths() {
    let Some(s) = settings() else { return };
    let client = Client::connect_with(&tls_opts(&s, "good"))
        .await
        .expect("connect over TLS");
    let info = client.engine_info();
    assert_eq!(info.socket.to_string_lossy(), s["PD_REMOTE_TLS"]);
    for agent in [true, false] {
        create_run_files(&client, &s["PD_REMOTE_SOCKET"], agent).await;
    }
}

#[tokio::test]
async fn plain_tcp_on_loopback_works() {
    let Some(s) = settings() else { return };
    let client = Client::connect_with(&ClientOptions::socket(s["PD_REMOTE_PLAIN"].clone()))
        .await
        .expect("plain tcp on loopback");
    create_run_files(&client, &s["PD_REMOTE_SOCKET"], true).await;
}

/// The failure, its message, and a check that it came quickly (never retried to the budget).
async fn refused(o: ClientOptions) -> (ErrorKind, String) {
    let started = std::time::Instant::now();
    let e = Client::connect_with(&o)
        .await
        .expect_err("must not connect");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{e}: retried {:?}",
        started.elapsed()
    );
    // Shown with --nocapture: these messages are what a user reads.
    eprintln!("{:?}: {e}", e.kind());
    (e.kind(), e.to_string())
}

#[tokio::test]
async fn a_wrong_ca_is_a_certificate_error_naming_the_ca() {
    let Some(s) = settings() else { return };
    let (kind, m) = refused(tls_opts(&s, "wrong-ca")).await;
    assert_eq!(kind, ErrorKind::EngineNotFound, "{m}");
    assert!(m.contains("certificate check failed"), "{m}");
    assert!(
        m.contains("not signed by the CA in") && m.contains("wrong-ca/ca.pem"),
        "{m}"
    );
}

#[tokio::test]
async fn a_client_certificate_from_another_ca_is_refused_by_name() {
    let Some(s) = settings() else { return };
    let (kind, m) = refused(tls_opts(&s, "wrong-client")).await;
    assert_eq!(kind, ErrorKind::EngineNotFound, "{m}");
    assert!(m.contains("certificate check failed"), "{m}");
    assert!(
        m.contains("refused the client certificate") && m.contains("wrong-client/cert.pem"),
        "{m}"
    );
}

#[tokio::test]
async fn no_client_certificate_is_refused_by_name() {
    let Some(s) = settings() else { return };
    let (kind, m) = refused(tls_opts(&s, "no-client")).await;
    assert_eq!(kind, ErrorKind::EngineNotFound, "{m}");
    assert!(m.contains("certificate check failed"), "{m}");
    assert!(
        m.contains("requires a client certificate and none is configured"),
        "{m}"
    );
}

#[tokio::test]
async fn tls_to_a_plain_port_and_plain_to_a_tls_port_are_named() {
    let Some(s) = settings() else { return };
    let o = ClientOptions {
        socket: Some(s["PD_REMOTE_PLAIN"].clone()),
        ..tls_opts(&s, "good")
    };
    let (_, m) = refused(o).await;
    assert!(
        m.contains("TLS handshake failed") && m.contains("does not speak TLS"),
        "{m}"
    );
    let (_, m) = refused(ClientOptions::socket(s["PD_REMOTE_TLS"].clone())).await;
    assert!(m.contains("HTTP request to an HTTPS server"), "{m}");
}

#[tokio::test]
async fn plain_tcp_off_loopback_is_refused_and_never_dialed() {
    let Some(_) = settings() else { return };
    let (kind, m) = refused(ClientOptions::socket("tcp://192.0.2.10:2375")).await;
    assert_eq!(kind, ErrorKind::InvalidArgument, "{m}");
    assert!(m.contains("only on loopback"), "{m}");
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error() {
    let Some(_) = settings() else { return };
    let o = ClientOptions {
        connect_timeout: Duration::from_millis(500),
        ..ClientOptions::socket("tcp://127.0.0.1:1")
    };
    let e = Client::connect_with(&o).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("connect to tcp://127.0.0.1:1 failed"),
        "{e}"
    );
}

fn ssh_opts(s: &std::collections::HashMap<String, String>, key: &str) -> ClientOptions {
    ClientOptions {
        ssh: SshOptions {
            identity: Some(s[key].clone().into()),
            known_hosts: Some(s["PD_REMOTE_SSH_KNOWN_HOSTS"].clone().into()),
        },
        connect_timeout: Duration::from_secs(20),
        ..ClientOptions::socket(s["PD_REMOTE_SSH"].clone())
    }
}

/// The forwarders this process started that are still running.
fn forwarders() -> usize {
    let marker = format!("pocketdock-ssh-{}-", std::process::id());
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .filter(|cmd| String::from_utf8_lossy(cmd).contains(&marker))
        .count()
}

/// One test: the forwarder count is only meaningful with no other ssh test running.
#[tokio::test]
async fn ssh_runs_fails_on_a_wrong_key_and_leaves_no_forwarder() {
    let Some(s) = settings() else { return };
    let client = Client::connect_with(&ssh_opts(&s, "PD_REMOTE_SSH_KEY"))
        .await
        .expect("connect over ssh");
    assert_eq!(
        client.engine_info().socket.to_string_lossy(),
        s["PD_REMOTE_SSH"]
    );
    assert_eq!(forwarders(), 1);
    create_run_files(&client, &s["PD_REMOTE_SOCKET"], true).await;
    drop(client);
    assert_eq!(forwarders(), 0, "the ssh forwarder outlived its client");

    let e = Client::connect_with(&ssh_opts(&s, "PD_REMOTE_SSH_WRONG_KEY"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::EngineNotFound);
    assert!(e.to_string().contains("ssh authentication failed"), "{e}");
    assert_eq!(forwarders(), 0);
}
