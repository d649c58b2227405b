//! Typed conversions between Rust values and the opaque pointers C holds. Every handle starts
//! with a per-type magic number, so a NULL, a handle of the wrong type or (usually) a freed one
//! is reported as `PD_ERR_INVALID_ARGUMENT` instead of being used.

use std::ffi::{c_char, CStr};

use pocketdock::Result;

/// A heap object handed to C as an opaque pointer.
pub(crate) trait Handle: Sized {
    const MAGIC: u64;
    const NAME: &'static str;
    fn magic(&self) -> u64;
    fn clear_magic(&mut self);
}

/// Declares `#[repr(C)] struct $name { magic: u64, $field: $ty }` and its [`Handle`] impl.
macro_rules! handle_type {
    ($name:ident, $magic:expr, { $($field:ident : $ty:ty),* $(,)? }) => {
        #[repr(C)]
        pub struct $name {
            magic: u64,
            $(pub(crate) $field: $ty),*
        }
        impl $name {
            pub(crate) fn new($($field: $ty),*) -> $name {
                $name { magic: $magic, $($field),* }
            }
        }
        impl $crate::handle::Handle for $name {
            const MAGIC: u64 = $magic;
            const NAME: &'static str = stringify!($name);
            fn magic(&self) -> u64 { self.magic }
            fn clear_magic(&mut self) { self.magic = 0; }
        }
    };
}
pub(crate) use handle_type;

/// Moves `value` to the heap and hands out the pointer.
pub(crate) fn into_raw<T: Handle>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Borrows a handle for the duration of a call.
pub(crate) fn borrow<'a, T: Handle>(p: *const T) -> Result<&'a T> {
    if p.is_null() {
        return Err(crate::error::invalid(format!("{} is NULL", T::NAME)));
    }
    // SAFETY: the caller promises `p` came from `into_raw::<T>` and was not freed; the magic
    // check catches the common violations (wrong handle type, use after free) before use.
    let r = unsafe { &*p };
    if r.magic() != T::MAGIC {
        return Err(crate::error::invalid(format!(
            "not a live {} handle",
            T::NAME
        )));
    }
    Ok(r)
}

/// Mutable borrow, same checks as [`borrow`].
pub(crate) fn borrow_mut<'a, T: Handle>(p: *mut T) -> Result<&'a mut T> {
    borrow::<T>(p)?;
    // SAFETY: checked live above; the C API documents that a handle is not mutated from two
    // threads at once (option builders only).
    Ok(unsafe { &mut *p })
}

/// Frees a handle; NULL is a no-op, a bad handle is ignored rather than freed.
pub(crate) fn free<T: Handle>(p: *mut T) {
    if borrow::<T>(p).is_err() {
        return;
    }
    // SAFETY: live handle created by `into_raw`; the magic is cleared first so a second free
    // of the same pointer is (usually) caught by `borrow` instead of freeing twice.
    unsafe {
        (*p).clear_magic();
        drop(Box::from_raw(p));
    }
}

/// Checks an out-pointer.
pub(crate) fn out_ptr<T>(p: *mut T, what: &str) -> Result<()> {
    if p.is_null() {
        Err(crate::error::invalid(format!("{what} is NULL")))
    } else {
        Ok(())
    }
}

/// Reads a borrowed, NUL-terminated UTF-8 string argument.
pub(crate) fn str_arg<'a>(p: *const c_char, what: &str) -> Result<&'a str> {
    if p.is_null() {
        return Err(crate::error::invalid(format!("{what} is NULL")));
    }
    // SAFETY: the caller promises a NUL-terminated string that lives for the call.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| crate::error::invalid(format!("{what} is not valid UTF-8")))
}

/// Like [`str_arg`], but NULL means "not set".
pub(crate) fn opt_str(p: *const c_char, what: &str) -> Result<Option<String>> {
    if p.is_null() {
        Ok(None)
    } else {
        str_arg(p, what).map(|s| Some(s.to_owned()))
    }
}

/// Reads a borrowed array of `len` strings.
pub(crate) fn str_array_arg(
    p: *const *const c_char,
    len: usize,
    what: &str,
) -> Result<Vec<String>> {
    if p.is_null() {
        return Err(crate::error::invalid(format!("{what} is NULL")));
    }
    // SAFETY: the caller promises `len` readable pointers at `p` for the call.
    let ptrs = unsafe { std::slice::from_raw_parts(p, len) };
    ptrs.iter()
        .enumerate()
        .map(|(i, &s)| str_arg(s, &format!("{what}[{i}]")).map(str::to_owned))
        .collect()
}

/// Reads a borrowed byte buffer; NULL is allowed only with length 0.
pub(crate) fn bytes_arg<'a>(p: *const u8, len: usize, what: &str) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(crate::error::invalid(format!(
            "{what} is NULL with length {len}"
        )));
    }
    // SAFETY: the caller promises `len` readable bytes at `p` for the call.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}
