//! `pocketdock shell` driven in tmux: type a command, read the screen, resize the window,
//! exit with a status, on the engine under test.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::Boxed;

struct Tmux {
    session: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(args)
            .output()
            .expect("tmux runs (scripts/prereqs installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", &self.session])
    }

    /// Waits until the screen holds `needle` (the engine may be slow under load).
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "screen never showed {needle:?}:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn type_line(&self, line: &str) {
        self.cmd(&["send-keys", "-t", &self.session, "-l", line]);
        self.cmd(&["send-keys", "-t", &self.session, "Enter"]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .output();
    }
}

#[test]
fn shell_in_tmux_types_reads_resizes_and_exits_with_the_status() {
    let b = Boxed::new("shell", &[]);
    let t = Tmux {
        session: common::unique("tmux"),
    };
    // The status is written on the screen after the shell ends; `sleep` keeps the pane.
    let line = format!(
        "POCKETDOCK_SOCKET={} {} shell {}; echo SHELL-EXIT=$?; sleep 60",
        common::socket(),
        common::bin(),
        b.name
    );
    t.cmd(&[
        "new-session",
        "-d",
        "-s",
        &t.session,
        "-x",
        "100",
        "-y",
        "30",
        &line,
    ]);
    t.wait_for("sandbox@");
    t.type_line("echo typed-$((6*7)); stty size");
    t.wait_for("typed-42");
    // `stty size` prints after the echo: wait for it rather than race it.
    t.wait_for("30 100");
    t.cmd(&["resize-window", "-t", &t.session, "-x", "120", "-y", "40"]);
    // The new size reaches the TTY within the polling period.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        t.type_line("stty size");
        std::thread::sleep(Duration::from_millis(700));
        if t.screen().contains("40 120") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "resize never reached the TTY:\n{}",
            t.screen()
        );
    }
    // Raw mode: Ctrl-C reaches the sandbox's shell instead of killing the CLI.
    t.type_line("sleep 30");
    std::thread::sleep(Duration::from_millis(500));
    t.cmd(&["send-keys", "-t", &t.session, "C-c"]);
    t.type_line("echo still-$((1+1))-here");
    t.wait_for("still-2-here");
    t.type_line("exit 7");
    let s = t.wait_for("SHELL-EXIT=");
    assert!(
        s.contains("SHELL-EXIT=7"),
        "the shell's status is passed through:\n{s}"
    );
}
