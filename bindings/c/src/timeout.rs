//! The one timeout rule of the C ABI, applied to every `*_timeout_ms` argument (written in
//! docs/ffi-conventions.md): like poll(2), > 0 is a limit in milliseconds, 0 means "do not
//! wait", < 0 (`PD_NO_TIMEOUT`) means no limit. A limit that a command must live under (a
//! run's, a session command's, a connect's) cannot be "do not wait": 0 is refused there.

use std::time::Duration;

use pocketdock::Result;

/// Pass as any `*_timeout_ms` argument for "no limit".
pub const PD_NO_TIMEOUT: i64 = -1;

/// What "no limit" is in the core, which takes durations: a century, so deadlines computed
/// from it never overflow and never arrive.
const NO_LIMIT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// For an argument that bounds how long a call waits: `None` is no limit,
/// `Some(Duration::ZERO)` is "look and return".
pub(crate) fn wait_ms(ms: i64) -> Option<Duration> {
    u64::try_from(ms).ok().map(Duration::from_millis)
}

/// For an argument that bounds how long something may run.
pub(crate) fn limit_ms(ms: i64, what: &str) -> Result<Duration> {
    match wait_ms(ms) {
        None => Ok(NO_LIMIT),
        Some(d) if d.is_zero() => Err(crate::error::invalid(format!(
            "{what} of 0 ms leaves no time to run; pass a positive limit, or PD_NO_TIMEOUT (-1) \
             for none"
        ))),
        Some(d) => Ok(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_waits_and_limits() {
        assert_eq!(wait_ms(250), Some(Duration::from_millis(250)));
        assert_eq!(wait_ms(0), Some(Duration::ZERO));
        assert_eq!(wait_ms(PD_NO_TIMEOUT), None);
        assert_eq!(wait_ms(i64::MIN), None);
        assert_eq!(limit_ms(250, "t").unwrap(), Duration::from_millis(250));
        assert_eq!(limit_ms(-5, "t").unwrap(), NO_LIMIT);
        let e = limit_ms(0, "run timeout").unwrap_err();
        assert_eq!(e.kind(), pocketdock::ErrorKind::InvalidArgument);
        assert!(e.to_string().contains("run timeout"));
        // A century from now is representable: no deadline arithmetic overflows.
        assert!(std::time::Instant::now().checked_add(NO_LIMIT).is_some());
    }
}
