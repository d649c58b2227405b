//! Paths on both sides of a copy: container paths as the caller gave them, host paths, and
//! (from the wire crate, so the agent decides alike) lexical cleaning and the `docker cp`
//! destination rules.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A container path as the caller wrote it, before it is made absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Given {
    /// The path as given.
    pub(crate) raw: String,
    /// It ends with `/`: "a directory".
    pub(crate) trailing_slash: bool,
    /// It ends with `/.` (or is `.`): "the contents of this directory".
    pub(crate) contents: bool,
}

impl Given {
    pub(crate) fn parse(raw: &str, what: &str) -> Result<Given> {
        if raw.is_empty() {
            return Err(Error::invalid(format!("{what} is empty")));
        }
        if raw.contains('\0') {
            return Err(Error::invalid(format!("{what} contains a NUL byte")));
        }
        crate::container::checks::path_len(what, raw)?;
        Ok(Given {
            raw: raw.to_owned(),
            trailing_slash: raw.ends_with('/'),
            contents: raw == "." || raw.ends_with("/."),
        })
    }

    pub(crate) fn is_absolute(&self) -> bool {
        self.raw.starts_with('/')
    }
}

pub(crate) use crate::agent::wire::paths::{basename, clean, parent, DestKind, Landing, Placement};

/// `docker cp SRC DEST` for a source named `src_name` (`None` for `/`), deciding where it
/// lands (the rules are shared with the agent: `pocketdock_wire::paths::landing`).
pub(crate) fn landing(
    src_is_dir: bool,
    src_name: Option<&str>,
    src_contents: bool,
    dest: DestKind,
    dest_name: Option<&str>,
    dest_trailing_slash: bool,
) -> Result<Landing> {
    crate::agent::wire::paths::landing(
        src_is_dir,
        src_name,
        src_contents,
        dest,
        dest_name,
        dest_trailing_slash,
    )
    .map_err(Error::InvalidArgument)
}

/// The last component of a host path given by the caller (`None` for `/`, `.` or `..`).
pub(crate) fn host_name(p: &Path) -> Option<String> {
    match p.components().next_back()? {
        std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
        _ => None,
    }
}

/// The parent of a host path given by the caller (`.` for a bare name).
pub(crate) fn host_parent(p: &Path) -> PathBuf {
    match p.parent() {
        Some(q) if q.as_os_str().is_empty() => PathBuf::from("."),
        Some(q) => q.to_path_buf(),
        None => p.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_and_parents() {
        assert_eq!(host_name(Path::new("x/y/")), Some("y".into()));
        assert_eq!(host_name(Path::new("x/y/.")), Some("y".into()));
        assert_eq!(host_name(Path::new("/")), None);
        assert_eq!(host_parent(Path::new("f")), PathBuf::from("."));
        assert_eq!(host_parent(Path::new("/a/f")), PathBuf::from("/a"));
    }

    #[test]
    fn given_paths_remember_slash_and_dot() {
        let g = Given::parse("/x/", "p").unwrap();
        assert!(g.trailing_slash && !g.contents && g.is_absolute());
        let g = Given::parse("x/.", "p").unwrap();
        assert!(g.contents && !g.is_absolute());
        assert!(Given::parse("", "p").is_err());
        assert!(Given::parse("a\0b", "p").is_err());
    }
}
