//! The models against documents captured from both engines on this machine (Podman 4.3 and
//! Docker 20.10, API v1.41) by `fixtures/capture.sh`: each must parse into what the code
//! reads from it.

use super::*;
use crate::engine::request::engine_message;

const ENGINES: [&str; 2] = ["podman", "docker"];

/// The fixture `<engine>-<name>`.
fn fixture(engine: &str, name: &str) -> &'static str {
    macro_rules! files {
        ($($e:literal / $n:literal),* $(,)?) => {
            match (engine, name) {
                $(($e, $n) => include_str!(concat!("fixtures/", $e, "-", $n)),)*
                _ => panic!("no fixture {engine}-{name}"),
            }
        };
    }
    files!(
        "podman" / "inspect-running.json",
        "docker" / "inspect-running.json",
        "podman" / "inspect-stopped.json",
        "docker" / "inspect-stopped.json",
        "podman" / "image.json",
        "docker" / "image.json",
        "podman" / "list.json",
        "docker" / "list.json",
        "podman" / "exec-running.json",
        "docker" / "exec-running.json",
        "podman" / "exec-finished.json",
        "docker" / "exec-finished.json",
        "podman" / "stats.json",
        "docker" / "stats.json",
        "podman" / "top.json",
        "docker" / "top.json",
        "podman" / "error.json",
        "docker" / "error.json",
        "podman" / "build-ok.jsonl",
        "docker" / "build-ok.jsonl",
        "podman" / "build-failed.jsonl",
        "docker" / "build-failed.jsonl",
    )
}

fn parse<T: serde::de::DeserializeOwned>(engine: &str, name: &str) -> T {
    serde_json::from_str(fixture(engine, name)).unwrap_or_else(|e| panic!("{engine}-{name}: {e}"))
}

#[test]
fn a_running_container_inspects_to_what_info_and_reattach_read() {
    for engine in ENGINES {
        let d: ContainerInspect = parse(engine, "inspect-running.json");
        assert_eq!(d.id.len(), 64, "{engine}");
        assert_eq!(d.bare_name(), "pdm-fix-on", "{engine}");
        assert!(crate::info::parse_rfc3339(&d.created).is_some(), "{engine}");
        assert!(d.state.running && d.state.status == "running", "{engine}");
        let started = d.state.started().expect("a running container has started");
        assert!(crate::info::parse_rfc3339(started).is_some(), "{engine}");
        // Podman reports the normalized name, Docker the one asked for.
        assert!(
            d.config.image.contains("pocketdock/minimal-python"),
            "{engine}"
        );
        assert_eq!(d.config.user(), Some("sandbox"), "{engine}");
        assert_eq!(d.config.working_dir, "/home/sandbox", "{engine}");
        assert_eq!(d.label("pocketdock.test"), Some("models"), "{engine}");
        assert_eq!(d.label("pocketdock.persist"), Some("false"), "{engine}");
        assert_eq!(d.label("pocketdock.nothing"), None, "{engine}");
        assert_ne!(d.host_config.network_mode, "none", "{engine}");
        let ip = d.network_settings.ip().expect("an address on the bridge");
        assert!(ip.parse::<std::net::Ipv4Addr>().is_ok(), "{engine}: {ip}");
        let published = &d.network_settings.ports["8000/tcp"];
        let host_port = &published.as_ref().expect("published")[0].host_port;
        assert!(
            host_port.parse::<u16>().is_ok_and(|p| p >= 40_000),
            "{engine}"
        );
    }
}

#[test]
fn a_stopped_container_without_network_has_no_address_or_ports() {
    for engine in ENGINES {
        let d: ContainerInspect = parse(engine, "inspect-stopped.json");
        assert!(!d.state.running, "{engine}");
        assert_eq!(d.state.status, "exited", "{engine}");
        assert_eq!(d.host_config.network_mode, "none", "{engine}");
        assert_eq!(d.network_settings.ip(), None, "{engine}");
        assert!(d.network_settings.ports.is_empty(), "{engine}");
        assert!(d.config.labels.contains_key("pocketdock.test"), "{engine}");
    }
}

#[test]
fn an_image_gives_its_user_and_empty_entrypoint() {
    for engine in ENGINES {
        let i: ImageInspect = parse(engine, "image.json");
        assert_eq!(i.config.user(), Some("sandbox"), "{engine}");
        // Podman sends `[]`, Docker `null`: both mean none.
        assert!(i.config.entrypoint.is_empty(), "{engine}");
        assert_eq!(i.config.cmd, ["sleep", "infinity"], "{engine}");
    }
}

#[test]
fn the_list_names_state_and_labels_each_container() {
    for engine in ENGINES {
        let l: Vec<ContainerSummary> = parse(engine, "list.json");
        let mut names: Vec<&str> = l.iter().map(ContainerSummary::name).collect();
        names.sort_unstable();
        assert_eq!(names, ["pdm-fix-off", "pdm-fix-on"], "{engine}");
        for c in &l {
            assert_eq!(c.id.len(), 64, "{engine}");
            assert!(c.created > 1_700_000_000, "{engine}: unix seconds");
            assert_eq!(c.labels["pocketdock.test"], "models", "{engine}");
            let want = if c.name() == "pdm-fix-on" {
                "running"
            } else {
                "exited"
            };
            assert_eq!(c.state, want, "{engine}");
            assert!(c.image.contains("pocketdock/minimal-python"), "{engine}");
        }
    }
}

#[test]
fn an_exec_is_finished_only_when_not_running() {
    for engine in ENGINES {
        let running: ExecInspect = parse(engine, "exec-running.json");
        // Docker says `"ExitCode": null` while it runs, Podman `0`: only `Running` counts.
        assert!(running.running, "{engine}");
        let done: ExecInspect = parse(engine, "exec-finished.json");
        assert!(!done.running, "{engine}");
        assert_eq!(done.exit_code, Some(7), "{engine}");
    }
    let docker: ExecInspect = parse("docker", "exec-running.json");
    assert_eq!(docker.exit_code, None);
}

#[test]
fn stats_give_memory_pids_and_cpu_counters() {
    for engine in ENGINES {
        let s: Stats = parse(engine, "stats.json");
        assert_eq!(s.memory_stats.limit, Some(256 << 20), "{engine}");
        let used = s.memory_stats.used().expect("usage");
        assert!(used > 0 && used < 256 << 20, "{engine}: {used}");
        assert!(s.pids_stats.current.is_some_and(|n| n >= 1), "{engine}");
        assert!(
            s.cpu_stats.cpu_usage.total_usage.is_some_and(|n| n > 0),
            "{engine}"
        );
        assert!(
            s.cpu_stats.system_cpu_usage.is_some_and(|n| n > 0),
            "{engine}"
        );
        assert_eq!(s.cpu_stats.online_cpus, Some(2), "{engine}");
    }
    // Two samples of the same document: no time passed, so no rate.
    let s: Stats = parse("docker", "stats.json");
    assert_eq!(crate::info::cpu_percent(&s, &s), None);
}

#[test]
fn odd_figures_are_none_not_a_failed_document() {
    let s: Stats = serde_json::from_str(
        r#"{"memory_stats": {"usage": -1, "limit": "x", "stats": null},
            "pids_stats": {"current": 3.0}, "cpu_stats": null}"#,
    )
    .unwrap();
    assert_eq!((s.memory_stats.usage, s.memory_stats.limit), (None, None));
    assert_eq!(s.pids_stats.current, Some(3));
    assert_eq!(s.cpu_stats.cpu_usage.total_usage, None);
    let d: ContainerInspect =
        serde_json::from_str(r#"{"Config": {"Labels": null, "User": null}, "State": null}"#)
            .unwrap();
    assert!(d.config.labels.is_empty() && d.config.user().is_none() && !d.state.running);
}

#[test]
fn top_lists_the_processes() {
    for engine in ENGINES {
        let t: Top = parse(engine, "top.json");
        assert!(!t.titles.is_empty(), "{engine}");
        // Podman 4.3 sends each row as one `ps` line, Docker as columns.
        let rows: Vec<String> = t.processes.iter().map(|r| r.join(" ")).collect();
        assert!(
            rows.iter().any(|r| r.ends_with("sleep infinity")),
            "{engine}: {rows:?}"
        );
    }
}

#[test]
fn error_bodies_give_their_message() {
    for engine in ENGINES {
        let raw = fixture(engine, "error.json");
        let e: ErrorResponse = serde_json::from_str(raw).unwrap();
        let message = e.message.expect("message");
        assert!(message.contains("pdm-no-such-container"), "{engine}");
        assert_eq!(engine_message(500, raw.as_bytes()), message, "{engine}");
    }
    assert_eq!(engine_message(500, b"plain text\n"), "plain text");
}

#[test]
fn build_lines_give_the_image_or_the_failure() {
    for engine in ENGINES {
        let lines = |name| -> Vec<ProgressLine> {
            fixture(engine, name)
                .lines()
                .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{engine}: {l}: {e}")))
                .collect()
        };
        let ok = lines("build-ok.jsonl");
        assert!(ok.iter().all(|l| l.failure().is_none()), "{engine}");
        let id = ok.iter().find_map(|l| l.aux.id.as_deref()).expect("aux ID");
        assert!(id.starts_with("sha256:"), "{engine}");
        assert!(
            ok.iter().any(|l| l.stream.as_deref() == Some("built\n")),
            "{engine}"
        );
        let failed = lines("build-failed.jsonl");
        let why = failed
            .iter()
            .find_map(ProgressLine::failure)
            .expect("a failure");
        assert!(
            why.contains("exit") || why.contains("non-zero code: 3"),
            "{engine}: {why}"
        );
        assert!(!why.ends_with('\n'), "{engine}: trimmed");
    }
}
