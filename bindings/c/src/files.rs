//! C ABI of `files`: write, read, list, push and pull, and the owned results they hand out
//! (`pd_bytes`, `pd_file_listing`).

use std::ffi::{c_char, CString};

use super::boundary::{guard, guard_value, write_out};
use super::container::pd_container;
use super::error::{pd_error, pd_status};
use super::handle::{self, bytes_arg, handle_type, str_arg};
use super::runtime::block_on;
use pocketdock::{FileEntry, FileKind};

handle_type!(pd_bytes, 0x7064_6279_7465_7321, { data: Vec<u8> });
handle_type!(pd_file_listing, 0x7064_6c69_7374_6e67, {
    entries: Vec<FileEntry>,
    names: Vec<CString>,
});

/// What a listed entry is. `PD_FILE_KIND_UNKNOWN` only answers a bad handle or index.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum pd_file_kind {
    PD_FILE_KIND_UNKNOWN = 0,
    PD_FILE_KIND_FILE = 1,
    PD_FILE_KIND_DIR = 2,
    PD_FILE_KIND_SYMLINK = 3,
    /// A device, fifo or socket.
    PD_FILE_KIND_OTHER = 4,
}

/// Writes `data[0..len]` to the file at `path` in the container (relative paths start at
/// its working directory), replacing what is there and creating missing parent
/// directories. The file gets mode 0644 and the image's user as owner. `data` may be NULL
/// only when `len` is 0. Blocks until the engine has it; memory use does not grow with
/// `len`. Branch on: `PD_ERR_INVALID_ARGUMENT` (e.g. `path` is a directory),
/// `PD_ERR_CONTAINER_GONE`, `PD_ERR_INVALID_STATE`.
#[no_mangle]
pub extern "C" fn pd_file_write(
    container: *mut pd_container,
    path: *const c_char,
    data: *const u8,
    len: usize,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        let path = str_arg(path, "path")?;
        let data = bytes_arg(data, len, "data")?;
        block_on(c.inner.write_file(path, data))
    })
}

/// Reads the whole file at `path` in the container (symlinks followed). On success
/// `*bytes_out` receives a `pd_bytes` to free with `pd_bytes_free`. Blocks. Branch on:
/// `PD_ERR_FILE_NOT_FOUND`, `PD_ERR_INVALID_ARGUMENT` (a directory or special file),
/// `PD_ERR_CONTAINER_GONE`, `PD_ERR_INVALID_STATE`.
#[no_mangle]
pub extern "C" fn pd_file_read(
    container: *mut pd_container,
    path: *const c_char,
    bytes_out: *mut *mut pd_bytes,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        let path = str_arg(path, "path")?;
        handle::out_ptr(bytes_out, "bytes_out")?;
        let data = block_on(c.inner.read_file(path))?;
        write_out(bytes_out, handle::into_raw(pd_bytes::new(data)));
        Ok(())
    })
}

/// The bytes, owned by `bytes` (valid until `pd_bytes_free`); their count goes to
/// `*len_out` (may be NULL). Not NUL-terminated. NULL (and 0) for a NULL or bad handle;
/// for an empty buffer the pointer is not NULL but must not be read.
#[no_mangle]
pub extern "C" fn pd_bytes_data(bytes: *const pd_bytes, len_out: *mut usize) -> *const u8 {
    let (ptr, len) = guard_value((std::ptr::null(), 0), || {
        let b = handle::borrow(bytes)?;
        Ok((b.data.as_ptr(), b.data.len()))
    });
    if !len_out.is_null() {
        write_out(len_out, len);
    }
    ptr
}

/// The number of bytes; 0 for a NULL or bad handle.
#[no_mangle]
pub extern "C" fn pd_bytes_len(bytes: *const pd_bytes) -> usize {
    guard_value(0, || Ok(handle::borrow(bytes)?.data.len()))
}

/// Frees bytes returned by pocketdock. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_bytes_free(bytes: *mut pd_bytes) {
    handle::free(bytes)
}

/// Lists the directory at `path` in the container (symlinks followed): its entries without
/// `.` and `..`, sorted by name. On success `*list_out` receives a listing to read with
/// `pd_file_list_len`/`_name`/`_kind`/`_size`/`_mode` and free with `pd_file_list_free`.
/// Blocks for time in proportion to everything below the directory. Branch on:
/// `PD_ERR_FILE_NOT_FOUND`, `PD_ERR_INVALID_ARGUMENT` (not a directory),
/// `PD_ERR_CONTAINER_GONE`, `PD_ERR_INVALID_STATE`.
#[no_mangle]
pub extern "C" fn pd_file_list(
    container: *mut pd_container,
    path: *const c_char,
    list_out: *mut *mut pd_file_listing,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        let path = str_arg(path, "path")?;
        handle::out_ptr(list_out, "list_out")?;
        let entries = block_on(c.inner.list_files(path))?;
        let names = entries
            .iter()
            .map(|e| CString::new(e.name.replace('\0', "\u{FFFD}")).unwrap_or_default())
            .collect();
        write_out(
            list_out,
            handle::into_raw(pd_file_listing::new(entries, names)),
        );
        Ok(())
    })
}

fn with_entry<T>(
    list: *const pd_file_listing,
    index: usize,
    fallback: T,
    f: impl FnOnce(&pd_file_listing, &FileEntry) -> T,
) -> T {
    guard_value(fallback, || {
        let l = handle::borrow(list)?;
        let e = l
            .entries
            .get(index)
            .ok_or_else(|| crate::error::invalid("index out of range"))?;
        Ok(f(l, e))
    })
}

/// The number of entries; 0 for a NULL or bad handle.
#[no_mangle]
pub extern "C" fn pd_file_list_len(list: *const pd_file_listing) -> usize {
    guard_value(0, || Ok(handle::borrow(list)?.entries.len()))
}

/// The name (not a path) of entry `index`: UTF-8 (invalid bytes replaced), owned by the
/// listing and valid until `pd_file_list_free`. NULL for a bad handle or index.
#[no_mangle]
pub extern "C" fn pd_file_list_name(list: *const pd_file_listing, index: usize) -> *const c_char {
    with_entry(list, index, std::ptr::null(), |l, _| {
        l.names[index].as_ptr()
    })
}

/// What entry `index` is; `PD_FILE_KIND_UNKNOWN` for a bad handle or index.
#[no_mangle]
pub extern "C" fn pd_file_list_kind(list: *const pd_file_listing, index: usize) -> pd_file_kind {
    use pd_file_kind::*;
    with_entry(list, index, PD_FILE_KIND_UNKNOWN, |_, e| match e.kind {
        FileKind::File => PD_FILE_KIND_FILE,
        FileKind::Dir => PD_FILE_KIND_DIR,
        FileKind::Symlink => PD_FILE_KIND_SYMLINK,
        FileKind::Other => PD_FILE_KIND_OTHER,
    })
}

/// Size in bytes of entry `index` if it is a regular file, else 0 (also for a bad handle
/// or index).
#[no_mangle]
pub extern "C" fn pd_file_list_size(list: *const pd_file_listing, index: usize) -> u64 {
    with_entry(list, index, 0, |_, e| e.size)
}

/// Permission bits of entry `index`, with setuid (04000), setgid (02000) and sticky (01000);
/// 0 for a bad handle or index.
#[no_mangle]
pub extern "C" fn pd_file_list_mode(list: *const pd_file_listing, index: usize) -> u32 {
    with_entry(list, index, 0, |_, e| e.mode)
}

/// Frees a listing. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_file_list_free(list: *mut pd_file_listing) {
    handle::free(list)
}

/// Copies the host file or directory `host_src` to `dest` in the container, by `docker cp`
/// rules (docs/files.md): onto an existing directory it is nested under its own name (a
/// `host_src` ending in "/." copies only the contents); onto a missing path it becomes that
/// path; missing parents are created. Modes and mtimes are kept, the owner is the image's
/// user. Blocks; streams, so memory use does not grow with the tree. Branch on:
/// `PD_ERR_FILE_NOT_FOUND` (no `host_src`), `PD_ERR_INVALID_ARGUMENT`,
/// `PD_ERR_CONTAINER_GONE`, `PD_ERR_IO`, `PD_ERR_INVALID_STATE`.
#[no_mangle]
pub extern "C" fn pd_file_push(
    container: *mut pd_container,
    host_src: *const c_char,
    dest: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        let host_src = str_arg(host_src, "host_src")?;
        let dest = str_arg(dest, "dest")?;
        block_on(c.inner.push(host_src, dest))
    })
}

/// Copies the container file or directory `src` to `host_dest`, by the same rules as
/// `pd_file_push`. The archive is treated as hostile: nothing is ever written outside
/// `host_dest` (names with "..", symlinks and hard links leading out are skipped, devices
/// are not created, setuid/setgid bits are dropped). Files belong to the calling user.
/// Blocks; streams. Branch on: `PD_ERR_FILE_NOT_FOUND` (no `src`),
/// `PD_ERR_INVALID_ARGUMENT`, `PD_ERR_CONTAINER_GONE`, `PD_ERR_IO`, `PD_ERR_INVALID_STATE`.
#[no_mangle]
pub extern "C" fn pd_file_pull(
    container: *mut pd_container,
    src: *const c_char,
    host_dest: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        let src = str_arg(src, "src")?;
        let host_dest = str_arg(host_dest, "host_dest")?;
        block_on(c.inner.pull(src, host_dest))
    })
}
