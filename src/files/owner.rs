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

    // The rules themselves are tested where they live (pocketdock-wire's owner.rs); here,
    // only that the wrapper keeps uid and gid apart.
    #[test]
    fn the_wrapper_keeps_uid_and_gid_apart() {
        assert_eq!(resolve("1000:7", None, None), Owner { uid: 1000, gid: 7 });
    }
}
