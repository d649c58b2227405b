//! What a pool reports about itself.

use std::collections::VecDeque;
use std::time::Duration;

/// A pool's counters, as `Pool::stats` reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Ready members waiting for an `acquire`.
    pub idle: usize,
    /// Members handed out and not released yet.
    pub in_use: usize,
    /// Members being created (or warmed up) right now.
    pub creating: usize,
    /// Members created and warmed up since the pool started.
    pub created: u64,
    /// Creates or warm-ups that failed, and members found dead by a health check.
    pub failed: u64,
    /// Engines of the set currently marked down.
    pub engines_down: usize,
    /// Median and 95th percentile of the last acquires (up to 1024), from the call to the
    /// sandbox in hand; zero before the first.
    pub acquire_p50: Duration,
    pub acquire_p95: Duration,
}

/// The most recent acquire latencies.
#[derive(Debug, Default)]
pub(crate) struct Latencies {
    last: VecDeque<Duration>,
}

const KEPT: usize = 1024;

impl Latencies {
    pub(crate) fn record(&mut self, d: Duration) {
        if self.last.len() == KEPT {
            self.last.pop_front();
        }
        self.last.push_back(d);
    }

    /// The value at quantile `q` (0..=1), nearest rank.
    pub(crate) fn quantile(&self, q: f64) -> Duration {
        if self.last.is_empty() {
            return Duration::ZERO;
        }
        let mut v: Vec<Duration> = self.last.iter().copied().collect();
        v.sort_unstable();
        let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[rank - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank_over_the_last_1024() {
        let mut l = Latencies::default();
        assert_eq!(l.quantile(0.5), Duration::ZERO);
        for ms in 1..=100 {
            l.record(Duration::from_millis(ms));
        }
        assert_eq!(l.quantile(0.5), Duration::from_millis(50));
        assert_eq!(l.quantile(0.95), Duration::from_millis(95));
        for _ in 0..KEPT {
            l.record(Duration::from_millis(7));
        }
        assert_eq!(l.quantile(0.95), Duration::from_millis(7));
    }
}
