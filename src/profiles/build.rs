//! Building a profile's image through the engine's build API (`POST /build`): the context is
//! packed as a tar and streamed up, the engine's JSON progress lines are handed to a callback,
//! and a failure is detected wherever the engine reports it (a status, or an `error` line
//! inside a 200 answer, which is how both engines report a failing step).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http_body_util::BodyExt;
use hyper::Method;

use super::resolve_profile;
use crate::engine::models::ProgressLine;
use crate::engine::request::{query_escape, said_nothing, Subject};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::files::pipe;
use crate::Client;

/// Receives the build's progress, one line of text at a time (without its newline).
pub type ProgressCallback = Arc<dyn Fn(&str) + Send + Sync>;

/// The Dockerfiles of the profiles, embedded so that a user holding only the library can
/// build any profile: (profile name, Dockerfile text).
const DOCKERFILES: &[(&str, &str)] = &[
    (
        "minimal-python",
        include_str!("../../images/minimal-python/Dockerfile"),
    ),
    (
        "minimal-node",
        include_str!("../../images/minimal-node/Dockerfile"),
    ),
    // Its context also needs the Bun binary (images/minimal-bun/prepare puts it there):
    // build it with `context_dir` set to that directory.
    (
        "minimal-bun",
        include_str!("../../images/minimal-bun/Dockerfile"),
    ),
    ("dev", include_str!("../../images/dev/Dockerfile")),
    ("agent", include_str!("../../images/agent/Dockerfile")),
    ("datasci", include_str!("../../images/datasci/Dockerfile")),
    ("embedded", include_str!("../../images/embedded/Dockerfile")),
];

/// How to build a profile's image.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The `BASE` build argument (the image the profile builds on). `None` keeps the
    /// Dockerfile's default, the public `debian:bookworm-slim`; an offline machine passes a
    /// locally made Debian image (e.g. `pocketdock/debian-base:bookworm`).
    pub base: Option<String>,
    /// A build context directory (with a `Dockerfile`) to use instead of the profile's
    /// embedded Dockerfile, e.g. a checkout's `images/<profile>/`.
    pub context_dir: Option<PathBuf>,
    /// The tag to give the image; `None`: the profile's image (`pocketdock/<profile>`).
    pub tag: Option<String>,
    /// Build every step afresh instead of reusing the engine's layer cache.
    pub no_cache: bool,
}

/// The embedded Dockerfile of `profile`.
pub fn profile_dockerfile(profile: &str) -> Result<&'static str> {
    let p = resolve_profile(profile)?;
    DOCKERFILES
        .iter()
        .find(|(n, _)| *n == p.name)
        .map(|(_, d)| *d)
        .ok_or_else(|| Error::internal(format!("no Dockerfile embedded for {}", p.name)))
}

impl Client {
    /// Builds the image of `profile` (tagged with the profile's image unless `opts.tag` says
    /// otherwise) and returns the new image's id. Progress lines go to `progress`. A step that
    /// fails is [`Error::BuildFailed`] with the engine's message.
    pub async fn build_profile(
        &self,
        profile: &str,
        opts: &BuildOptions,
        progress: Option<ProgressCallback>,
    ) -> Result<String> {
        let p = resolve_profile(profile)?;
        let tag = opts.tag.clone().unwrap_or_else(|| p.image.to_owned());
        let context = match &opts.context_dir {
            Some(dir) => Context::Dir(dir.clone()),
            None => Context::Dockerfile(profile_dockerfile(p.name)?),
        };
        build(self.engine(), context, &tag, opts, progress).await
    }

    /// Builds the image described by `context_dir/Dockerfile`, tagged `tag`; otherwise like
    /// [`Client::build_profile`] (`opts.context_dir` and `opts.tag` are not used).
    pub async fn build_image(
        &self,
        context_dir: &Path,
        tag: &str,
        opts: &BuildOptions,
        progress: Option<ProgressCallback>,
    ) -> Result<String> {
        let context = Context::Dir(context_dir.to_path_buf());
        build(self.engine(), context, tag, opts, progress).await
    }
}

enum Context {
    /// A host directory, packed as it is.
    Dir(PathBuf),
    /// A context made of one Dockerfile.
    Dockerfile(&'static str),
}

fn build_url(tag: &str, opts: &BuildOptions) -> Result<String> {
    let mut url = format!("/build?t={}&rm=1&forcerm=1", query_escape(tag));
    if let Some(base) = &opts.base {
        // `buildargs` is a JSON object of the build's ARG values.
        let args =
            serde_json::to_string(&BTreeMap::from([("BASE", base)])).map_err(Error::internal)?;
        url.push_str(&format!("&buildargs={}", query_escape(&args)));
    }
    if opts.no_cache {
        url.push_str("&nocache=1");
    }
    if tag.is_empty() {
        return Err(Error::invalid("the image tag must not be empty"));
    }
    Ok(url)
}

async fn build(
    engine: &Engine,
    context: Context,
    tag: &str,
    opts: &BuildOptions,
    progress: Option<ProgressCallback>,
) -> Result<String> {
    // A malformed tag gets an empty error message from the engine; say what is wrong.
    crate::container::reference::parse_reference(tag)?;
    let url = build_url(tag, opts)?;
    if let Context::Dir(dir) = &context {
        if !dir.join("Dockerfile").is_file() {
            return Err(Error::FileNotFound(format!(
                "{} (the build context needs a Dockerfile)",
                dir.join("Dockerfile").display()
            )));
        }
    }
    let (tx, rx) = pipe::channel();
    let packer = pipe::produce_blocking(tx, move |w| match context {
        Context::Dir(dir) => dir_tar(&dir, w),
        Context::Dockerfile(text) => dockerfile_tar(text, w),
    });
    let request = async {
        let resp = engine
            .call_stream(Method::POST, &url, "application/x-tar", rx, Subject::Engine)
            .await
            .map_err(build_refused)?;
        follow(resp.into_body(), progress.as_deref()).await
    };
    let (packed, built) = tokio::join!(packer, request);
    // A packing failure aborts the upload; its own error says more than the engine's.
    packed.and(built)
}

/// A refusal before the build started (a bad Dockerfile, a missing base) is a failed build.
fn build_refused(e: Error) -> Error {
    match e {
        Error::Engine { status, message } if status < 500 || !said_nothing(&message) => {
            Error::BuildFailed(message)
        }
        e => e,
    }
}

/// A tar holding one `Dockerfile`.
fn dockerfile_tar(text: &str, w: &mut pipe::ChannelWriter) -> std::io::Result<()> {
    let mut b = tar::Builder::new(w);
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(0o644);
    h.set_size(text.len() as u64);
    h.set_mtime(0);
    b.append_data(&mut h, "Dockerfile", text.as_bytes())?;
    b.finish()
}

/// A tar of the context directory (symlinks stored as links, like the engines' CLIs do).
fn dir_tar(dir: &Path, w: &mut pipe::ChannelWriter) -> std::io::Result<()> {
    let mut b = tar::Builder::new(w);
    b.follow_symlinks(false);
    b.append_dir_all(".", dir)?;
    b.finish()
}

/// Reads the engine's JSON lines to the end: progress goes to `progress`, an `error` line
/// fails the build, the image id comes from the `aux` line (or the final "Successfully built").
async fn follow(
    mut body: hyper::body::Incoming,
    progress: Option<&(dyn Fn(&str) + Send + Sync)>,
) -> Result<String> {
    let mut pending: Vec<u8> = Vec::new();
    let mut state = Outcome::default();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Error::Io(std::io::Error::other(format!(
                "reading the build's output: {e}"
            )))
        })?;
        if let Ok(data) = frame.into_data() {
            pending.extend_from_slice(&data);
            while let Some(nl) = pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = pending.drain(..=nl).collect();
                state.line(&line, progress);
            }
        }
    }
    state.line(&pending, progress);
    state.finish()
}

/// What the build's JSON lines have said so far.
#[derive(Default)]
struct Outcome {
    error: Option<String>,
    id: Option<String>,
}

impl Outcome {
    fn line(&mut self, raw: &[u8], progress: Option<&(dyn Fn(&str) + Send + Sync)>) {
        let raw = String::from_utf8_lossy(raw);
        let raw = raw.trim();
        if raw.is_empty() {
            return;
        }
        let Ok(v) = serde_json::from_str::<ProgressLine>(raw) else {
            // Not JSON (or not a progress line): pass it on as it is rather than lose it.
            emit(progress, raw);
            return;
        };
        if let Some(msg) = v.failure() {
            emit(progress, msg);
            self.error.get_or_insert_with(|| msg.to_owned());
        }
        if let Some(s) = &v.stream {
            for l in s.lines() {
                emit(progress, l);
                if let Some(id) = l.trim().strip_prefix("Successfully built ") {
                    self.id.get_or_insert_with(|| id.trim().to_owned());
                }
            }
        }
        if let Some(id) = v.aux.id {
            self.id = Some(id);
        }
        if let Some(s) = &v.status {
            emit(progress, s);
        }
    }

    fn finish(self) -> Result<String> {
        if let Some(e) = self.error {
            return Err(Error::BuildFailed(e));
        }
        self.id.ok_or_else(|| {
            Error::BuildFailed("the engine ended the build without naming an image".into())
        })
    }
}

fn emit(progress: Option<&(dyn Fn(&str) + Send + Sync)>, line: &str) {
    if let Some(p) = progress {
        let line = line.trim_end();
        if !line.is_empty() {
            p(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&str]) -> (Result<String>, Vec<String>) {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let cb = move |l: &str| s2.lock().unwrap().push(l.to_owned());
        let mut o = Outcome::default();
        for l in lines {
            o.line(l.as_bytes(), Some(&cb));
        }
        let got = seen.lock().unwrap().clone();
        (o.finish(), got)
    }

    #[test]
    fn an_error_inside_a_200_fails_the_build() {
        // Docker 20.10's classic builder, captured.
        let (r, lines) = run(&[
            r#"{"stream":"Step 1/2 : FROM x\n"}"#,
            r#"{"stream":"Step 2/2 : RUN false\n"}"#,
            r#"{"errorDetail":{"code":1,"message":"The command '/bin/sh -c false' returned a non-zero code: 1"},"error":"The command '/bin/sh -c false' returned a non-zero code: 1"}"#,
        ]);
        let e = r.unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::BuildFailed);
        assert!(e.to_string().contains("non-zero code: 1"), "{e}");
        assert_eq!(lines.len(), 3, "{lines:?}");
    }

    #[test]
    fn the_id_comes_from_aux_or_the_last_stream_line() {
        let (r, _) = run(&[
            r#"{"aux":{"ID":"sha256:abc"}}"#,
            r#"{"stream":"Successfully built abc\n"}"#,
        ]);
        assert_eq!(r.unwrap(), "sha256:abc");
        let (r, _) = run(&[r#"{"stream":"Successfully built 0123\n"}"#]);
        assert_eq!(r.unwrap(), "0123");
        assert!(run(&[r#"{"stream":"x"}"#]).0.is_err());
    }

    #[test]
    fn every_profile_has_a_dockerfile_taking_the_base_as_an_argument() {
        for p in crate::list_profiles() {
            let d = profile_dockerfile(p.name).unwrap();
            assert!(d.contains("ARG BASE=debian:bookworm-slim"), "{}", p.name);
            assert!(d.contains("FROM ${BASE}"), "{}", p.name);
        }
    }

    #[test]
    fn build_args_are_escaped_into_the_url() {
        let o = BuildOptions {
            base: Some("pocketdock/debian-base:bookworm".into()),
            ..Default::default()
        };
        let u = build_url("pocketdock/dev", &o).unwrap();
        assert!(u.starts_with("/build?t=pocketdock/dev&"), "{u}");
        assert!(
            u.contains("buildargs=%7B%22BASE%22%3A%22pocketdock/debian-base%3Abookworm%22%7D"),
            "{u}"
        );
        assert!(build_url("", &o).is_err());
    }
}
