//! Resolves a run's `user` to ids from the sandbox's own /etc/passwd and /etc/group (a static
//! binary has no NSS, and the sandbox's files are the truth anyway).

use std::fs;

pub struct Ids {
    pub uid: u32,
    pub gid: u32,
    pub home: Option<String>,
}

fn passwd_by<F: Fn(&[&str]) -> bool>(pred: F) -> Option<(u32, u32, String)> {
    let text = fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() >= 6 && pred(&f) {
            Some((f[2].parse().ok()?, f[3].parse().ok()?, f[5].to_owned()))
        } else {
            None
        }
    })
}

fn group_id(name: &str) -> Option<u32> {
    if let Ok(n) = name.parse() {
        return Some(n);
    }
    let text = fs::read_to_string("/etc/group").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 3 && f[0] == name).then(|| f[2].parse().ok()).flatten()
    })
}

/// `name`, `uid`, `name:group` or `uid:gid`.
pub fn resolve(spec: &str) -> Result<Ids, String> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let entry = match user.parse::<u32>() {
        Ok(uid) => passwd_by(|f| f[2] == user).or(Some((uid, uid, String::new()))),
        Err(_) => passwd_by(|f| f[0] == user),
    };
    let (uid, mut gid, home) = entry.ok_or_else(|| format!("unknown user {user:?}"))?;
    if let Some(g) = group {
        gid = group_id(g).ok_or_else(|| format!("unknown group {g:?}"))?;
    }
    Ok(Ids {
        uid,
        gid,
        home: (!home.is_empty()).then_some(home),
    })
}
