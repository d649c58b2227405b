//! Library and ABI versions.

use std::ffi::c_char;

/// The ABI version of this header. Bumped on any incompatible change; bindings refuse to
/// load a library whose `pd_abi_version()` differs from the one they were written for.
pub const PD_ABI_VERSION: u32 = 2;

const VERSION_Z: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library version (as in Cargo.toml), a static NUL-terminated string: never free it.
#[no_mangle]
pub extern "C" fn pd_version() -> *const c_char {
    VERSION_Z.as_ptr().cast()
}

/// The ABI version the library was built with; compare it with `PD_ABI_VERSION`.
#[no_mangle]
pub extern "C" fn pd_abi_version() -> u32 {
    PD_ABI_VERSION
}
