//! File requests from the library (`Put`, `Get`): done here as root, as the engine's archive
//! API would do them, with what is written owned by the image's user (the same rules as
//! the archive path: `pocketdock_wire::owner`). Each transfer has a thread of its own; the
//! connection's reader feeds it (`Put`) or grants it credit (`Get`).

use std::io;
use std::sync::OnceLock;

use crate::wire::files::refusal;
use crate::wire::{owner, paths, Msg};

/// Why a file request failed, as the library will report it.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: u8,
    pub message: String,
}

impl Refusal {
    pub fn invalid(message: impl Into<String>) -> Refusal {
        Refusal {
            code: refusal::INVALID,
            message: message.into(),
        }
    }

    pub fn not_found(path: String) -> Refusal {
        Refusal {
            code: refusal::NOT_FOUND,
            message: path,
        }
    }

    /// An I/O failure at `path`.
    pub fn io(path: &str, e: &io::Error) -> Refusal {
        let code = match (e.kind(), e.raw_os_error()) {
            (io::ErrorKind::NotFound, _) => refusal::NOT_FOUND,
            (io::ErrorKind::PermissionDenied, _) | (_, Some(EROFS)) => refusal::DENIED,
            (_, Some(ENOTDIR | EISDIR | EEXIST)) => refusal::INVALID,
            _ => refusal::IO,
        };
        let message = if code == refusal::NOT_FOUND {
            path.to_owned()
        } else {
            format!("{path}: {e}")
        };
        Refusal { code, message }
    }

    pub fn into_msg(self) -> Msg {
        Msg::Refused {
            code: self.code,
            message: self.message,
        }
    }
}

/// Whether the agent can act as the engine's archive API does: as root with CAP_CHOWN,
/// CAP_DAC_OVERRIDE, CAP_FOWNER and CAP_FSETID (engines grant them by default; a sandbox
/// with every capability dropped has none). Otherwise the answer is `UNSUPPORTED`.
pub fn unsupported() -> Option<Refusal> {
    static CAPABLE: OnceLock<Option<String>> = OnceLock::new();
    let why = CAPABLE.get_or_init(|| {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let caps = status
            .lines()
            .find_map(|l| l.strip_prefix("CapEff:"))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .unwrap_or(0);
        let needed = 1 << 0 | 1 << 1 | 1 << 3 | 1 << 4;
        (caps & needed != needed).then(|| {
            format!("the agent lacks the capabilities of the archive API (CapEff {caps:016x})")
        })
    });
    why.as_ref().map(|m| Refusal {
        code: refusal::UNSUPPORTED,
        message: m.clone(),
    })
}

const EEXIST: i32 = 17;
const ENOTDIR: i32 = 20;
const EISDIR: i32 = 21;
const EROFS: i32 = 30;

/// Whether an error means "nothing there" (a missing path, or a file where a parent
/// directory should be).
pub fn is_missing(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(ENOTDIR)
}

/// `path` made absolute against the agent's working directory, which is the sandbox's (the
/// engine starts PID 1 there), and cleaned as the library cleans paths.
pub fn absolute(path: &str) -> String {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|p| p.to_str().map(str::to_owned))
        .unwrap_or_else(|| "/".to_owned());
    paths::clean(&cwd, path)
}

/// The uid/gid of a user spec, by the sandbox's own passwd and group files.
pub fn owner_ids(spec: Option<&str>) -> (u32, u32) {
    let Some(spec) = spec else {
        return (0, 0);
    };
    let (need_passwd, need_group) = owner::needs_lookup(spec);
    let read = |p: &str, wanted: bool| wanted.then(|| std::fs::read_to_string(p).ok()).flatten();
    let passwd = read("/etc/passwd", need_passwd);
    let group = read("/etc/group", need_group);
    let (uid, gid) = owner::resolve(spec, passwd.as_deref(), group.as_deref());
    (
        u32::try_from(uid).unwrap_or(0),
        u32::try_from(gid).unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_to_refusal_codes() {
        let e = |n| io::Error::from_raw_os_error(n);
        assert_eq!(
            Refusal::io("/x", &e(2)),
            Refusal {
                code: refusal::NOT_FOUND,
                message: "/x".into()
            }
        );
        assert_eq!(Refusal::io("/x", &e(13)).code, refusal::DENIED);
        assert_eq!(Refusal::io("/x", &e(EROFS)).code, refusal::DENIED);
        assert_eq!(Refusal::io("/x", &e(ENOTDIR)).code, refusal::INVALID);
        assert_eq!(Refusal::io("/x", &e(28)).code, refusal::IO);
        assert!(is_missing(&e(ENOTDIR)) && is_missing(&e(2)) && !is_missing(&e(13)));
    }

    #[test]
    fn relative_paths_start_at_the_working_directory() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(absolute("a/../b"), cwd.join("b").to_str().unwrap());
        assert_eq!(absolute("/x/./y/"), "/x/y");
    }
}
