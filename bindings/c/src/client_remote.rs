//! C ABI of the remote-engine client options (docs/engines.md): the engine's host (any
//! address: socket, `tcp://`, `ssh://`), TLS files for `tcp://`, and how `ssh` logs in.
//! Each setter checks its argument and the options as a whole, and changes nothing on error.

use std::ffi::c_char;
use std::path::PathBuf;

use super::boundary::guard;
use super::client::pd_client_opts;
use super::error::{pd_error, pd_status};
use super::handle::{self, opt_str, str_arg};
use pocketdock::{ClientOptions, Error, TlsFiles};

/// Applies `change` to a copy of the options and keeps it only if it validates.
fn update(opts: *mut pd_client_opts, change: impl FnOnce(&mut ClientOptions)) -> Result<(), Error> {
    let o = handle::borrow_mut(opts)?;
    let mut next = o.opts.clone();
    change(&mut next);
    next.validate()?;
    o.opts = next;
    Ok(())
}

fn opt_path(p: *const c_char, what: &str) -> Result<Option<PathBuf>, Error> {
    Ok(opt_str(p, what)?.map(PathBuf::from))
}

/// Uses the engine at this address and no other: a Unix socket (a path or `unix://PATH`),
/// `tcp://HOST[:PORT]` (plain only on loopback; any other host needs TLS, from
/// `pd_client_opts_set_tls_dir`/`_files` or `DOCKER_TLS_VERIFY` + `DOCKER_CERT_PATH`) or
/// `ssh://[USER@]HOST[:PORT][/REMOTE/SOCKET]` (through the system `ssh`). NULL restores the
/// default (`POCKETDOCK_SOCKET`, a remote `CONTAINER_HOST`/`DOCKER_HOST`, else discovery).
/// `PD_ERR_INVALID_ARGUMENT`: an address that does not parse, or TLS files set for a
/// non-`tcp://` address. Whether plain TCP is allowed is decided by `pd_client_open`, which
/// sees the environment's TLS settings too.
#[no_mangle]
pub extern "C" fn pd_client_opts_set_host(
    opts: *mut pd_client_opts,
    address: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let address = opt_str(address, "address")?;
        update(opts, |o| o.socket = address)
    })
}

/// TLS for a `tcp://` engine from a directory laid out as Docker's `DOCKER_CERT_PATH`:
/// `ca.pem` (the CA of the engine's certificate), and `cert.pem` + `key.pem` (the client's;
/// both or neither). The files are read by `pd_client_open`, which names any that is
/// missing or unreadable. NULL clears the TLS setting (back to the environment's).
#[no_mangle]
pub extern "C" fn pd_client_opts_set_tls_dir(
    opts: *mut pd_client_opts,
    dir: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let dir = opt_path(dir, "dir")?;
        update(opts, |o| o.tls = dir.map(TlsFiles::dir))
    })
}

/// TLS for a `tcp://` engine from files named one by one: `ca` (required) and the client's
/// `cert` and `key` (both, or both NULL for no client certificate; one without the other is
/// `PD_ERR_INVALID_ARGUMENT`). Read by `pd_client_open`.
#[no_mangle]
pub extern "C" fn pd_client_opts_set_tls_files(
    opts: *mut pd_client_opts,
    ca: *const c_char,
    cert: *const c_char,
    key: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let files = TlsFiles {
            ca: PathBuf::from(str_arg(ca, "ca")?),
            cert: opt_path(cert, "cert")?,
            key: opt_path(key, "key")?,
        };
        update(opts, |o| o.tls = Some(files))
    })
}

/// The private key `ssh` logs in with for an `ssh://` engine (only that key is offered).
/// NULL: `CONTAINER_SSHKEY` if set, else ssh's own configuration.
#[no_mangle]
pub extern "C" fn pd_client_opts_set_ssh_identity(
    opts: *mut pd_client_opts,
    path: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let path = opt_path(path, "path")?;
        update(opts, |o| o.ssh.identity = path)
    })
}

/// A known-hosts file holding the `ssh://` engine host's key, checked strictly. NULL: the
/// user's `~/.ssh/known_hosts`. An unknown host key always fails (never accepted blindly).
#[no_mangle]
pub extern "C" fn pd_client_opts_set_ssh_known_hosts(
    opts: *mut pd_client_opts,
    path: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let path = opt_path(path, "path")?;
        update(opts, |o| o.ssh.known_hosts = path)
    })
}
