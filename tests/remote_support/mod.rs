//! Shared by the remote-engine suites (tests/remote.rs, tests/remote_env.rs): the settings
//! scripts/remote-up wrote, and containers removed through the daemon's own Unix socket
//! (not the library under test) even when a test fails.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;

use pocketdock::{Container, ContainerOptions};

pub const LABEL: (&str, &str) = ("pocketdock.test", "rust-remote");

/// The settings of the remote engine, or `None` (the suite is skipped) when
/// `POCKETDOCK_TEST_REMOTE` does not name scripts/remote-up's env file. scripts/test sets it.
pub fn settings() -> Option<HashMap<String, String>> {
    let Ok(path) = std::env::var("POCKETDOCK_TEST_REMOTE") else {
        eprintln!("skipped: POCKETDOCK_TEST_REMOTE is not set (scripts/remote-up, scripts/test)");
        return None;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Some(
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

pub fn opts(agent: bool) -> ContainerOptions {
    ContainerOptions {
        labels: vec![(LABEL.0.into(), LABEL.1.into())],
        agent,
        ..Default::default()
    }
}

/// A container on the remote daemon, force-removed through its Unix socket when dropped.
pub struct Remote {
    pub c: Container,
    pub socket: String,
}

impl std::ops::Deref for Remote {
    type Target = Container;
    fn deref(&self) -> &Container {
        &self.c
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        let path = format!("/v1.41/containers/{}?force=true&v=true", self.c.name());
        if let Ok(mut s) = UnixStream::connect(&self.socket) {
            let _ = write!(s, "DELETE {path} HTTP/1.0\r\nHost: d\r\n\r\n");
            let _ = s.read_to_end(&mut Vec::new());
        }
    }
}
