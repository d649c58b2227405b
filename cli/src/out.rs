//! How results reach people and programs: tables and "✓" lines for a terminal, JSON with
//! `--json`, nothing but data with `-q`. Colour only on a terminal and never with `NO_COLOR`.

use std::io::{IsTerminal, Write};

use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
use serde::Serialize;

use crate::error::{CliError, CliResult};

#[derive(Clone, Copy)]
pub enum Stream {
    Stdout,
    Stderr,
}

pub fn is_tty(s: Stream) -> bool {
    match s {
        Stream::Stdout => std::io::stdout().is_terminal(),
        Stream::Stderr => std::io::stderr().is_terminal(),
    }
}

/// Colour on `s`: a terminal, and `NO_COLOR` unset or empty (no-color.org).
pub fn color_on(s: Stream) -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && is_tty(s)
}

/// How this invocation prints.
#[derive(Clone, Copy)]
pub struct Out {
    pub json: bool,
    pub quiet: bool,
}

impl Out {
    /// A success line for people (`✓ ...`), or the JSON document with `--json`.
    pub fn done<T: Serialize>(&self, message: &str, data: &T) -> CliResult<()> {
        if self.json {
            return print_json(data);
        }
        if !self.quiet {
            let mark = if color_on(Stream::Stdout) {
                "\x1b[32m✓\x1b[0m"
            } else {
                "✓"
            };
            println!("{mark} {message}");
        }
        Ok(())
    }

    /// An informational line on stderr (progress of a multi-step command); none with -q or
    /// --json.
    pub fn note(&self, message: &str) {
        if !self.quiet && !self.json {
            eprintln!("{message}");
        }
    }
}

pub fn print_json<T: Serialize + ?Sized>(data: &T) -> CliResult<()> {
    let text = serde_json::to_string_pretty(data)
        .map_err(|e| CliError::new(crate::error::code::FAILURE, e.to_string()))?;
    write_stdout(format!("{text}\n").as_bytes())
}

/// Writes to stdout; a closed pipe (`| head`) ends quietly rather than panicking.
pub fn write_stdout(bytes: &[u8]) -> CliResult<()> {
    write_to(&mut std::io::stdout().lock(), bytes)
}

pub fn write_stderr(bytes: &[u8]) -> CliResult<()> {
    write_to(&mut std::io::stderr().lock(), bytes)
}

fn write_to(w: &mut impl Write, bytes: &[u8]) -> CliResult<()> {
    match w.write_all(bytes).and_then(|()| w.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        r => r.map_err(|e| CliError::io("writing output", e)),
    }
}

/// A table with `header`, sized to the terminal when there is one.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().map(Cell::new));
    if !is_tty(Stream::Stdout) {
        // Plain columns for scripts: no borders, no leading blank.
        t.load_preset(presets::NOTHING);
        t.set_content_arrangement(ContentArrangement::Disabled);
        for col in t.column_iter_mut() {
            col.set_padding((0, 2));
        }
    }
    if !color_on(Stream::Stdout) {
        t.force_no_tty();
    } else {
        t.enforce_styling();
    }
    t
}

pub fn print_table(t: &Table) -> CliResult<()> {
    let text = t.to_string();
    let trimmed: String = text
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    write_stdout(format!("{trimmed}\n").as_bytes())
}

/// A state word coloured green when running, yellow otherwise.
pub fn state_cell(state: &str) -> Cell {
    let c = Cell::new(state);
    if state == "running" {
        c.fg(Color::Green)
    } else {
        c.fg(Color::Yellow)
    }
}

pub fn exit_cell(code: Option<i32>) -> Cell {
    match code {
        Some(0) => Cell::new("0").fg(Color::Green),
        Some(n) => Cell::new(n.to_string()).fg(Color::Red),
        None => Cell::new("-"),
    }
}

pub fn short_id(id: &str) -> &str {
    &id[..id.len().min(12)]
}
