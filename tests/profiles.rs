//! Image profiles against the real engine: every profile builds through the build API (the
//! layer cache makes this quick once scripts/build-images has built them) and its tools run;
//! a failing build is `BuildFailed` with the engine's message; export -> remove -> import
//! round-trips images through one archive, plain and gzip.
//!
//! Builds use the offline base scripts/build-images imports (`pocketdock/debian-base`). The
//! profiles are built under their own tags (layer-cache hits once scripts/build-images built
//! them: the same layers); every other test image gets a unique name and is removed by a
//! guard even when a test panics.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use pocketdock::{list_profiles, BuildOptions, ContainerOptions, ErrorKind, RunOptions};

/// The Debian base scripts/build-images made, as this engine names it.
fn offline_base() -> String {
    if is_podman() {
        "localhost/pocketdock/debian-base:bookworm".into()
    } else {
        "pocketdock/debian-base:bookworm".into()
    }
}

fn unique(what: &str) -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("pocketdock-test/{what}-{}-{n:x}", std::process::id())
}

/// Images removed (forced) when this guard drops, with a raw request.
struct Images(Vec<String>);

impl Drop for Images {
    fn drop(&mut self) {
        for i in &self.0 {
            let _ = raw("DELETE", &format!("/images/{i}?force=true"));
        }
    }
}

fn collector() -> (pocketdock::ProgressCallback, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l2 = lines.clone();
    let cb = Arc::new(move |l: &str| l2.lock().unwrap().push(l.to_owned()));
    (cb, lines)
}

#[tokio::test]
async fn every_profile_builds_and_its_tools_run() {
    let client = client().await;
    let checks: &[(&str, &str)] = &[
        ("minimal-python", "python3 --version"),
        ("minimal-node", "node --version && npm --version"),
        (
            "minimal-bun",
            "bun --version && bun -e 'const n: number = 6 * 7; console.log(n)' | grep -qx 42 \
             && bash --version",
        ),
        (
            "dev",
            "python3 --version && node --version && gcc --version && git --version \
             && make --version && curl --version && jq --version",
        ),
        (
            "agent",
            "python3 -c 'import requests, numpy, pandas; print(pandas.__version__)' \
             && rg --version && jq --version && git --version",
        ),
        (
            "datasci",
            "python3 -c 'import numpy, pandas, matplotlib.pyplot; print(pandas.__version__)'",
        ),
        (
            "embedded",
            "gcc --version && g++ --version && cmake --version && ninja --version \
             && make --version && gdb-multiarch --version && arm-none-eabi-gcc --version \
             && python3 --version && test -f /usr/lib/arm-none-eabi/newlib/libc.a",
        ),
    ];
    assert_eq!(checks.len(), list_profiles().len());
    for (profile, check) in checks {
        // Built under the profile's own tag, and not removed afterwards: on Podman, removing
        // an image that came out of the layer cache removes the cached layers under it too
        // (its compat API prunes untagged parents), and the next build starts from scratch.
        let (cb, lines) = collector();
        let opts = BuildOptions {
            base: Some(offline_base()),
            // Bun's binary is in the directory, not the embedded Dockerfile's context
            // (scripts/build-images ran images/minimal-bun/prepare).
            context_dir: (*profile == "minimal-bun").then(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("images/minimal-bun")
            }),
            ..Default::default()
        };
        let started = std::time::Instant::now();
        let id = client
            .build_profile(profile, &opts, Some(cb))
            .await
            .unwrap_or_else(|e| panic!("{profile}: {e}"));
        eprintln!("{profile}: built in {:?}", started.elapsed());
        assert!(!id.is_empty());
        assert!(!lines.lock().unwrap().is_empty(), "{profile}: no progress");
        let p = pocketdock::resolve_profile(profile).unwrap();
        assert!(client.image_exists(p.image).await.unwrap(), "{profile}");

        let mut o = ContainerOptions::for_profile(profile).unwrap();
        assert_eq!(
            (o.network_enabled(), o.image.as_str()),
            (p.network, p.image)
        );
        o.labels = opts_labels();
        o.agent = agent_on();
        let s = sandbox_with(o).await;
        let r = s.run(check, &RunOptions::default()).await.unwrap();
        assert_eq!(
            r.exit_code,
            0,
            "{profile}: {}{}",
            r.stdout_text(),
            r.stderr_text()
        );
        let who = s.run("id -un", &RunOptions::default()).await.unwrap();
        assert_eq!(
            who.stdout_text().trim(),
            "sandbox",
            "{profile} runs as sandbox"
        );
    }
}

fn opts_labels() -> Vec<(String, String)> {
    vec![(TEST_LABEL.0.into(), TEST_LABEL.1.into())]
}

fn context_dir(dockerfile: &str) -> tempdir::Dir {
    let d = tempdir::Dir::new();
    std::fs::write(d.path().join("Dockerfile"), dockerfile).unwrap();
    d
}

#[tokio::test]
async fn a_failing_step_is_build_failed_with_the_engines_message() {
    let client = client().await;
    let tag = unique("fails");
    let _images = Images(vec![tag.clone()]);
    let dir = context_dir("ARG BASE\nFROM ${BASE}\nRUN echo about-to-fail && false\n");
    let (cb, lines) = collector();
    let opts = BuildOptions {
        base: Some(offline_base()),
        ..Default::default()
    };
    let e = client
        .build_image(dir.path(), &tag, &opts, Some(cb))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BuildFailed, "{e}");
    let msg = e.to_string();
    assert!(msg.contains("false") || msg.contains("exit"), "{msg}");
    let lines = lines.lock().unwrap().join("\n");
    assert!(lines.contains("about-to-fail"), "progress: {lines}");
    assert!(!client.image_exists(&tag).await.unwrap());
}

#[tokio::test]
async fn a_bad_dockerfile_or_a_missing_base_is_build_failed() {
    let client = client().await;
    let tag = unique("bad");
    let _images = Images(vec![tag.clone()]);
    let opts = BuildOptions::default();
    let dir = context_dir("FROM pocketdock-test/no-such-base:never\n");
    let e = client.build_image(dir.path(), &tag, &opts, None).await;
    assert_eq!(e.unwrap_err().kind(), ErrorKind::BuildFailed);
    let dir = context_dir("NOT-AN-INSTRUCTION x\n");
    let e = client.build_image(dir.path(), &tag, &opts, None).await;
    assert_eq!(e.unwrap_err().kind(), ErrorKind::BuildFailed);
    let empty = tempdir::Dir::new();
    let e = client.build_image(empty.path(), &tag, &opts, None).await;
    assert_eq!(e.unwrap_err().kind(), ErrorKind::FileNotFound);
    let e = client.build_profile("gpu", &opts, None).await;
    assert_eq!(e.unwrap_err().kind(), ErrorKind::InvalidArgument);
}

/// Two small unique images (the no-shell fixture plus a label), for the round trip.
async fn two_small_images(client: &pocketdock::Client) -> Vec<String> {
    let base = if is_podman() {
        "localhost/pocketdock/test-no-shell"
    } else {
        "pocketdock/test-no-shell"
    };
    let mut tags = Vec::new();
    for i in 0..2 {
        let tag = unique(&format!("roundtrip{i}"));
        let dir = context_dir(&format!(
            "FROM {base}\nLABEL pocketdock.test.tag=\"{tag}\"\n"
        ));
        client
            .build_image(dir.path(), &tag, &BuildOptions::default(), None)
            .await
            .unwrap();
        tags.push(tag);
    }
    tags
}

async fn round_trip(file_name: &str) {
    let client = client().await;
    let tags = two_small_images(&client).await;
    let _images = Images(tags.clone());
    let dir = tempdir::Dir::new();
    let file = dir.path().join(file_name);
    let names: Vec<&str> = tags.iter().map(String::as_str).collect();
    let written = client.export_images(&names, &file).await.unwrap();
    assert_eq!(written, std::fs::metadata(&file).unwrap().len());
    let head = std::fs::read(&file).unwrap();
    let gz = head.starts_with(&[0x1f, 0x8b]);
    assert_eq!(gz, file_name.ends_with(".gz"), "gzip iff the name says so");
    for t in &tags {
        client.remove_image(t, true).await.unwrap();
        assert!(!client.image_exists(t).await.unwrap());
    }
    let loaded = client.import_images(&file).await.unwrap();
    for t in &tags {
        assert!(
            client.image_exists(t).await.unwrap(),
            "{t} back after import"
        );
        assert!(
            loaded.iter().any(|l| l.contains(t.as_str())),
            "{t} in {loaded:?}"
        );
    }
}

#[tokio::test]
async fn export_remove_import_round_trips_several_images() {
    round_trip("images.tar").await;
}

#[tokio::test]
async fn export_to_gz_is_compressed_and_imports_back() {
    round_trip("images.tar.gz").await;
}

#[tokio::test]
async fn export_and_import_report_what_is_missing() {
    let client = client().await;
    let dir = tempdir::Dir::new();
    let file = dir.path().join("x.tar");
    let e = client
        .export_images(&["pocketdock-test/never-built:x"], &file)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ImageNotFound, "{e}");
    assert!(!file.exists(), "no partial archive is left");
    let e = client.export_images(&[], &file).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let e = client.import_images(&dir.path().join("none.tar")).await;
    assert_eq!(e.unwrap_err().kind(), ErrorKind::FileNotFound);
    std::fs::write(&file, b"not a tar at all").unwrap();
    assert!(client.import_images(&file).await.is_err());
    // gzip's magic, then garbage: the decoder's error, not a hang or a partial load.
    std::fs::write(&file, b"\x1f\x8b\x08\x00garbage-garbage-garbage").unwrap();
    let e = client.import_images(&file).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    let e = client
        .remove_image("pocketdock-test/never-built:x", true)
        .await;
    assert_eq!(e.unwrap_err().kind(), ErrorKind::ImageNotFound);
}

/// A temporary host directory, removed on drop.
mod tempdir {
    use std::path::{Path, PathBuf};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new() -> Dir {
            let p = std::env::temp_dir().join(super::unique("dir").replace('/', "-"));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
