//! Container paths, shared by the library and the agent so both decide alike: lexical
//! cleaning (as the engines do) and the `docker cp` destination rules, as pure functions.

/// Joins `path` to the absolute `base` (when relative) and cleans it: no empty, `.` or `..`
/// components, `..` at the root stays at the root. Always absolute; `/` for the root.
pub fn clean(base: &str, path: &str) -> String {
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
pub fn basename(clean: &str) -> Option<&str> {
    clean.rsplit('/').next().filter(|s| !s.is_empty())
}

/// The parent of a cleaned path (`/` is its own parent).
pub fn parent(clean: &str) -> String {
    match clean.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => clean[..i].to_owned(),
    }
}

/// What the destination of a copy is, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestKind {
    Missing,
    File,
    Dir,
}

/// Where a copy lands, by `docker cp`'s rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landing {
    /// The source itself becomes `dest/<name>` (the source's name, or the new name).
    Named { dir: Placement, name: String },
    /// Only the contents of the source directory go into the existing directory `dest`.
    Contents,
}

/// The directory a [`Landing::Named`] copy goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// `dest` itself (an existing directory, or one to create).
    Dest,
    /// The parent of `dest` (created when missing).
    Parent,
}

/// `docker cp SRC DEST` for a source named `src_name` (`None` for `/`), deciding where it
/// lands; the error is a message for an invalid argument. Deviation, documented: a missing
/// `DEST/` is created instead of refused, as are missing parents of `DEST`.
pub fn landing(
    src_is_dir: bool,
    src_name: Option<&str>,
    src_contents: bool,
    dest: DestKind,
    dest_name: Option<&str>,
    dest_trailing_slash: bool,
) -> Result<Landing, String> {
    let own_name = || {
        src_name
            .map(str::to_owned)
            .ok_or_else(|| "the source has no name to copy it under".to_owned())
    };
    let new_name = || {
        dest_name
            .map(str::to_owned)
            .ok_or_else(|| "the destination has no name".to_owned())
    };
    let named = |dir, name| Ok(Landing::Named { dir, name });
    match (src_is_dir, dest) {
        (false, DestKind::Dir) => named(Placement::Dest, own_name()?),
        (false, DestKind::File) if dest_trailing_slash => {
            Err("the destination ends with '/' but is a file".to_owned())
        }
        (false, DestKind::File) => named(Placement::Parent, new_name()?),
        (false, DestKind::Missing) if dest_trailing_slash => named(Placement::Dest, own_name()?),
        (false, DestKind::Missing) => named(Placement::Parent, new_name()?),
        (true, DestKind::File) => Err("cannot copy a directory onto an existing file".to_owned()),
        (true, DestKind::Dir) if src_contents || src_name.is_none() => Ok(Landing::Contents),
        (true, DestKind::Dir) => named(Placement::Dest, own_name()?),
        // A missing destination becomes the copy of the directory: no nesting.
        (true, DestKind::Missing) => named(Placement::Parent, new_name()?),
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
