//! `pocketdock mcp`: a code-execution server for LLM agents over the Model Context Protocol
//! (docs/mcp.md). It runs on a runtime of its own, so the other commands pay nothing for it.

mod artifacts;
pub mod config;
mod http;
mod interp;
mod log;
mod manager;
mod report;
mod session;
mod tools;
mod validate;

use rmcp::ServiceExt;
use tokio::signal::unix::{signal, SignalKind};

pub use config::McpArgs;

use crate::error::{code, CliError};
use manager::Manager;

/// Runs the server until stdin closes (stdio), or SIGINT/SIGTERM; then removes its sandboxes.
pub fn main(args: McpArgs, global: crate::args::Global) -> Result<u8, CliError> {
    let cfg = config::Config::load(&args).map_err(|e| CliError::new(code::USAGE, e))?;
    log::init(cfg.log_file.as_deref(), &cfg.log_level)
        .map_err(|e| CliError::new(code::USAGE, e))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::io("starting the runtime", e))?;
    rt.block_on(serve(cfg, crate::ctx::Ctx::new(global)))
}

async fn serve(cfg: config::Config, ctx: crate::ctx::Ctx) -> Result<u8, CliError> {
    let client = ctx.client().await?;
    let http_port = cfg.http_port;
    let mgr = Manager::start(cfg, client)
        .await
        .map_err(|e| CliError::new(code::FAILURE, e))?;
    tokio::spawn(mgr.clone().reap());
    if mgr.cfg.artifact_server {
        let (l, addr) = http::bind(mgr.cfg.artifact_port)
            .await
            .map_err(|e| CliError::new(code::FAILURE, e))?;
        let _ = mgr.artifact_base.set(format!("http://{addr}"));
        tracing::info!(%addr, "artifact server listening");
        tokio::spawn(http::serve_artifacts(l, mgr.clone()));
    }
    let mut term = signal(SignalKind::terminate()).map_err(|e| CliError::io("SIGTERM", e))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| CliError::io("SIGINT", e))?;
    let stop = tokio_util::sync::CancellationToken::new();
    let why = match http_port {
        None => {
            let running = tools::Tools::new(mgr.clone())
                .serve(rmcp::transport::stdio())
                .await
                .map_err(|e| CliError::new(code::FAILURE, format!("MCP over stdio: {e}")))?;
            tracing::info!("serving MCP over stdio");
            tokio::select! {
                _ = running.waiting() => "stdin closed",
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            }
        }
        Some(port) => {
            let (l, addr) = http::bind(port)
                .await
                .map_err(|e| CliError::new(code::FAILURE, e))?;
            tracing::info!(%addr, "serving MCP over streamable HTTP at /mcp");
            // For whoever started us (tests, scripts): where to connect. On stderr.
            eprintln!("pocketdock mcp: listening on http://{addr}/mcp");
            tokio::spawn(http::serve_mcp(l, mgr.clone(), stop.clone()));
            tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            }
        }
    };
    tracing::info!(
        reason = why,
        "shutting down: removing the sessions' sandboxes"
    );
    stop.cancel();
    mgr.shutdown().await;
    tracing::info!("shut down");
    Ok(0)
}
