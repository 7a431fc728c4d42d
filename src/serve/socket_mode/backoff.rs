//! How long to wait before reconnecting: doubling from a second up to a minute, each wait drawn
//! from its upper half so that many servers dropped at once do not all come back together
//! (`apps.connections.open` is a tier 1 method: about one call a minute, with bursts).

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

const FIRST: Duration = Duration::from_secs(1);
const MOST: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: FIRST }
    }
}

impl Backoff {
    /// The next wait: between half of the current step and all of it.
    pub fn next_wait(&mut self) -> Duration {
        let step = self.next;
        self.next = (step * 2).min(MOST);
        step / 2 + step.mul_f64(jitter() / 2.0)
    }

    /// After a link that held: the next wait is short again.
    pub fn reset(&mut self) {
        self.next = FIRST;
    }
}

/// A number in [0, 1) that differs between calls and processes (std's hasher keys are random;
/// no cryptographic quality is needed).
fn jitter() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_a_minute_with_jitter_and_start_again_after_a_reset() {
        let mut backoff = Backoff::default();
        let waits: Vec<Duration> = (0..10).map(|_| backoff.next_wait()).collect();
        let mut step = FIRST;
        for wait in &waits {
            assert!(
                *wait >= step / 2 && *wait <= step,
                "{wait:?} for a step of {step:?}"
            );
            step = (step * 2).min(MOST);
        }
        assert!(waits[9] >= MOST / 2);
        backoff.reset();
        assert!(backoff.next_wait() <= FIRST);
        let draws: std::collections::HashSet<u64> = (0..20).map(|_| jitter().to_bits()).collect();
        assert!(draws.len() > 1, "the jitter varies");
    }
}
