//! One core, the same behaviour everywhere: a detached process started by the CLI is
//! attached from Node (bindings/node), and one started from Node is attached by the CLI.
//! Needs the C library and the Node package's dependencies (scripts/test-cli builds and
//! installs them).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{run, Boxed};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs a small Node program on the Node binding; returns its stdout.
fn node(script: &str, args: &[&str]) -> String {
    let pkg = repo().join("bindings/node");
    assert!(
        pkg.join("node_modules").is_dir() && repo().join("target/release/libpocketdock.so").is_file(),
        "the Node binding is not ready: run scripts/test-cli (it builds the C library and runs npm ci)"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prog.js");
    let prelude = format!(
        "const pd = require({:?});\nconst [socket, box, arg] = process.argv.slice(2);\n",
        pkg.to_str().unwrap()
    );
    std::fs::write(&file, prelude + script).unwrap();
    // The release library scripts/test-cli keeps fresh; not whatever `cargo test`'s
    // LD_LIBRARY_PATH (target/debug) would hand the loader.
    let out = Command::new("node")
        .env(
            "POCKETDOCK_LIB",
            repo().join("target/release/libpocketdock.so"),
        )
        .arg(&file)
        .arg(common::socket())
        .args(args)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "node failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn started_by_the_cli_attached_from_node() {
    let b = Boxed::new("cross1", &[]);
    let r = run(&[
        "run",
        "--detach",
        "-q",
        &b.name,
        "echo from-cli; sleep 1; exit 6",
    ]);
    r.status(0);
    let id = r.stdout.trim().to_owned();
    let out = node(
        r#"
(async () => {
    const client = await pd.connect({ socket });
    const c = await client.openContainer(box);
    const p = await c.attach(Number(arg));
    const res = await p.wait();
    console.log(JSON.stringify({ exitCode: res.exitCode, stdout: res.stdout }));
    client.close?.();
})().catch((e) => { console.error(e); process.exit(1); });
"#,
        &[&b.name, &id],
    );
    let v: serde_json::Value =
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["exitCode"], 6, "{v}");
    assert_eq!(v["stdout"], "from-cli\n", "{v}");
}

#[test]
fn started_from_node_attached_by_the_cli() {
    let b = Boxed::new("cross2", &[]);
    let out = node(
        r#"
(async () => {
    const client = await pd.connect({ socket });
    const c = await client.openContainer(box);
    const p = await c.spawn('echo from-node; echo warn >&2; sleep 2; exit 9');
    console.log(p.id);
    client.close?.();
})().catch((e) => { console.error(e); process.exit(1); });
"#,
        &[&b.name],
    );
    let id = out.trim();
    let r = run(&["attach", &b.name, id]);
    r.status(9);
    assert_eq!(r.stdout, "from-node\n");
    assert_eq!(r.stderr, "warn\n");
}
