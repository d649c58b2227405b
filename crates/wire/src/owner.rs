//! Who owns what pocketdock writes into a sandbox: the image's user (the one runs use), so
//! code in the sandbox can change what it was given. Shared by the library (which reads the
//! container's `/etc/passwd` and `/etc/group` through the archive API) and the agent (which
//! reads its own), so both paths give the same owner.

/// Splits a user spec (`name`, `uid`, `name:group`, `uid:gid`).
pub fn split_spec(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    }
}

/// Whether resolving `spec` needs the container's passwd / group files.
pub fn needs_lookup(spec: &str) -> (bool, bool) {
    let (user, group) = split_spec(spec);
    let numeric = |s: &str| s.parse::<u64>().is_ok();
    // A numeric uid without a group still takes its primary gid from passwd.
    let passwd = !numeric(user) || group.is_none();
    let group = group.is_some_and(|g| !numeric(g));
    (passwd, group)
}

/// Resolves `spec` to `(uid, gid)` with the files' contents (absent files resolve what they
/// can). Unknown names fall back to root, which is what the engine would refuse to run as
/// anyway.
pub fn resolve(spec: &str, passwd: Option<&str>, group: Option<&str>) -> (u64, u64) {
    let (user, grp) = split_spec(spec);
    let entry = passwd.and_then(|p| {
        p.lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| {
                f.len() >= 4 && (f[0] == user || (user.parse::<u64>().is_ok() && f[2] == user))
            })
    });
    let uid = user
        .parse::<u64>()
        .ok()
        .or_else(|| entry.as_ref().and_then(|f| f[2].parse().ok()))
        .unwrap_or(0);
    let primary = entry.as_ref().and_then(|f| f[3].parse().ok());
    let gid = match grp {
        Some(g) => g.parse::<u64>().ok().or_else(|| {
            group.and_then(|gf| {
                gf.lines()
                    .map(|l| l.split(':').collect::<Vec<_>>())
                    .find(|f| f.len() >= 3 && f[0] == g)
                    .and_then(|f| f[2].parse().ok())
            })
        }),
        None => primary,
    }
    .unwrap_or(0);
    (uid, gid)
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
        assert_eq!(resolve("sandbox", Some(PASSWD), None), (1000, 1001));
        assert_eq!(resolve("1000", Some(PASSWD), None), (1000, 1001));
        assert_eq!(
            resolve("sandbox:staff", Some(PASSWD), Some(GROUP)),
            (1000, 50)
        );
        assert_eq!(resolve("1000:7", None, None), (1000, 7));
        assert_eq!(resolve("4242", Some(PASSWD), None), (4242, 0));
        assert_eq!(resolve("nobody-here", Some(PASSWD), None), (0, 0));
        assert_eq!(resolve("sandbox", None, None), (0, 0));
    }

    #[test]
    fn lookups_are_only_made_when_needed() {
        assert_eq!(needs_lookup("1000:1000"), (false, false));
        assert_eq!(needs_lookup("1000"), (true, false));
        assert_eq!(needs_lookup("sandbox"), (true, false));
        assert_eq!(needs_lookup("sandbox:staff"), (true, true));
    }
}
