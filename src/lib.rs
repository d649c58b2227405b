//! pocketdock: container sandboxes as a library.
//!
//! A [`Client`] talks to a Docker or Podman engine over its Unix socket; it creates
//! [`Container`]s (sandboxes) and runs code in them with [`Container::run`]. The same core is
//! exported through a C ABI (`include/pocketdock.h`, the `pocketdock-capi` crate) for the C, Go
//! and Node bindings.
//!
//! ```no_run
//! # async fn demo() -> pocketdock::Result<()> {
//! use pocketdock::{Client, ContainerOptions, RunOptions};
//! let client = Client::connect().await?;
//! let sandbox = client.create_container(&ContainerOptions::default()).await?;
//! let result = sandbox.run("echo hello", &RunOptions::default()).await?;
//! assert_eq!(result.stdout_text(), "hello\n");
//! sandbox.shutdown().await?;
//! # Ok(()) }
//! ```
#![deny(unsafe_code)]

mod agent;
mod client;
pub mod container;
mod engine;
mod error;
pub mod exec;
mod files;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod hooks;
pub mod info;
mod orphans;
mod persist;
pub mod pool;
pub mod process;
pub mod profiles;
pub mod project;
pub mod session;
pub mod stream;

pub use agent::status::AgentPlacement;
pub use client::{create_new_container, Client, ClientOptions};
pub use container::{Container, ContainerOptions, PortMapping, VolumeMount};
pub use engine::frames::StreamKind;
pub use engine::ssh::SshOptions;
pub use engine::tls::TlsFiles;
pub use engine::{EngineInfo, EngineKind};
pub use error::{Error, ErrorKind, Result};
pub use exec::terminal::{Terminal, TerminalControl, TerminalOptions};
pub use exec::{ExecResult, Lang, ResourceUsage, RunOptions};
pub use files::{FileEntry, FileKind};
pub use info::{ContainerInfo, PortInfo};
pub use persist::ContainerSummary;
pub use pool::{EngineSet, Pool, PoolOptions, PoolStats, ReleasePolicy};
pub use process::{Callbacks, Process, ProcessInfo, ProcessOutput};
pub use profiles::{list_profiles, resolve_profile, BuildOptions, Profile, ProgressCallback};
pub use project::{
    find_project_root, init_project, DoctorItem, DoctorReport, HistoryEntry, Project, ProjectConfig,
};
pub use session::Session;
pub use stream::{Chunk, RunStream, StreamCanceller, StreamEvent};

/// The crate version, as in Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
