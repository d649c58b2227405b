//! The commands on a real sandbox: exit statuses, output streams, --json, files, stopped
//! sandboxes (never started as a side effect), confirmations.

mod common;

use common::{pd, run, unique, Boxed};
use std::io::Write;
use std::process::Stdio;

#[test]
fn run_passes_the_commands_status_and_streams() {
    let b = Boxed::new("run", &[]);
    let n = b.name.as_str();
    let r = run(&["run", n, "echo", "out;", "echo", "err", ">&2;", "exit", "3"]);
    r.status(3);
    assert_eq!(r.stdout, "out\n");
    assert_eq!(r.stderr, "err\n");
    // --stream: same bytes, same status (the reference exited 0).
    let r = run(&["run", "--stream", n, "printf a; printf b >&2; exit 4"]);
    r.status(4);
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("a", "b"));
    // A timeout: 124 and one line saying so; the partial output is kept.
    let r = run(&["run", "--timeout", "1", n, "echo partial; sleep 30"]);
    r.status(124);
    assert_eq!(r.stdout, "partial\n");
    assert!(r.stderr.contains("timed out after 1s"), "{}", r.stderr);
    // Killed by a signal: 128+N.
    run(&["run", n, "kill -9 $$"]).status(137);
    run(&["run", n, "kill -TERM $$"]).status(143);
    // --argv: no shell; --lang python; dash-leading words after --.
    let r = run(&["run", "--argv", n, "--", "printf", "%s|", "a b", "$HOME"]);
    r.status(0);
    assert_eq!(r.stdout, "a b|$HOME|");
    let r = run(&["run", "--lang", "python", n, "print(6*7)"]);
    assert_eq!(r.stdout, "42\n");
    // --max-output cuts and kills; the line says so.
    let r = run(&["run", "--max-output", "1k", n, "yes"]);
    assert!(r.stdout.len() <= 1024, "{}", r.stdout.len());
    assert!(
        r.stderr.contains("output went over 1024 bytes"),
        "{}",
        r.stderr
    );
    assert_ne!(r.code, 0);
    // --env, --workdir
    let r = run(&["run", "-e", "X=y z", "-w", "/tmp", n, "echo \"$X\" $(pwd)"]);
    assert_eq!(r.stdout, "y z /tmp\n");
}

#[test]
fn run_with_stdin_and_json() {
    let b = Boxed::new("stdin", &[]);
    let mut child = pd()
        .args(["run", "--stdin", &b.name, "tr", "a-z", "A-Z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let r = common::output(child.wait_with_output().unwrap());
    r.status(0);
    assert_eq!(r.stdout, "HELLO\n");
    let r = run(&["run", "--json", &b.name, "echo hi; exit 2"]);
    r.status(2);
    let v = r.json();
    assert_eq!(v["exit_code"], 2);
    assert_eq!(v["status"], 2);
    assert_eq!(v["stdout"], "hi\n");
    assert_eq!(v["timed_out"], false);
    assert_eq!(v["truncated"], false);
    assert!(v["duration_ms"].is_u64());
}

#[test]
fn detach_attach_ps_kill() {
    let b = Boxed::new("proc", &[]);
    let n = b.name.as_str();
    let r = run(&[
        "run",
        "--detach",
        "--json",
        n,
        "echo started; sleep 1; echo done >&2; exit 5",
    ]);
    r.status(0);
    let id = r.json()["process_id"].as_u64().expect("process_id");
    let r = run(&["ps", "--json", n]);
    r.status(0);
    let v = r.json();
    let listed = v["detached"].as_array().unwrap();
    assert!(listed.iter().any(|p| p["id"] == id), "{v}");
    for k in ["id", "pid", "running", "exit_code", "argv"] {
        assert!(listed[0].get(k).is_some(), "{k} in {v}");
    }
    // attach follows it to its end and exits with its status, output on the right streams.
    let r = run(&["attach", n, &id.to_string()]);
    r.status(5);
    assert_eq!(r.stdout, "started\n");
    assert_eq!(r.stderr, "done\n");
    // kill by name; the status is then 128+15.
    let r = run(&["run", "-d", "-q", n, "sleep 60"]);
    let id2 = r.stdout.trim().to_owned();
    run(&["kill", "-s", "TERM", n, &id2]).status(0);
    run(&["attach", n, &id2]).status(143);
    let r = run(&["attach", n, "999"]);
    r.status(125).one_error_line("no detached process 999");
    run(&["kill", n, "999"])
        .status(3)
        .one_error_line("no detached process 999");
}

#[test]
fn files_both_ways_and_missing_ones() {
    let b = Boxed::new("files", &[]);
    let n = b.name.as_str();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.txt");
    std::fs::write(&src, "payload\n").unwrap();
    let r = run(&["push", n, src.to_str().unwrap(), "/tmp/in.txt"]);
    r.status(0);
    assert!(r.stdout.starts_with("✓ Copied "), "{}", r.stdout);
    let back = dir.path().join("back.txt");
    run(&["pull", "--json", n, "/tmp/in.txt", back.to_str().unwrap()])
        .status(0)
        .json();
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "payload\n");
    run(&["push", n, "/no/such/file", "/tmp/x"])
        .status(3)
        .one_error_line("/no/such/file");
    run(&["pull", n, "/no/such/file", back.to_str().unwrap()])
        .status(3)
        .one_error_line("/no/such/file");
}

#[test]
fn unknown_containers_are_status_3() {
    let ghost = unique("ghost");
    for args in [
        vec!["info", ghost.as_str()],
        vec!["stop", ghost.as_str()],
        vec!["resume", ghost.as_str()],
        vec!["destroy", "-y", ghost.as_str()],
        vec!["shutdown", "-y", ghost.as_str()],
        vec!["ps", ghost.as_str()],
        vec!["push", ghost.as_str(), "/etc/hostname", "/tmp/x"],
        vec!["snapshot", ghost.as_str(), "pdcli/never"],
    ] {
        run(&args).status(3).one_error_line(&ghost);
    }
    run(&["run", &ghost, "true"])
        .status(125)
        .one_error_line(&ghost);
}

#[test]
fn a_stopped_sandbox_is_reported_not_started() {
    let b = Boxed::new("stopped", &["--persist"]);
    let n = b.name.as_str();
    run(&["stop", n]).status(0);
    for args in [
        vec!["ps", n],
        vec!["push", n, "/etc/hostname", "/tmp/x"],
        vec!["pull", n, "/etc/hostname", "/tmp/x"],
        vec!["kill", n, "1"],
    ] {
        run(&args)
            .status(4)
            .one_error_line("is stopped")
            .one_error_line("pocketdock resume");
    }
    run(&["run", n, "true"])
        .status(125)
        .one_error_line("is stopped");
    run(&["attach", n, "1"])
        .status(125)
        .one_error_line("is stopped");
    // Still stopped: nothing started it.
    let v = run(&["list", "--json"]).json();
    let me = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == n)
        .expect("listed")
        .clone();
    assert_ne!(me["status"], "running", "{me}");
    assert_eq!(me["persist"], true);
    let r = run(&["resume", n]);
    r.status(0);
    run(&["run", n, "true"]).status(0);
    // shutdown of a persistent sandbox stops it, asks nothing.
    let v = run(&["shutdown", "--json", n]).status(0).json();
    assert_eq!(v["status"], "stopped");
}

#[test]
fn destructive_commands_refuse_without_a_terminal_or_y() {
    let b = Boxed::new("confirm", &[]);
    let n = b.name.as_str();
    run(&["destroy", n]).status(6).one_error_line("-y");
    run(&["shutdown", n]).status(6).one_error_line("-y");
    run(&["reboot", "--fresh", n])
        .status(6)
        .one_error_line("-y");
    // Nothing happened.
    run(&["run", n, "true"]).status(0);
    let v = run(&["destroy", "-y", "--json", n]).status(0).json();
    assert_eq!(v["status"], "removed");
    run(&["info", n]).status(3);
}

#[test]
fn create_options_reach_the_sandbox() {
    let b = Boxed::new(
        "opts",
        &[
            "--mem-limit",
            "256m",
            "-e",
            "A=1",
            "-w",
            "/tmp",
            "--network",
            "--pids-limit",
            "100",
        ],
    );
    let n = b.name.as_str();
    let r = run(&["run", n, "echo $A $(pwd)"]);
    assert_eq!(r.stdout, "1 /tmp\n");
    let v = run(&["info", "--json", n]).status(0).json();
    for k in [
        "id",
        "name",
        "status",
        "running",
        "image",
        "created_at",
        "network",
        "ports",
        "memory_limit_bytes",
    ] {
        assert!(v.get(k).is_some(), "{k} in {v}");
    }
    assert_eq!(v["name"], n);
    assert_eq!(v["network"], true);
    assert_eq!(v["memory_limit_bytes"], 256u64 << 20);
    let v = run(&["list", "--json"]).status(0).json();
    let me = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == n)
        .expect("listed")
        .clone();
    for k in [
        "name",
        "id",
        "image",
        "status",
        "persist",
        "project",
        "created_at",
    ] {
        assert!(me.get(k).is_some(), "{k} in {me}");
    }
    assert_eq!(me["status"], "running");
    let v = run(&["engine", "--json"]).status(0).json();
    for k in [
        "kind",
        "version",
        "api_version",
        "socket",
        "healthy",
        "agent_volume",
        "agent_placed",
    ] {
        assert!(v.get(k).is_some(), "{k} in {v}");
    }
    assert_eq!(v["socket"], common::socket());
    assert_eq!(v["agent_placed"], true);
    // A name already taken: status 8.
    run(&["create", "--name", n, "--label", common::LABEL])
        .status(8)
        .one_error_line(n);
    // The strict preset: read-only root.
    let s = Boxed::new("strict", &["--strict"]);
    let r = run(&["run", &s.name, "touch /etc/x"]);
    assert_ne!(r.code, 0);
}

#[test]
fn colour_only_on_a_terminal_and_quiet_prints_data() {
    let b = Boxed::new("quiet", &[]);
    let r = run(&["list"]);
    assert!(
        !r.stdout.contains('\x1b'),
        "colour on a pipe: {:?}",
        r.stdout
    );
    let r = run(&["list", "-q"]);
    assert!(r.stdout.lines().any(|l| l == b.name), "{}", r.stdout);
    assert!(!r.stdout.contains("NAME"));
    let r = run(&["stop", "-q", &b.name]);
    r.status(0);
    assert!(r.stdout.is_empty());
}

#[test]
fn missing_image_is_status_3_with_a_hint() {
    run(&[
        "create",
        "--image",
        "pdcli/no-such-image:1",
        "--label",
        common::LABEL,
    ])
    .status(3)
    .one_error_line("pocketdock build");
}

#[test]
fn minimal_bun_runs_typescript() {
    let b = Boxed::new("bun", &["--profile", "minimal-bun"]);
    let r = run(&[
        "run",
        "--lang",
        "ts",
        &b.name,
        "const n: number = 6 * 7; console.log(n)",
    ]);
    r.status(0);
    assert_eq!(r.stdout, "42\n");
    run(&["run", &b.name, "bash -c 'bun --version'"]).status(0);
}
