//! Confirmation of destructive commands: `-y` says yes; a terminal is asked; anything else
//! (a pipe, CI) is refused, never taken as consent.

use std::io::{BufRead, IsTerminal, Write};

use crate::error::{code, CliError, CliResult};

pub fn confirm(question: &str, yes: bool) -> CliResult<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::new(
            code::NOT_CONFIRMED,
            format!("refusing to {question} without confirmation (stdin is not a terminal)"),
        )
        .hint("pass -y to confirm"));
    }
    eprint!("{}? [y/N] ", capitalise(question));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::io("reading the answer", e))?;
    match answer.trim() {
        "y" | "Y" | "yes" | "YES" | "Yes" => Ok(()),
        _ => Err(CliError::new(code::NOT_CONFIRMED, "aborted: not confirmed")),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
