//! Slack's own sign that events may have been missed, passed from the receiver to the catch-up
//! task.
//!
//! Slack retries an event it could not deliver (`X-Slack-Retry-Num`, with a reason such as
//! `http_timeout` or `connection_failed`), and says `app_rate_limited` when it drops events
//! itself. Either way, events sent around then may never arrive: the receiver raises this
//! signal and the catch-up task compares the live chats with Slack's history at once instead of
//! at its next round. Raising only wakes the task (a burst of retries is one wake-up); the task
//! decides how soon to act.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

/// Says so in the log at most this often (a burst of retries is one line).
const SAY_EVERY: Duration = Duration::from_secs(60);

/// Wakes the catch-up task when Slack signals a gap.
#[derive(Debug, Default)]
pub struct GapSignal {
    notify: Notify,
    /// When it was last said in the log (Unix seconds).
    said_at: AtomicU64,
}

impl GapSignal {
    /// Slack signalled a gap (`why`, for the log): catch up soon.
    pub fn raise(&self, why: &str) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let last = self.said_at.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= SAY_EVERY.as_secs()
            && self
                .said_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::info!(
                "{why}: events may have been missed, so the live chats are compared with \
                 Slack's history now"
            );
        }
        // A wake-up raised while a round runs is kept for after it (one, however many).
        self.notify.notify_one();
    }

    /// Waits until the signal is raised (at once if it was raised since the last wait).
    pub async fn raised(&self) {
        self.notify.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_of_raises_is_one_wake_up_kept_until_waited_for() {
        let signal = GapSignal::default();
        for _ in 0..5 {
            signal.raise("Slack retried event Ev1 (http_timeout)");
        }
        tokio::time::timeout(Duration::from_secs(1), signal.raised())
            .await
            .expect("the raise was kept");
        let again = tokio::time::timeout(Duration::from_millis(50), signal.raised()).await;
        assert!(again.is_err(), "five raises are one wake-up");
    }
}
