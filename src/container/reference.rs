//! Image references as the engines accept them (`repo[:tag]`), checked before they reach a
//! request: the engines' own answers to a malformed one are unhelpful (an empty message, or
//! a 301 for an empty name).

use crate::error::{Error, Result};

/// Splits `repo[:tag]` into repository and tag (default `latest`). The tag is what follows
/// the last `:` after the last `/`, so a registry port (`localhost:5000/img`) stays in the
/// repository. Digests (`@sha256:...`), upper case in the repository, empty parts and
/// characters outside the engine's grammar are `InvalidArgument`.
pub(crate) fn parse_reference(reference: &str) -> Result<(&str, &str)> {
    super::checks::image_ref(reference)?;
    let bad = |why: &str| Error::invalid(format!("bad image reference {reference:?}: {why}"));
    if reference.contains('@') {
        return Err(bad("digests cannot be committed to; give a tag"));
    }
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match reference[last_slash..].rfind(':') {
        Some(i) => reference.split_at(last_slash + i),
        None => (reference, ":latest"),
    };
    let tag = &tag[1..];
    let tag_ok = tag.len() <= 128
        && tag
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !tag_ok {
        return Err(bad("the tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"));
    }
    let parts: Vec<&str> = repo.split('/').collect();
    // A first part with a '.' or ':' (or `localhost`) is a registry host, which may hold a
    // port and upper case; every other part is a lower-case path component.
    let has_host = parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost");
    for (i, p) in parts.iter().enumerate() {
        let ok = if i == 0 && has_host {
            host_ok(p)
        } else {
            component_ok(p)
        };
        if !ok {
            return Err(bad(&format!("{p:?} is not a valid repository part")));
        }
    }
    Ok((repo, tag))
}

/// `host[:port]`: letters, digits, `-` and `.`; a numeric port.
fn host_ok(p: &str) -> bool {
    let (host, port) = p.split_once(':').unwrap_or((p, "1"));
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c))
        && !port.is_empty()
        && port.len() <= 5
        && port.chars().all(|c| c.is_ascii_digit())
}

/// A path component: lower-case letters and digits, separated by single `.`, `_`, `__` or
/// runs of `-`.
fn component_ok(p: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let (first, last) = (p.chars().next(), p.chars().last());
    first.is_some_and(alnum)
        && last.is_some_and(alnum)
        && p.chars().all(|c| alnum(c) || "._-".contains(c))
        && !p.contains("..")
        && !p.contains("___")
        && !p.contains("._")
        && !p.contains("_.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_into_repository_and_tag() {
        for (r, repo, tag) in [
            ("img", "img", "latest"),
            ("img:v1", "img", "v1"),
            ("team/img:1.0-rc_2", "team/img", "1.0-rc_2"),
            (
                "localhost:5000/team/img:v1",
                "localhost:5000/team/img",
                "v1",
            ),
            ("localhost:5000/img", "localhost:5000/img", "latest"),
            (
                "registry.example.com/a/b",
                "registry.example.com/a/b",
                "latest",
            ),
            (
                "Registry.Example.com:443/a:X",
                "Registry.Example.com:443/a",
                "X",
            ),
            ("localhost/img:v2", "localhost/img", "v2"),
            ("my-team__x/img.name", "my-team__x/img.name", "latest"),
        ] {
            assert_eq!(parse_reference(r).unwrap(), (repo, tag), "{r}");
        }
    }

    #[test]
    fn malformed_references_are_invalid_arguments() {
        for r in [
            "",
            ":v1",
            "img:",
            "Img",
            "team/Img:v1",
            "img@sha256:abcd",
            "a//b",
            "/img",
            "img/",
            "img:v1:v2",
            "img:-x",
            "localhost:port/img",
            "img name",
            "a..b",
            &format!("img:{}", "t".repeat(129)),
            &"a".repeat(1 << 20),
        ] {
            let e = parse_reference(r).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{r:?}");
        }
    }
}
