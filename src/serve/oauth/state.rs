//! The `state` of an install: random, single-use, expiring after ten minutes, and bound to the
//! browser that asked for it by a cookie holding the same value. A callback whose state this
//! server did not issue, issued to another browser, already used, or too old is refused: that is
//! what stops someone from finishing an install in another person's browser (login CSRF).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an install may take between the page and Slack's callback.
pub const TTL: Duration = Duration::from_secs(10 * 60);

/// The most installs in progress at once: a page fetched again and again cannot fill memory.
const MAX_PENDING: usize = 10_000;

/// The cookie that binds a state to its browser.
pub const COOKIE: &str = "scrollback_slack_state";

/// States issued and not yet used.
#[derive(Debug, Default)]
pub struct States {
    pending: Mutex<HashMap<String, Instant>>,
}

/// What a callback's state is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Valid,
    /// Never issued here, or already used (or issued before a restart).
    Unknown,
    Expired,
}

impl States {
    /// A fresh state, or `None` when too many installs are in progress (or the system's random
    /// source failed, which is logged).
    pub fn issue(&self, now: Instant) -> Option<String> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|_, issued| now.duration_since(*issued) < TTL);
        if pending.len() >= MAX_PENDING {
            return None;
        }
        let mut bytes = [0u8; 24];
        if let Err(e) = getrandom::fill(&mut bytes) {
            tracing::error!("no random state for an install: {e}");
            return None;
        }
        let state = hex::encode(bytes);
        pending.insert(state.clone(), now);
        Some(state)
    }

    /// Uses `state` up: valid only once, and only within [`TTL`].
    pub fn take(&self, state: &str, now: Instant) -> Check {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        match pending.remove(state) {
            None => Check::Unknown,
            Some(issued) if now.duration_since(issued) >= TTL => Check::Expired,
            Some(_) => Check::Valid,
        }
    }
}

/// Whether the browser's cookie holds `state` (compared in constant time).
pub fn cookie_matches(cookie: Option<&str>, state: &str) -> bool {
    let Some(cookie) = cookie else {
        return false;
    };
    cookie.len() == state.len()
        && cookie
            .bytes()
            .zip(state.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The `Set-Cookie` value binding `state` to the browser (`None`: the one clearing it).
pub fn set_cookie(state: Option<&str>, secure: bool) -> String {
    let (value, max_age) = match state {
        Some(state) => (state, TTL.as_secs()),
        None => ("", 0),
    };
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={value}; Path=/slack/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// The value of [`COOKIE`] in a request's `Cookie` headers.
pub fn cookie_in(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_random_single_use_and_expires() {
        let states = States::default();
        let t0 = Instant::now();
        let a = states.issue(t0).unwrap();
        let b = states.issue(t0).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 48);
        assert_eq!(states.take(&a, t0), Check::Valid);
        assert_eq!(states.take(&a, t0), Check::Unknown, "used once only");
        assert_eq!(states.take(&b, t0 + TTL), Check::Expired);
        assert_eq!(states.take("made-up", t0), Check::Unknown);
    }

    #[test]
    fn the_cookie_must_hold_the_same_state() {
        assert!(cookie_matches(Some("abc"), "abc"));
        assert!(!cookie_matches(Some("abd"), "abc"));
        assert!(!cookie_matches(Some("ab"), "abc"));
        assert!(!cookie_matches(None, "abc"));
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            format!("theme=dark; {COOKIE}=s1; x=y").parse().unwrap(),
        );
        assert_eq!(cookie_in(&headers), Some("s1"));
        let set = set_cookie(Some("s1"), true);
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.ends_with("Secure")
        );
        assert!(set_cookie(None, false).contains("Max-Age=0"));
    }
}
