//! The MCP tools, their input schemas (schemars, from the parameter structs) and the
//! descriptions an LLM chooses and calls them by. Every call gets a correlation id that
//! all of its log lines carry.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{tool, tool_handler, tool_router, ServerHandler};
use schemars::JsonSchema;
use serde::Deserialize;
use tracing::Instrument;

use super::artifacts;
use super::manager::Manager;
use super::report::{ArtifactContent, ArtifactList, Closed, RunReport, Uploaded};
use super::validate;

#[derive(Deserialize, JsonSchema)]
pub struct RunPythonParams {
    /// Python 3 source to run. The value of a last line that is an expression is returned
    /// as `result` (its repr).
    pub code: String,
    /// The session to run in (from an earlier call). Omit it to start a new session.
    pub session_id: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
pub struct RunShellParams {
    /// A shell command line (sh -c), run in the session's data directory.
    pub command: String,
    /// The session to run in (from an earlier call). Omit it to start a new session.
    pub session_id: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
pub struct UploadParams {
    pub session_id: String,
    /// A path relative to the data directory, e.g. `data.csv` or `input/a.txt` (no
    /// absolute paths, no `..`).
    pub filename: String,
    /// The file's bytes, base64-encoded (standard alphabet, padded).
    pub content_base64: String,
}

#[derive(Deserialize, JsonSchema)]
pub struct SessionParams {
    pub session_id: String,
}

#[derive(Deserialize, JsonSchema)]
pub struct ReadArtifactParams {
    pub session_id: String,
    /// A path from list_artifacts (relative to the data directory).
    pub path: String,
}

#[derive(Clone)]
pub struct Tools {
    mgr: Arc<Manager>,
    tool_router: ToolRouter<Tools>,
}

type Out<T> = Result<Json<T>, String>;

/// Runs one tool call inside a span with a fresh correlation id, logging its end.
async fn traced<T>(
    tool: &'static str,
    session: Option<&str>,
    f: impl std::future::Future<Output = Out<T>>,
) -> Result<Json<T>, String> {
    let call_id = validate::new_token()[..16].to_owned();
    let span =
        tracing::info_span!("tool_call", call_id = %call_id, tool, session = session.unwrap_or(""));
    async move {
        let started = std::time::Instant::now();
        let r = f.await;
        let ms = started.elapsed().as_millis() as u64;
        match &r {
            Ok(_) => tracing::info!(duration_ms = ms, "call done"),
            Err(e) => tracing::warn!(duration_ms = ms, error = %e, "call failed"),
        }
        r
    }
    .instrument(span)
    .await
}

#[tool_router]
impl Tools {
    pub fn new(mgr: Arc<Manager>) -> Tools {
        Tools {
            mgr,
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "Run Python 3 code in a sandboxed, persistent interpreter. Variables, \
imports and functions defined in one call are still there in the next call of the same \
session. Omit session_id to start a new session (its id is in the result). The code runs in the \
session's data directory; files it writes there (e.g. plt.savefig('plot.png')) become \
artifacts. numpy, pandas and matplotlib are installed; there is no network. Returns stdout, \
stderr, the repr of a trailing expression (`result`), the exception with its traceback \
(`error`), timed_out, truncated, duration, CPU time, peak memory and the files created or \
changed. On timeout the interpreter is restarted and earlier state is lost (see `notes`)."
    )]
    async fn run_python(
        &self,
        Parameters(p): Parameters<RunPythonParams>,
    ) -> Result<Json<RunReport>, String> {
        let mgr = self.mgr.clone();
        traced("run_python", p.session_id.clone().as_deref(), async move {
            validate::size("code", p.code.len(), mgr.cfg.max_code)?;
            let (sess, new) = mgr.get_or_create(p.session_id.as_deref()).await?;
            let mut turn = sess.turn()?;
            let mut r = sess.run_python(&mut turn, &p.code, &mgr.cfg).await?;
            r.new_session = new;
            Ok(Json(r))
        })
        .await
    }

    #[tool(
        description = "Run a shell command (sh -c) in a session's sandbox, in its data \
directory. Omit session_id to start a new session. Same result shape as run_python (exit_code \
is the command's status). A timeout kills the command and everything it started; the Python \
interpreter of the session is not affected."
    )]
    async fn run_shell(
        &self,
        Parameters(p): Parameters<RunShellParams>,
    ) -> Result<Json<RunReport>, String> {
        let mgr = self.mgr.clone();
        traced("run_shell", p.session_id.clone().as_deref(), async move {
            validate::size("command", p.command.len(), mgr.cfg.max_code)?;
            if p.command.contains('\0') {
                return Err("the command contains a NUL byte".into());
            }
            let (sess, new) = mgr.get_or_create(p.session_id.as_deref()).await?;
            let mut turn = sess.turn()?;
            let mut r = sess.run_shell(&mut turn, &p.command, &mgr.cfg).await?;
            r.new_session = new;
            Ok(Json(r))
        })
        .await
    }

    #[tool(
        description = "Upload a file into a session's data directory (the working directory \
of its code), e.g. a CSV to analyse. The content is base64; the size is limited."
    )]
    async fn upload_file(
        &self,
        Parameters(p): Parameters<UploadParams>,
    ) -> Result<Json<Uploaded>, String> {
        let mgr = self.mgr.clone();
        traced("upload_file", Some(&p.session_id.clone()), async move {
            // Base64 is 4/3 of the bytes: refuse a huge string before decoding it.
            validate::size(
                "content_base64",
                p.content_base64.len(),
                mgr.cfg.max_upload / 3 * 4 + 4,
            )?;
            use base64::Engine;
            let data = base64::engine::general_purpose::STANDARD
                .decode(p.content_base64.trim())
                .map_err(|e| format!("content_base64 is not valid base64: {e}"))?;
            validate::size("the file", data.len(), mgr.cfg.max_upload)?;
            validate::relative_path(&p.filename, "filename")?;
            let sess = mgr.get(&p.session_id)?;
            let _turn = sess.turn()?;
            let path = artifacts::upload(&sess, &mgr.cfg.data_dir, &p.filename, &data).await?;
            Ok(Json(Uploaded {
                session_id: sess.id.clone(),
                path,
                size: data.len() as u64,
            }))
        })
        .await
    }

    #[tool(
        description = "List the files in a session's data directory (artifacts: plots, \
outputs, uploads), each with its size, MIME type and, when enabled, a download_url (an HTTP URL \
on this machine that serves the file)."
    )]
    async fn list_artifacts(
        &self,
        Parameters(p): Parameters<SessionParams>,
    ) -> Result<Json<ArtifactList>, String> {
        let mgr = self.mgr.clone();
        traced("list_artifacts", Some(&p.session_id.clone()), async move {
            let sess = mgr.get(&p.session_id)?;
            sess.touch();
            Ok(Json(
                artifacts::list(&sess, &mgr.cfg.data_dir, mgr.artifact_base.get()).await?,
            ))
        })
        .await
    }

    #[tool(
        description = "Read one artifact of a session (a path from list_artifacts) as \
base64. Files over the size limit are refused: use their download_url."
    )]
    async fn read_artifact(
        &self,
        Parameters(p): Parameters<ReadArtifactParams>,
    ) -> Result<Json<ArtifactContent>, String> {
        let mgr = self.mgr.clone();
        traced("read_artifact", Some(&p.session_id.clone()), async move {
            let sess = mgr.get(&p.session_id)?;
            sess.touch();
            let base = mgr.artifact_base.get();
            Ok(Json(
                artifacts::read(&sess, &mgr.cfg.data_dir, &p.path, mgr.cfg.max_read, base).await?,
            ))
        })
        .await
    }

    #[tool(
        description = "Close a session: its sandbox, interpreter state and files are \
removed. Sessions idle for long are closed automatically."
    )]
    async fn close_session(
        &self,
        Parameters(p): Parameters<SessionParams>,
    ) -> Result<Json<Closed>, String> {
        let mgr = self.mgr.clone();
        traced("close_session", Some(&p.session_id.clone()), async move {
            mgr.close(&p.session_id, "close_session").await?;
            Ok(Json(Closed {
                session_id: p.session_id,
                closed: true,
            }))
        })
        .await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Tools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("pocketdock", pocketdock::VERSION))
            .with_instructions(
                "Runs Python and shell code in disposable container sandboxes (no network, \
                 read-only root, limits). Start with run_python without a session_id, then pass \
                 the returned session_id to keep state. Files saved in the working directory \
                 are artifacts (list_artifacts, read_artifact). Close sessions when done.",
            )
    }
}
