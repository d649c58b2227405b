//! `pocketdock`: sandboxes from a terminal, on the core's public Rust API only.
// The doc comments of the argument structs are clap's help text, written for a terminal
// (`repo[:tag]`, `pocketdock-<command>.1`), not rustdoc markup.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

mod args;
mod cmd;
mod ctx;
mod error;
mod mcp;
mod out;
mod parse;
mod progress;
mod prompt;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    if let args::Command::Mcp(a) = cli.command {
        // Its own logging (JSON, never on stdout) and a multi-thread runtime.
        return match mcp::main(a, cli.global) {
            Ok(code) => ExitCode::from(code),
            Err(e) => e.report(false),
        };
    }
    init_tracing(cli.global.verbose);
    let passes_status = cli.command.passes_status();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return error::CliError::io("starting the runtime", e).report(false),
    };
    match runtime.block_on(cmd::dispatch(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => e.report(passes_status),
    }
}

/// `-v` turns on the library's tracing on stderr (`-vv`: every request); without it,
/// `RUST_LOG` still works as for any tracing program.
fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match verbose {
        0 => match std::env::var("RUST_LOG") {
            Ok(f) if !f.is_empty() => EnvFilter::new(f),
            _ => return,
        },
        1 => EnvFilter::new("pocketdock=debug"),
        _ => EnvFilter::new("pocketdock=trace"),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(out::color_on(out::Stream::Stderr))
        .init();
}

/// Help and version print as clap does; a usage error is one line on stderr, exit 2.
fn usage_error(e: clap::Error) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let text = e.render().to_string();
    let first: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("Usage:"))
        .map(str::trim)
        .collect();
    let message = first.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    error::CliError::new(error::code::USAGE, message.to_owned())
        .hint("see `pocketdock --help`")
        .report(false)
}
