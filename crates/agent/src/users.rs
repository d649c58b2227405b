//! Resolves a run's `user` to ids from the sandbox's own /etc/passwd and /etc/group (a static
//! binary has no NSS, and the sandbox's files are the truth anyway).

use std::fs;

#[derive(Debug, PartialEq, Eq)]
pub struct Ids {
    pub uid: u32,
    pub gid: u32,
    pub home: Option<String>,
}

fn passwd_by<F: Fn(&[&str]) -> bool>(passwd: &str, pred: F) -> Option<(u32, u32, String)> {
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() >= 6 && pred(&f) {
            Some((f[2].parse().ok()?, f[3].parse().ok()?, f[5].to_owned()))
        } else {
            None
        }
    })
}

fn group_id(groups: &str, name: &str) -> Option<u32> {
    if let Ok(n) = name.parse() {
        return Some(n);
    }
    groups.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 3 && f[0] == name)
            .then(|| f[2].parse().ok())
            .flatten()
    })
}

/// `name`, `uid`, `name:group` or `uid:gid`, from the sandbox's files.
pub fn resolve(spec: &str) -> Result<Ids, String> {
    let read = |p: &str| fs::read_to_string(p).unwrap_or_default();
    resolve_in(spec, &read("/etc/passwd"), &read("/etc/group"))
}

/// `resolve` against the given passwd and group texts.
fn resolve_in(spec: &str, passwd: &str, groups: &str) -> Result<Ids, String> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let entry = match user.parse::<u32>() {
        Ok(uid) => passwd_by(passwd, |f| f[2] == user).or(Some((uid, uid, String::new()))),
        Err(_) => passwd_by(passwd, |f| f[0] == user),
    };
    let (uid, mut gid, home) = entry.ok_or_else(|| format!("unknown user {user:?}"))?;
    if let Some(g) = group {
        gid = group_id(groups, g).ok_or_else(|| format!("unknown group {g:?}"))?;
    }
    Ok(Ids {
        uid,
        gid,
        home: (!home.is_empty()).then_some(home),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n\
                          broken\n\
                          sandbox:x:1000:1001::/home/sandbox:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nstaff:x:50:\n";

    fn ids(uid: u32, gid: u32, home: Option<&str>) -> Ids {
        Ids {
            uid,
            gid,
            home: home.map(str::to_owned),
        }
    }

    #[test]
    fn names_numbers_and_groups_resolve() {
        let r = |s| resolve_in(s, PASSWD, GROUP);
        assert_eq!(r("sandbox"), Ok(ids(1000, 1001, Some("/home/sandbox"))));
        assert_eq!(r("1000"), Ok(ids(1000, 1001, Some("/home/sandbox"))));
        assert_eq!(r("sandbox:staff"), Ok(ids(1000, 50, Some("/home/sandbox"))));
        assert_eq!(r("0:7"), Ok(ids(0, 7, Some("/root"))));
        // A uid the sandbox does not know runs with its own number as gid and no home.
        assert_eq!(r("4242"), Ok(ids(4242, 4242, None)));
    }

    #[test]
    fn unknown_names_are_errors() {
        assert!(resolve_in("nobody-here", PASSWD, GROUP).is_err());
        assert!(resolve_in("sandbox:nogroup", PASSWD, GROUP).is_err());
        assert!(resolve_in("sandbox", "", "").is_err());
    }
}
