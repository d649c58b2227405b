//! Checks on what a client sends, before anything reaches a sandbox: session ids, file
//! names, and sizes. The messages are written for the LLM that made the call.

/// A session id: `s-` and 24 hex digits (as `new_session_id` makes them).
pub fn session_id(id: &str) -> Result<(), String> {
    let ok = id.len() == 26
        && id.starts_with("s-")
        && id[2..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid session_id {:?}: use an id returned by run_python or run_shell",
            truncate(id, 40)
        ))
    }
}

/// A fresh session id: 96 random bits.
pub fn new_session_id() -> String {
    let b: [u8; 12] = rand::random();
    format!("s-{}", hex(&b))
}

/// An unguessable token for a session's download URLs: 128 random bits.
pub fn new_token() -> String {
    let b: [u8; 16] = rand::random();
    hex(&b)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A path relative to the session's data directory: no absolute path, no `..`, no NUL, no
/// empty or `.` parts, no backslashes or control characters, at most 255 bytes a part and
/// 1024 in all. Returns it with `./` parts and repeated slashes removed.
pub fn relative_path(p: &str, what: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("invalid {what} {:?}: {why}", truncate(p, 80)));
    if p.is_empty() {
        return bad("empty");
    }
    if p.len() > 1024 {
        return bad("longer than 1024 bytes");
    }
    if p.contains('\0') {
        return bad("contains a NUL byte");
    }
    if p.starts_with('/') {
        return bad("absolute paths are not allowed; give a path relative to the data directory");
    }
    if p.chars().any(|c| c.is_control() || c == '\\') {
        return bad("contains a control character or a backslash");
    }
    let mut parts = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => return bad("`..` is not allowed"),
            x if x.len() > 255 => return bad("a part is longer than 255 bytes"),
            x => parts.push(x),
        }
    }
    if parts.is_empty() {
        return bad("names no file");
    }
    Ok(parts.join("/"))
}

/// `what` may hold at most `max` bytes.
pub fn size(what: &str, len: usize, max: usize) -> Result<(), String> {
    if len > max {
        Err(format!("{what} is {len} bytes; the limit is {max}"))
    } else {
        Ok(())
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        let id = new_session_id();
        session_id(&id).unwrap();
        assert_ne!(id, new_session_id());
        for bad in [
            "",
            "s-",
            "s-../../etc",
            "x-0123456789abcdef01234567",
            "s-0123456789ABCDEF01234567",
        ] {
            assert!(session_id(bad).is_err(), "{bad}");
        }
        assert_eq!(new_token().len(), 32);
    }

    #[test]
    fn paths() {
        assert_eq!(relative_path("a/./b//c.txt", "f").unwrap(), "a/b/c.txt");
        assert_eq!(relative_path("plot.png", "f").unwrap(), "plot.png");
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a\0b",
            ".",
            "a\\b",
            "a\nb",
            "./",
        ] {
            assert!(relative_path(bad, "f").is_err(), "{bad:?}");
        }
        assert!(relative_path(&"x".repeat(256), "f").is_err());
    }

    #[test]
    fn sizes() {
        size("code", 10, 10).unwrap();
        assert!(size("code", 11, 10).unwrap_err().contains("limit is 10"));
    }
}
