//! Pacing requests by Slack's rate-limit tiers, so a long backfill runs at the pace Slack allows
//! instead of hitting 429s (issue 13, item 2).
//!
//! Slack limits each method per workspace and app by tier: Tier 1 about 1 request a minute,
//! Tier 2 20, Tier 3 50, Tier 4 100, with short bursts allowed; `chat.postMessage` about one a
//! second per channel. Each method gets a token bucket holding a minute's allowance, refilled at
//! the tier's rate: a short command never waits, a long one settles at the tier's pace. When
//! Slack answers 429 anyway, the bucket is emptied and the method waits what `Retry-After` says.
//! Commercially distributed non-Marketplace apps got 1 request a minute for
//! `conversations.history` and `conversations.replies` in 2025: [`Pacer::limit`] sets that once
//! the client notices (see the backfill).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests a minute a method may make (its tier's allowance).
pub fn per_minute(method: &str) -> f64 {
    match method {
        // Tier 2
        "conversations.list" | "users.list" | "emoji.list" | "conversations.create" => 20.0,
        // Tier 4
        "users.info" | "auth.test" | "users.conversations" => 100.0,
        // Special: about one message a second per channel.
        "chat.postMessage" => 60.0,
        // Tier 3: conversations.history, .replies, .info, .invite, .join, bots.info, …
        _ => 50.0,
    }
}

/// One method's allowance.
#[derive(Debug, Clone)]
struct Bucket {
    /// Requests that may go now; negative when requests are already waiting for refills.
    tokens: f64,
    capacity: f64,
    per_second: f64,
    last: Instant,
}

impl Bucket {
    fn new(per_minute: f64, now: Instant) -> Bucket {
        Bucket {
            tokens: per_minute,
            capacity: per_minute,
            per_second: per_minute / 60.0,
            last: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.last = now;
    }

    /// Takes one request's token; returns how long to wait before sending it.
    fn take(&mut self, now: Instant) -> Duration {
        self.refill(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.per_second)
        }
    }
}

/// The buckets of every method of one client.
#[derive(Debug)]
pub struct Pacer {
    enabled: bool,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Pacer {
    /// `enabled: false` paces nothing (stand-ins of Slack, benchmarks); 429s are still waited out.
    pub fn new(enabled: bool) -> Pacer {
        Pacer {
            enabled,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn with_bucket<T>(&self, method: &str, now: Instant, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets
            .entry(method.to_owned())
            .or_insert_with(|| Bucket::new(per_minute(method), now));
        f(bucket)
    }

    /// How long to wait before the next request of `method` (its place is taken now).
    pub fn wait_before(&self, method: &str, now: Instant) -> Duration {
        if !self.enabled {
            return Duration::ZERO;
        }
        self.with_bucket(method, now, |b| b.take(now))
    }

    /// Slack said 429: nothing more goes until the bucket refills from empty.
    pub fn throttled(&self, method: &str, now: Instant) {
        self.with_bucket(method, now, |b| {
            b.refill(now);
            b.tokens = b.tokens.min(0.0);
        });
    }

    /// Lowers `method`'s allowance to `per_minute` (with no burst beyond one request).
    pub fn limit(&self, method: &str, per_minute: f64, now: Instant) {
        self.with_bucket(method, now, |b| {
            b.refill(now);
            b.capacity = 1.0;
            b.per_second = per_minute / 60.0;
            b.tokens = b.tokens.min(1.0);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_a_minutes_allowance_goes_at_once_then_the_tier_pace() {
        let pacer = Pacer::new(true);
        let t0 = Instant::now();
        for _ in 0..50 {
            assert_eq!(
                pacer.wait_before("conversations.history", t0),
                Duration::ZERO
            );
        }
        // The 51st waits for one refill at 50 a minute: 1.2 s.
        let wait = pacer.wait_before("conversations.history", t0);
        assert!((wait.as_secs_f64() - 1.2).abs() < 0.01, "{wait:?}");
        // Another method has its own allowance.
        assert_eq!(pacer.wait_before("users.list", t0), Duration::ZERO);
    }

    #[test]
    fn a_429_empties_the_bucket_and_a_limit_slows_the_method() {
        let pacer = Pacer::new(true);
        let t0 = Instant::now();
        pacer.wait_before("conversations.replies", t0);
        pacer.throttled("conversations.replies", t0);
        assert!(pacer.wait_before("conversations.replies", t0) > Duration::ZERO);

        pacer.limit("conversations.history", 1.0, t0);
        assert_eq!(
            pacer.wait_before("conversations.history", t0),
            Duration::ZERO
        );
        let wait = pacer.wait_before("conversations.history", t0);
        assert!((wait.as_secs_f64() - 60.0).abs() < 0.01, "{wait:?}");
    }

    #[test]
    fn disabled_pacing_never_waits() {
        let pacer = Pacer::new(false);
        let t0 = Instant::now();
        for _ in 0..1000 {
            assert_eq!(pacer.wait_before("users.list", t0), Duration::ZERO);
        }
    }
}
