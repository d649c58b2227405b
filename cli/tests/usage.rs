//! What needs no engine: usage errors, completions and man pages for every command, the
//! engine being down.

mod common;

use clap_like::subcommands;
use common::{bin, output, Ran};
use std::process::Command;

/// The commands, from the binary's own help (so a new command is checked too).
mod clap_like {
    pub fn subcommands() -> Vec<String> {
        let out = std::process::Command::new(super::bin())
            .arg("--help")
            .output()
            .expect("help");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut in_commands = false;
        let mut names = Vec::new();
        for line in text.lines() {
            if line.starts_with("Commands:") {
                in_commands = true;
                continue;
            }
            if in_commands {
                if !line.starts_with("  ") {
                    break;
                }
                let name = line.split_whitespace().next().unwrap_or_default();
                if name != "help" {
                    names.push(name.to_owned());
                }
            }
        }
        names
    }
}

fn bare(args: &[&str]) -> Ran {
    output(
        Command::new(bin())
            .args(args)
            .env("POCKETDOCK_SOCKET", "/nonexistent/pocketdock.sock")
            .env_remove("NO_COLOR")
            .output()
            .expect("runs"),
    )
}

#[test]
fn every_command_is_listed() {
    let names = subcommands();
    for want in [
        "quickstart",
        "init",
        "create",
        "run",
        "attach",
        "ps",
        "kill",
        "push",
        "pull",
        "info",
        "list",
        "status",
        "logs",
        "reboot",
        "stop",
        "resume",
        "shutdown",
        "destroy",
        "snapshot",
        "prune",
        "doctor",
        "shell",
        "build",
        "export",
        "import",
        "profiles",
        "engine",
        "completions",
        "man",
        "mcp",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from {names:?}"
        );
    }
}

#[test]
fn completions_cover_every_command() {
    let names = subcommands();
    for shell in ["bash", "zsh", "fish"] {
        let r = bare(&["completions", shell]);
        r.status(0);
        for n in &names {
            assert!(
                r.stdout.contains(n.as_str()),
                "{shell} completion lacks {n}"
            );
        }
        // Flags of a subcommand are completed too.
        assert!(
            r.stdout.contains("mem-limit"),
            "{shell} completion lacks --mem-limit"
        );
    }
    bare(&["completions", "tcsh"])
        .status(2)
        .one_error_line("tcsh");
}

#[test]
fn man_pages_cover_every_command() {
    let r = bare(&["man"]);
    r.status(0);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH pocketdock"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    let dir = tempfile::tempdir().unwrap();
    bare(&["man", "--dir", dir.path().to_str().unwrap()]).status(0);
    assert!(dir.path().join("pocketdock.1").is_file());
    for n in subcommands() {
        let page = dir.path().join(format!("pocketdock-{n}.1"));
        let text =
            std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("no {}", page.display()));
        assert!(text.contains(".TH"), "{n}: not a man page");
    }
    let create = std::fs::read_to_string(dir.path().join("pocketdock-create.1")).unwrap();
    assert!(
        create.contains("mem\\-limit"),
        "create's page documents its flags"
    );
    // man(1) can read it.
    if Command::new("man").arg("--version").output().is_ok() {
        let r = output(
            Command::new("man")
                .arg(dir.path().join("pocketdock-run.1"))
                .env("MANPAGER", "cat")
                .env("PAGER", "cat")
                .output()
                .unwrap(),
        );
        assert!(
            r.stdout.contains("max-output") || r.stdout.contains("max‐output"),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn malformed_values_are_one_line_usage_errors() {
    for (args, needle) in [
        (vec!["create", "-v", "nocolon"], "--volume"),
        (vec!["create", "-v", "/a:relative"], "--volume"),
        (vec!["create", "-v", "/a:/b:xx"], "--volume"),
        (vec!["create", "-p", "80"], "--port"),
        (vec!["create", "-p", "x:80"], "--port"),
        (vec!["create", "-p", "80:80/sctp"], "--port"),
        (vec!["create", "--mem-limit", "lots"], "--mem-limit"),
        (vec!["create", "--timeout", "0"], "--timeout"),
        (vec!["create", "--env", "NOEQUALS"], "--env"),
        (vec!["create", "--cpu-percent", "0"], "--cpu-percent"),
        (vec!["run", "box", "--timeout", "soon", "true"], "--timeout"),
        (
            vec!["run", "--max-output", "big", "box", "true"],
            "--max-output",
        ),
        (vec!["run", "--lang", "cobol", "box", "x"], "--lang"),
        (vec!["kill", "box", "1", "--signal", "FOO"], "--signal"),
        (vec!["run", "box"], "required"),
        (vec!["frobnicate"], "frobnicate"),
        (vec!["export", "-o", "x.tar"], "required"),
    ] {
        let r = bare(&args);
        r.status(2).one_error_line(needle);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
}

#[test]
fn an_unknown_profile_is_a_usage_error_before_any_engine_call() {
    bare(&["create", "--profile", "nope"])
        .status(2)
        .one_error_line("unknown profile");
}

#[test]
fn engine_down_is_status_5_with_one_line() {
    for args in [
        vec!["list"],
        vec!["engine"],
        vec!["info", "x"],
        vec!["create"],
        vec!["mcp"],
    ] {
        bare(&args)
            .status(5)
            .one_error_line("/nonexistent/pocketdock.sock");
    }
    // run passes a command's status through: its own failure is 125.
    bare(&["run", "x", "true"])
        .status(125)
        .one_error_line("no container engine");
}

#[test]
fn help_and_version() {
    let r = bare(&["--version"]);
    r.status(0);
    assert_eq!(
        r.stdout.trim(),
        format!("pocketdock {}", env!("CARGO_PKG_VERSION"))
    );
    let r = bare(&["run", "--help"]);
    r.status(0);
    for flag in [
        "--stream",
        "--detach",
        "--timeout",
        "--max-output",
        "--lang",
        "--argv",
        "--stdin",
    ] {
        assert!(r.stdout.contains(flag), "run --help lacks {flag}");
    }
    let r = bare(&["create", "--help"]);
    for flag in [
        "--image",
        "--profile",
        "--name",
        "--timeout",
        "--mem-limit",
        "--cpu-percent",
        "--pids-limit",
        "--persist",
        "--project",
        "--volume",
        "--port",
        "--device",
        "--env",
        "--workdir",
        "--network",
        "--no-network",
        "--strict",
        "--ttl",
    ] {
        assert!(r.stdout.contains(flag), "create --help lacks {flag}");
    }
}

#[test]
fn mcp_refuses_a_bad_configuration_before_any_engine_call() {
    bare(&["mcp", "--max-sessions", "0"])
        .status(2)
        .one_error_line("max_sessions");
    bare(&["mcp", "--profile", "nope"])
        .status(2)
        .one_error_line("unknown profile");
    bare(&["mcp", "--timeout", "soon"]).status(2);
}

#[test]
fn profiles_need_no_engine_and_have_json() {
    let r = bare(&["profiles", "--json"]);
    r.status(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"minimal-python") && names.contains(&"minimal-bun"),
        "{names:?}"
    );
    for p in v.as_array().unwrap() {
        for k in ["name", "image", "network", "size", "description"] {
            assert!(p.get(k).is_some(), "{k} missing in {p}");
        }
    }
    // Piped: no colour codes and no box drawing.
    let r = bare(&["profiles"]);
    assert!(!r.stdout.contains('\x1b'), "colour on a pipe");
    assert!(r.stdout.starts_with("NAME"), "{}", r.stdout);
}

#[test]
fn shell_without_a_terminal_says_what_to_do() {
    let r = output(
        Command::new(bin())
            .args(["shell", "somebox"])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap(),
    );
    r.status(2).one_error_line("terminal");
}
