//! `completions` and `man`, generated from the clap definition itself.

use std::path::PathBuf;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::args::Cli;
use crate::error::{CliError, CliResult};

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// bash, zsh or fish (also elvish, powershell)
    pub shell: Shell,
}

pub fn completions(a: CompletionsArgs) -> CliResult<()> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "pocketdock", &mut buf);
    crate::out::write_stdout(&buf)
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write pocketdock.1 and one pocketdock-<command>.1 per command into this directory
    /// (e.g. /usr/local/share/man/man1) instead of printing pocketdock.1
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn man(a: ManArgs) -> CliResult<()> {
    let cmd = Cli::command();
    match a.dir {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut buf)
                .map_err(|e| CliError::io("rendering the man page", e))?;
            crate::out::write_stdout(&buf)
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| CliError::io(&dir.display().to_string(), e))?;
            clap_mangen::generate_to(cmd, &dir)
                .map_err(|e| CliError::io(&format!("writing man pages to {}", dir.display()), e))
        }
    }
}
