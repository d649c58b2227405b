//! Paths on both sides of a copy: container paths are cleaned lexically (as the engines
//! themselves do), and the `docker cp` destination rules are decided here, as pure functions.

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

/// Joins `path` to the absolute `base` (when relative) and cleans it: no empty, `.` or `..`
/// components, `..` at the root stays at the root. Always absolute; `/` for the root.
pub(crate) fn clean(base: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let joined = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{base}/{path}")
    };
    for c in joined.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The last component of a cleaned path; `None` for `/`.
pub(crate) fn basename(clean: &str) -> Option<&str> {
    clean.rsplit('/').next().filter(|s| !s.is_empty())
}

/// The parent of a cleaned path (`/` is its own parent).
pub(crate) fn parent(clean: &str) -> String {
    match clean.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => clean[..i].to_owned(),
    }
}

/// What the destination of a copy is, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DestKind {
    Missing,
    File,
    Dir,
}

/// Where a copy lands, by `docker cp`'s rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Landing {
    /// The source itself becomes `dest/<name>` (the source's name, or the new name).
    Named { dir: Placement, name: String },
    /// Only the contents of the source directory go into the existing directory `dest`.
    Contents,
}

/// The directory a [`Landing::Named`] copy goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// `dest` itself (an existing directory, or one to create).
    Dest,
    /// The parent of `dest` (created when missing).
    Parent,
}

/// `docker cp SRC DEST` for a source named `src_name` (`None` for `/`), deciding where it
/// lands. Deviation, documented: a missing `DEST/` is created instead of refused, as are
/// missing parents of `DEST`.
pub(crate) fn landing(
    src_is_dir: bool,
    src_name: Option<&str>,
    src_contents: bool,
    dest: DestKind,
    dest_name: Option<&str>,
    dest_trailing_slash: bool,
) -> Result<Landing> {
    let own_name = || {
        src_name
            .map(str::to_owned)
            .ok_or_else(|| Error::invalid("the source has no name to copy it under"))
    };
    let new_name = || {
        dest_name
            .map(str::to_owned)
            .ok_or_else(|| Error::invalid("the destination has no name"))
    };
    match (src_is_dir, dest) {
        (false, DestKind::Dir) => Ok(Landing::Named {
            dir: Placement::Dest,
            name: own_name()?,
        }),
        (false, DestKind::File) if dest_trailing_slash => Err(Error::invalid(
            "the destination ends with '/' but is a file",
        )),
        (false, DestKind::File) => Ok(Landing::Named {
            dir: Placement::Parent,
            name: new_name()?,
        }),
        (false, DestKind::Missing) if dest_trailing_slash => Ok(Landing::Named {
            dir: Placement::Dest,
            name: own_name()?,
        }),
        (false, DestKind::Missing) => Ok(Landing::Named {
            dir: Placement::Parent,
            name: new_name()?,
        }),
        (true, DestKind::File) => Err(Error::invalid(
            "cannot copy a directory onto an existing file",
        )),
        (true, DestKind::Dir) if src_contents || src_name.is_none() => Ok(Landing::Contents),
        (true, DestKind::Dir) => Ok(Landing::Named {
            dir: Placement::Dest,
            name: own_name()?,
        }),
        // A missing destination becomes the copy of the directory: no nesting.
        (true, DestKind::Missing) => Ok(Landing::Named {
            dir: Placement::Parent,
            name: new_name()?,
        }),
    }
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
    fn cleaning_is_lexical_and_absolute() {
        assert_eq!(clean("/w", "a/b"), "/w/a/b");
        assert_eq!(clean("/w", "/a//b/./c/"), "/a/b/c");
        assert_eq!(clean("/w", "../../../etc"), "/etc");
        assert_eq!(clean("/", "."), "/");
        assert_eq!(clean("/w", "/"), "/");
        assert_eq!(clean("/home/sandbox", "x/.."), "/home/sandbox");
    }

    #[test]
    fn names_and_parents() {
        assert_eq!(basename("/a/b"), Some("b"));
        assert_eq!(basename("/"), None);
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/"), "/");
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

    fn named(dir: Placement, name: &str) -> Landing {
        Landing::Named {
            dir,
            name: name.into(),
        }
    }

    #[test]
    fn docker_cp_rules() {
        use DestKind::*;
        use Placement::*;
        // A file: into an existing dir, over a file, or as the new name.
        let f = |d, slash| landing(false, Some("f"), false, d, Some("x"), slash);
        assert_eq!(f(Dir, false).unwrap(), named(Dest, "f"));
        assert_eq!(f(File, false).unwrap(), named(Parent, "x"));
        assert!(f(File, true).is_err());
        assert_eq!(f(Missing, false).unwrap(), named(Parent, "x"));
        assert_eq!(f(Missing, true).unwrap(), named(Dest, "f"));
        // A directory: nested under an existing dir, or becomes a missing one.
        let d = |d, contents| landing(true, Some("a"), contents, d, Some("x"), false);
        assert_eq!(d(Dir, false).unwrap(), named(Dest, "a"));
        assert_eq!(d(Dir, true).unwrap(), Landing::Contents);
        assert_eq!(d(Missing, false).unwrap(), named(Parent, "x"));
        assert_eq!(d(Missing, true).unwrap(), named(Parent, "x"));
        assert!(d(File, false).is_err());
        // The root has no name: its contents are copied.
        assert_eq!(
            landing(true, None, false, Dir, Some("x"), false).unwrap(),
            Landing::Contents
        );
    }
}
