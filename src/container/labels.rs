//! Names and labels pocketdock puts on its containers, so that any client can find them.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use super::options::ContainerOptions;

pub const LABEL_MANAGED: &str = "pocketdock.managed";
pub const LABEL_INSTANCE: &str = "pocketdock.instance";
pub const LABEL_PERSIST: &str = "pocketdock.persist";
pub const LABEL_CREATED_AT: &str = "pocketdock.created-at";
pub const LABEL_PROJECT: &str = "pocketdock.project";
/// Set (to the protocol version) when the sandbox runs the agent as PID 1.
pub const LABEL_AGENT: &str = "pocketdock.agent";
/// The creating process: its pid, its start time (clock ticks since boot, so a reused pid
/// is told apart) and its host; `doctor` uses them to find containers of dead clients.
pub const LABEL_OWNER_PID: &str = "pocketdock.owner-pid";
pub const LABEL_OWNER_START: &str = "pocketdock.owner-start";
pub const LABEL_OWNER_HOST: &str = "pocketdock.owner-host";
/// When an ephemeral sandbox with a TTL expires (seconds since the Unix epoch).
pub const LABEL_EXPIRES_AT: &str = "pocketdock.expires-at";
/// The project root of a project's sandbox (its instance directory is under it).
pub const LABEL_PROJECT_DIR: &str = "pocketdock.project-dir";
/// The user runs use unless they name one (the options' or the image's, as resolved at
/// create; empty: the image's default, root), so a handle needs no image lookup.
pub const LABEL_RUN_USER: &str = "pocketdock.run-user";
/// Every option the container was created with, as JSON, so any client can recreate it.
pub const LABEL_OPTIONS: &str = "pocketdock.options";

/// A fresh default name: `pd-` and 8 random hex digits.
pub(crate) fn random_name() -> String {
    format!("pd-{:08x}", random_u32())
}

/// 32 random bits, from /dev/urandom.
pub(crate) fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    let filled = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
    if filled.is_err() {
        // No /dev/urandom (unusual sandboxes): fall back on the std hasher's random keys.
        use std::hash::{BuildHasher, RandomState};
        return RandomState::new().hash_one(SystemTime::now()) as u32;
    }
    u32::from_be_bytes(b)
}

pub(crate) fn labels_for(name: &str, opts: &ContainerOptions) -> BTreeMap<String, String> {
    let mut l: BTreeMap<String, String> = opts.labels.iter().cloned().collect();
    l.insert(LABEL_MANAGED.into(), "true".into());
    l.insert(LABEL_INSTANCE.into(), name.into());
    l.insert(LABEL_PERSIST.into(), opts.persist.to_string());
    l.insert(LABEL_CREATED_AT.into(), rfc3339_utc(SystemTime::now()));
    l.insert(
        LABEL_PROJECT.into(),
        opts.project.clone().unwrap_or_default(),
    );
    l.insert(LABEL_OWNER_PID.into(), std::process::id().to_string());
    l.insert(
        LABEL_OWNER_START.into(),
        super::owner::own_start_time().to_string(),
    );
    l.insert(LABEL_OWNER_HOST.into(), super::owner::host_name().into());
    if let Some(ttl) = opts.ttl {
        let at = SystemTime::now() + ttl;
        let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        l.insert(LABEL_EXPIRES_AT.into(), secs.to_string());
    }
    l
}

/// `YYYY-MM-DDTHH:MM:SSZ` without a date crate (days-to-civil from H. Hinnant's algorithm).
pub(crate) fn rfc3339_utc(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn names_are_pd_and_eight_hex() {
        let n = random_name();
        assert_eq!(n.len(), 11);
        assert!(n.starts_with("pd-"));
        assert!(n[3..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(random_name(), random_name());
    }

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(rfc3339_utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_709_210_096); // leap day 2024
        assert_eq!(rfc3339_utc(t), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn reference_labels_are_set() {
        let o = ContainerOptions {
            project: Some("proj".into()),
            ..Default::default()
        };
        let l = labels_for("pd-1", &o);
        assert_eq!(l[LABEL_MANAGED], "true");
        assert_eq!(l[LABEL_INSTANCE], "pd-1");
        assert_eq!(l[LABEL_PERSIST], "false");
        assert_eq!(l[LABEL_PROJECT], "proj");
        assert!(l[LABEL_CREATED_AT].ends_with('Z'));
        assert_eq!(l[LABEL_OWNER_PID], std::process::id().to_string());
        assert!(l.contains_key(LABEL_OWNER_HOST) && l.contains_key(LABEL_OWNER_START));
        assert!(!l.contains_key(LABEL_EXPIRES_AT));
        let ttl = ContainerOptions {
            ttl: Some(Duration::from_secs(60)),
            ..Default::default()
        };
        let at: u64 = labels_for("pd-2", &ttl)[LABEL_EXPIRES_AT].parse().unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!((now + 59..=now + 61).contains(&at));
    }
}
