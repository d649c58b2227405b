//! C ABI of `profiles`: the profile table, profiles on container options, building a
//! profile's image, exporting, importing and removing images.

use std::ffi::{c_char, c_void, CString};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::boundary::{guard, guard_value, write_out};
use super::client::{client_arg, pd_client};
use super::container_opts::pd_container_opts;
use super::dispatch::{self, pd_free_cb, pd_line_cb};
use super::error::{pd_error, pd_status};
use super::handle::{self, handle_type, opt_str, str_arg, str_array_arg};
use super::runtime::block_on;
use pocketdock::profiles::BuildOptions;
use pocketdock::Result;
use pocketdock::{list_profiles, resolve_profile, Profile};

handle_type!(pd_build_opts, 0x7064_6275_696c_6431, {
    opts: BuildOptions,
});

/// The profile table as C strings, made once and kept for the life of the process.
struct CProfile {
    name: CString,
    image: CString,
    description: CString,
    size: CString,
}

fn table() -> &'static [CProfile] {
    static TABLE: OnceLock<Vec<CProfile>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let c = |s: &str| CString::new(s).unwrap_or_default();
        list_profiles()
            .iter()
            .map(|p| CProfile {
                name: c(p.name),
                image: c(p.image),
                description: c(p.description),
                size: c(p.size),
            })
            .collect()
    })
}

fn field(index: usize, f: impl Fn(&CProfile) -> &CString) -> *const c_char {
    guard_value(std::ptr::null(), || {
        Ok(table()
            .get(index)
            .map_or(std::ptr::null(), |p| f(p).as_ptr()))
    })
}

/// How many profiles there are; their indexes are 0 to count - 1, in a stable order.
#[no_mangle]
pub extern "C" fn pd_profile_count() -> usize {
    list_profiles().len()
}

/// The index of the profile called `name` ("minimal-python", "minimal-node", "dev",
/// "agent", "embedded"); an unknown name is `PD_ERR_INVALID_ARGUMENT` naming the known ones.
#[no_mangle]
pub extern "C" fn pd_profile_resolve(
    name: *const c_char,
    index_out: *mut usize,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let p = resolve_profile(str_arg(name, "name")?)?;
        handle::out_ptr(index_out, "index_out")?;
        let i = list_profiles()
            .iter()
            .position(|q| q.name == p.name)
            .ok_or_else(|| crate::error::internal("resolved profile is not in the table"))?;
        write_out(index_out, i);
        Ok(())
    })
}

/// The name of profile `index`; NULL when out of range. Static: never free it.
#[no_mangle]
pub extern "C" fn pd_profile_name(index: usize) -> *const c_char {
    field(index, |p| &p.name)
}

/// The image of profile `index` (e.g. "pocketdock/dev"); NULL when out of range. Static.
#[no_mangle]
pub extern "C" fn pd_profile_image(index: usize) -> *const c_char {
    field(index, |p| &p.image)
}

/// What profile `index` is for and carries; NULL when out of range. Static.
#[no_mangle]
pub extern "C" fn pd_profile_description(index: usize) -> *const c_char {
    field(index, |p| &p.description)
}

/// The approximate size of profile `index`'s image (e.g. "~450 MB"); NULL when out of range.
#[no_mangle]
pub extern "C" fn pd_profile_size(index: usize) -> *const c_char {
    field(index, |p| &p.size)
}

/// Whether sandboxes of profile `index` get a network by default; false when out of range.
#[no_mangle]
pub extern "C" fn pd_profile_network(index: usize) -> bool {
    list_profiles()
        .get(index)
        .is_some_and(|p: &Profile| p.network)
}

/// Sets the image and the network default of profile `profile` on the options; setters
/// called afterwards win (e.g. `pd_container_opts_set_network`).
#[no_mangle]
pub extern "C" fn pd_container_opts_set_profile(
    opts: *mut pd_container_opts,
    profile: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let o = handle::borrow_mut(opts)?;
        o.opts.apply_profile(str_arg(profile, "profile")?)
    })
}

/// Creates a build options builder: the Dockerfile's own base (`debian:bookworm-slim`), the
/// embedded Dockerfile, the profile's tag, the layer cache used. Free with
/// `pd_build_opts_free`. Returns NULL only if memory is exhausted.
#[no_mangle]
pub extern "C" fn pd_build_opts_new() -> *mut pd_build_opts {
    guard_value(std::ptr::null_mut(), || {
        Ok(handle::into_raw(
            pd_build_opts::new(BuildOptions::default()),
        ))
    })
}

/// Frees a build options builder. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_build_opts_free(opts: *mut pd_build_opts) {
    handle::free(opts)
}

fn with_build_opts(
    opts: *mut pd_build_opts,
    err_out: *mut *mut pd_error,
    f: impl FnOnce(&mut BuildOptions) -> Result<()>,
) -> pd_status {
    guard(err_out, || f(&mut handle::borrow_mut(opts)?.opts))
}

/// Sets the `BASE` build argument, the image the profile builds on (offline: a local Debian
/// image such as "pocketdock/debian-base:bookworm"); NULL restores the Dockerfile's default.
#[no_mangle]
pub extern "C" fn pd_build_opts_set_base(
    opts: *mut pd_build_opts,
    base: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_build_opts(opts, err_out, |o| {
        o.base = opt_str(base, "base")?;
        Ok(())
    })
}

/// Builds from this host directory (holding a Dockerfile) instead of the profile's embedded
/// Dockerfile; NULL restores the embedded one.
#[no_mangle]
pub extern "C" fn pd_build_opts_set_context_dir(
    opts: *mut pd_build_opts,
    dir: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_build_opts(opts, err_out, |o| {
        o.context_dir = opt_str(dir, "dir")?.map(PathBuf::from);
        Ok(())
    })
}

/// Tags the image `tag` instead of the profile's image; NULL restores the profile's.
#[no_mangle]
pub extern "C" fn pd_build_opts_set_tag(
    opts: *mut pd_build_opts,
    tag: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_build_opts(opts, err_out, |o| {
        o.tag = opt_str(tag, "tag")?;
        Ok(())
    })
}

/// Builds every step afresh instead of reusing the engine's layer cache.
#[no_mangle]
pub extern "C" fn pd_build_opts_set_no_cache(
    opts: *mut pd_build_opts,
    no_cache: bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_build_opts(opts, err_out, |o| {
        o.no_cache = no_cache;
        Ok(())
    })
}

/// Builds the image of `profile` on `client`'s engine; `opts` may be
/// NULL for the defaults. Each progress line goes to `on_progress` (may be NULL) on the
/// callback thread; `free_user_data` (may be NULL) is called exactly once, and both have run
/// by the time this returns. On success `*image_id_out` (may be NULL) receives the image id,
/// freed with `pd_string_free`. A failing step is `PD_ERR_BUILD_FAILED` with the engine's
/// message. Blocks until the build ends.
#[no_mangle]
pub extern "C" fn pd_profile_build(
    client: *const pd_client,
    profile: *const c_char,
    opts: *const pd_build_opts,
    on_progress: pd_line_cb,
    user_data: *mut c_void,
    free_user_data: pd_free_cb,
    image_id_out: *mut *mut c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    let progress = dispatch::line_callback(on_progress, user_data, free_user_data);
    let status = guard(err_out, move || {
        let client = client_arg(client)?;
        let profile = str_arg(profile, "profile")?;
        let defaults = BuildOptions::default();
        let o = if opts.is_null() {
            &defaults
        } else {
            &handle::borrow(opts)?.opts
        };
        let id = block_on(client.build_profile(profile, o, progress))?;
        if !image_id_out.is_null() {
            write_out(
                image_id_out,
                CString::new(id).map_err(crate::error::internal)?.into_raw(),
            );
        }
        Ok(())
    });
    dispatch::drain();
    status
}

/// Writes the `n_images` images (names or ids) into one archive at host path `file`
/// (gzip-compressed when it ends in ".gz"), streamed with flat memory; `podman load` and
/// `docker load` read it too. A missing image is `PD_ERR_IMAGE_NOT_FOUND`.
#[no_mangle]
pub extern "C" fn pd_image_export(
    client: *const pd_client,
    images: *const *const c_char,
    n_images: usize,
    file: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let client = client_arg(client)?;
        let images = str_array_arg(images, n_images, "images")?;
        let file = PathBuf::from(str_arg(file, "file")?);
        let names: Vec<&str> = images.iter().map(String::as_str).collect();
        block_on(client.export_images(&names, &file)).map(drop)
    })
}

/// Loads every image in the archive at host path `file` (plain or gzip tar). On success
/// `*loaded_json_out` (may be NULL) receives a JSON array of the loaded names, freed with
/// `pd_string_free`.
#[no_mangle]
pub extern "C" fn pd_image_import(
    client: *const pd_client,
    file: *const c_char,
    loaded_json_out: *mut *mut c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let client = client_arg(client)?;
        let file = str_arg(file, "file")?;
        let names = block_on(client.import_images(Path::new(file)))?;
        if !loaded_json_out.is_null() {
            let json = serde_json::to_string(&names).map_err(crate::error::internal)?;
            write_out(
                loaded_json_out,
                CString::new(json)
                    .map_err(crate::error::internal)?
                    .into_raw(),
            );
        }
        Ok(())
    })
}

/// Removes an image by name or id; `force` also removes it when it is in use or has several
/// tags. A missing image is `PD_ERR_IMAGE_NOT_FOUND`.
#[no_mangle]
pub extern "C" fn pd_image_remove(
    client: *const pd_client,
    image: *const c_char,
    force: bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let client = client_arg(client)?;
        let image = str_arg(image, "image")?;
        block_on(client.remove_image(image, force))
    })
}

/// Whether an image of this name or id is present on the engine: writes true or false to
/// `*exists_out`.
#[no_mangle]
pub extern "C" fn pd_image_exists(
    client: *const pd_client,
    image: *const c_char,
    exists_out: *mut bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let client = client_arg(client)?;
        let image = str_arg(image, "image")?;
        handle::out_ptr(exists_out, "exists_out")?;
        let exists = block_on(client.image_exists(image))?;
        write_out(exists_out, exists);
        Ok(())
    })
}
