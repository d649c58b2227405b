//! What every benchmark reads from its environment: how many iterations, which engines.
#![allow(dead_code)]

/// The count `var` asks for (e.g. `BENCH_N`), else `default`.
pub fn count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The engines to measure: `POCKETDOCK_TEST_SOCKETS` (space-separated), else both of
/// `scripts/engine-up`'s.
pub fn sockets() -> Vec<String> {
    std::env::var("POCKETDOCK_TEST_SOCKETS")
        .unwrap_or_else(|_| "/run/podman/podman.sock /run/pocketdock-docker.sock".into())
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}
