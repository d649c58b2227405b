//! File transfers through the agent, so a small write or read costs one round trip instead
//! of the archive API's lookups. Both directions stream in `Data` frames of at most
//! [`DATA_CHUNK`] bytes; memory stays flat whatever the size.
//!
//! - Write: `Put` then `Data`... then `DataEnd`, all sent without waiting; the agent answers
//!   `Done` or `Refused` (possibly early, after which the client stops sending; `Cancel`
//!   aborts, leaving nothing half-written at the destination). The data is a tar whose
//!   entries all start with one top component (whatever its name), which lands by [`PutHow`].
//! - Read: `Get` is answered with `Found`, then `Data`... and `DataEnd` (or `Refused`). The
//!   agent keeps at most [`WINDOW`] chunks unacknowledged; the client grants more with
//!   `Credit` as it consumes them, and `Cancel` stops the transfer.

/// Largest piece of file data in one `Data` frame.
pub const DATA_CHUNK: usize = 256 * 1024;
/// `Data` frames of a `Get` the agent sends ahead of the client's `Credit`.
pub const WINDOW: u32 = 8;

/// Codes of `Refused`, so each side names the failure alike.
pub mod refusal {
    /// The path (or a parent) does not exist; the message is the absolute path.
    pub const NOT_FOUND: u8 = 1;
    /// A directory where a file was meant, or the reverse, or a bad request.
    pub const INVALID: u8 = 2;
    /// The filesystem refused (permissions, read-only).
    pub const DENIED: u8 = 3;
    /// Any other I/O failure.
    pub const IO: u8 = 4;
    /// The agent cannot act as the archive API would (it lacks the capabilities, as in a
    /// sandbox with every capability dropped): the client uses the archive API instead.
    pub const UNSUPPORTED: u8 = 5;
}

/// How the top of a `Put`'s tar lands at `dest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutHow {
    /// `dest` names a file to create or replace (a symlink there is replaced, never written
    /// through; a directory there is refused): the tar holds that one regular file.
    File,
    /// `docker cp` rules ([`crate::paths::landing`]) for a source that is a directory when
    /// `src_dir`, named `src_name` (`None` for `/`), of which only the contents are copied
    /// when `contents`; `trailing_slash` when `dest` ends with `/`.
    Copy {
        src_dir: bool,
        src_name: Option<String>,
        contents: bool,
        trailing_slash: bool,
    },
}

/// A write into the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Put {
    /// Absolute, or relative to the sandbox's working directory.
    pub dest: String,
    /// Who owns what is written (a user spec resolved in the sandbox's own passwd and group
    /// files by [`crate::owner::resolve`]); `None` is root.
    pub owner: Option<String>,
    pub how: PutHow,
}

/// What a `Get` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The bytes of a regular file (symlinks followed).
    File,
    /// A tar of a file or directory, entries named after the resolved path's last component
    /// (or relative names for `/`), as the engine's archive API names them.
    Tree,
}

impl Want {
    pub(crate) fn code(self) -> u8 {
        match self {
            Want::File => 0,
            Want::Tree => 1,
        }
    }

    pub(crate) fn from_code(c: u8) -> Want {
        if c == 1 {
            Want::Tree
        } else {
            Want::File
        }
    }
}
