//! The command line, as clap derives it; also the source of the completions and man pages.

use clap::{Args, Parser, Subcommand};

use crate::cmd::{box_life, create, files, images, inspect, meta, project, run, shell};

/// Container sandboxes from the terminal, on a local Docker or Podman engine.
#[derive(Parser, Debug)]
#[command(
    name = "pocketdock",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Exit status: 0 success; 1 failure; 2 bad usage or argument; 3 not found; \
4 container stopped; 5 no engine; 6 not confirmed; 7 timed out; 8 name taken. `run`, `attach` \
and `shell` exit with the command's status (124 timed out, 128+N killed by signal N) and 125 \
when pocketdock itself failed. See docs/cli.md."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The engine's Unix socket (a path or unix://PATH); the only engine tried when set
    #[arg(long, global = true, env = "POCKETDOCK_SOCKET", value_name = "PATH")]
    pub socket: Option<String>,
    /// Print JSON (stable field names, see docs/cli.md) instead of tables and messages
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only data (names, ids), no success messages or progress
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log what the library does to stderr (-vv: every engine request); before the
    /// command (`pocketdock -v run ...`), since `create -v` is a volume
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show how to get started, step by step
    Quickstart,
    /// Make a directory a pocketdock project (.pocketdock/)
    Init(project::InitArgs),
    /// Create and start a sandbox
    Create(create::CreateArgs),
    /// Run a command in a sandbox; exits with the command's status
    Run(run::RunArgs),
    /// Follow a detached process to its end (from any client); exits with its status
    Attach(run::AttachArgs),
    /// List a sandbox's detached processes (--all: every process in it)
    Ps(run::PsArgs),
    /// Send a signal to a detached process
    Kill(run::KillArgs),
    /// Copy a file or directory from the host into a sandbox
    Push(files::PushArgs),
    /// Copy a file or directory from a sandbox to the host
    Pull(files::PullArgs),
    /// Show a sandbox's state, resources and ports
    Info(inspect::InfoArgs),
    /// List pocketdock's sandboxes
    List(inspect::ListArgs),
    /// Show the current project's sandboxes and instances
    Status,
    /// Show the run history of the current project's sandboxes
    Logs(project::LogsArgs),
    /// Restart a sandbox (--fresh: recreate it from its options, files lost)
    Reboot(box_life::RebootArgs),
    /// Stop a sandbox and keep it
    Stop(box_life::NameArg),
    /// Start a stopped sandbox again
    Resume(box_life::NameArg),
    /// Shut a sandbox down: an ephemeral one is removed, a persistent one stopped
    Shutdown(box_life::ConfirmNameArg),
    /// Remove a sandbox now, persistent or not, running or not
    Destroy(box_life::ConfirmNameArg),
    /// Save a sandbox's filesystem as a local image
    Snapshot(box_life::SnapshotArgs),
    /// Remove stopped sandboxes
    Prune(box_life::PruneArgs),
    /// Look for leaked sandboxes and stale instance directories (--fix: repair)
    Doctor(project::DoctorArgs),
    /// Open an interactive shell in a sandbox
    Shell(shell::ShellArgs),
    /// Build profile images offline
    Build(images::BuildArgs),
    /// Write images into one archive file
    Export(images::ExportArgs),
    /// Load images from an archive file
    Import(images::ImportArgs),
    /// List the image profiles
    Profiles,
    /// Show which engine is used: kind, version, socket, health, agent placement
    Engine,
    /// Print a shell completion script (bash, zsh, fish)
    Completions(meta::CompletionsArgs),
    /// Print the man page, or write one page per command into a directory
    Man(meta::ManArgs),
    /// Serve sandboxed code execution to LLM agents over MCP (stdio, or --http-port)
    Mcp(crate::mcp::McpArgs),
}

impl Command {
    /// Whether the exit status is a command's (so pocketdock's own failures use 125).
    pub fn passes_status(&self) -> bool {
        match self {
            Command::Attach(_) | Command::Shell(_) => true,
            Command::Run(r) => !r.detach,
            _ => false,
        }
    }
}
