//! Shared by the CLI tests: they run the real `pocketdock` binary against the engine named
//! by `POCKETDOCK_SOCKET` (scripts/test-cli runs them once per engine). Every sandbox a test
//! creates is labelled `pocketdock.test=cli` and destroyed by its guard, even when the test
//! fails; scripts/test-cli sweeps leftovers by that label.
#![allow(dead_code)]

use std::process::{Command, Output, Stdio};

pub const LABEL: &str = "pocketdock.test=cli";

pub fn socket() -> String {
    std::env::var("POCKETDOCK_SOCKET")
        .expect("set POCKETDOCK_SOCKET to the engine under test (scripts/test-cli does)")
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_pocketdock")
}

/// The binary with the engine under test, stdin closed, no colour variables from outside.
pub fn pd() -> Command {
    let mut c = Command::new(bin());
    c.env("POCKETDOCK_SOCKET", socket())
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    c
}

/// What a run of the binary gave.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// Asserts the status and, on failure, shows everything.
    pub fn status(&self, code: i32) -> &Ran {
        assert_eq!(
            self.code, code,
            "exit status\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts that stderr is exactly one line holding `needle`.
    pub fn one_error_line(&self, needle: &str) -> &Ran {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stderr, got: {:?}", self.stderr);
        assert!(
            lines[0].starts_with("pocketdock: error: ") && lines[0].contains(needle),
            "stderr {:?} should name {needle:?}",
            lines[0]
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }
}

pub fn output(o: Output) -> Ran {
    Ran {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Runs `pocketdock ARGS...` to its end.
pub fn run(args: &[&str]) -> Ran {
    output(pd().args(args).output().expect("the binary runs"))
}

/// A sandbox made with `pocketdock create`, destroyed (through the binary, -y) on drop.
pub struct Boxed {
    pub name: String,
}

impl Boxed {
    pub fn new(tag: &str, extra: &[&str]) -> Boxed {
        let name = unique(tag);
        let mut args = vec!["create", "-q", "--name", &name, "--label", LABEL];
        args.extend_from_slice(extra);
        let r = run(&args);
        r.status(0);
        assert_eq!(r.stdout.trim(), name, "create -q prints the name");
        Boxed { name }
    }
}

impl Drop for Boxed {
    fn drop(&mut self) {
        let _ = pd().args(["destroy", "-y", "-q", &self.name]).output();
    }
}

/// A name no other test (or run) uses.
pub fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "pdcli-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
