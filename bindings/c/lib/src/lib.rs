//! The artifact crate: `libpocketdock.so` and `libpocketdock.a` are this crate, which is
//! nothing but the C ABI of `pocketdock-capi`. It exists apart so its library name can be
//! `pocketdock` (what C, Go and Node link against) while the core crate's is too.
pub use pocketdock_capi::*;
