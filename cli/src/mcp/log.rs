//! Structured logs: JSON lines (with the current tool call's span, so its correlation id)
//! to a file or stderr. Never stdout: that carries the protocol alone.

use std::path::Path;

use tracing_subscriber::EnvFilter;

pub fn init(file: Option<&Path>, level: &str) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(f) if !f.is_empty() => EnvFilter::new(f),
        _ => EnvFilter::try_new(format!(
            "pocketdock={level},pocketdock_cli={level},rmcp=warn"
        ))
        .map_err(|e| format!("log_level {level:?}: {e}"))?,
    };
    let builder = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(filter);
    match file {
        Some(path) => {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("opening the log file {}: {e}", path.display()))?;
            builder.with_writer(std::sync::Mutex::new(f)).init();
        }
        None => builder.with_writer(std::io::stderr).init(),
    }
    Ok(())
}
