//! `shell`: an interactive terminal in a sandbox, through the engine API.

use clap::Args;

use crate::ctx::Ctx;
use crate::error::{code, CliError, CliResult};

#[derive(Args, Debug)]
pub struct ShellArgs {
    /// The sandbox (name or id)
    pub container: String,
    /// The program to run [default: bash if the sandbox has it, else sh]
    #[arg(long)]
    pub cmd: Option<String>,
    /// User to run as [default: the image's]
    #[arg(short, long)]
    pub user: Option<String>,
}

pub async fn shell(_ctx: &Ctx, _a: ShellArgs) -> CliResult<u8> {
    Err(CliError::new(code::FAILURE, "shell is not implemented yet"))
}
