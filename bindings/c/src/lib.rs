//! pocketdock's C ABI and nothing else: a mechanical mirror of the core crate's public API.
//! Each extern fn validates its arguments, converts them, calls the core, writes its outputs
//! and maps errors; the conventions are in `docs/ffi-conventions.md`. `include/pocketdock.h`
//! is generated from this crate by cbindgen (build.rs). The shared and static libraries
//! (`libpocketdock.so`, `libpocketdock.a`) are built by `bindings/c/lib`, which re-exports this
//! crate, so Rust users of the core never build them.
#![allow(non_camel_case_types)]
// The doc comments are the C header's (cbindgen copies them): `argv[0]` is C, not a link.
#![allow(rustdoc::broken_intra_doc_links)]
// Entry points take raw pointers by design; their contract is in the header, and every
// pointer goes through `handle.rs` checks before use.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod boundary;
mod buf;
mod client;
mod client_remote;
mod container;
mod container_opts;
mod dispatch;
mod engine_set;
mod error;
mod exec;
mod exec_async;
mod files;
mod handle;
mod log;
mod persist;
mod pool;
mod process;
mod profiles;
mod project;
mod runtime;
mod session;
mod stream;
mod stream_callbacks;
mod timeout;
mod version;

pub use buf::*;
pub use client::*;
pub use client_remote::*;
pub use container::*;
pub use container_opts::*;
pub use dispatch::{pd_exit_cb, pd_free_cb, pd_line_cb, pd_log_cb, pd_output_cb};
pub use engine_set::*;
pub use error::*;
pub use exec::*;
pub use exec_async::*;
pub use files::*;
pub use log::*;
pub use persist::*;
pub use pool::*;
pub use process::*;
pub use profiles::*;
pub use project::*;
pub use session::*;
pub use stream::*;
pub use stream_callbacks::*;
pub use timeout::PD_NO_TIMEOUT;
pub use version::*;
