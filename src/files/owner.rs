//! Who owns what pocketdock writes into a sandbox: the image's user (the one runs use), so
//! code in the sandbox can change what it was given. Names are looked up in the container's
//! own `/etc/passwd` and `/etc/group`, read through the archive API (no shell needed).

/// Numeric owner of written files and created directories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Owner {
    pub(crate) uid: u64,
    pub(crate) gid: u64,
}

pub(crate) use crate::agent::wire::owner::needs_lookup;

/// Resolves `spec` with the files' contents, by the rules the agent applies too
/// (`pocketdock_wire::owner::resolve`).
pub(crate) fn resolve(spec: &str, passwd: Option<&str>, group: Option<&str>) -> Owner {
    let (uid, gid) = crate::agent::wire::owner::resolve(spec, passwd, group);
    Owner { uid, gid }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
                          sandbox:x:1000:1001:,,,:/home/sandbox:/bin/bash\n\
                          broken line\n";
    const GROUP: &str = "root:x:0:\nstaff:x:50:\nsandbox:x:1001:\n";

    #[test]
    fn names_and_numbers_resolve() {
        let o = |uid, gid| Owner { uid, gid };
        assert_eq!(resolve("sandbox", Some(PASSWD), None), o(1000, 1001));
        assert_eq!(resolve("1000", Some(PASSWD), None), o(1000, 1001));
        assert_eq!(
            resolve("sandbox:staff", Some(PASSWD), Some(GROUP)),
            o(1000, 50)
        );
        assert_eq!(resolve("1000:7", None, None), o(1000, 7));
        assert_eq!(resolve("4242", Some(PASSWD), None), o(4242, 0));
        assert_eq!(resolve("nobody-here", Some(PASSWD), None), o(0, 0));
        assert_eq!(resolve("sandbox", None, None), o(0, 0));
    }
}
