//! Pieces every client of a web API here shares (Netlify's for deploys, Slack's Web API): where
//! a token may be sent, and how long a rate-limited answer asks to wait.

use std::time::Duration;

use anyhow::{Context, Result, bail};

/// How long a 429 asks to wait: `Retry-After` in seconds or as a date, else `X-RateLimit-Reset`
/// (a Unix time), at most a minute.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = jiff::Timestamp::now();
    let until = |t: jiff::Timestamp| {
        let secs = (t.as_second() - now.as_second()).max(0);
        Duration::from_secs(u64::try_from(secs).unwrap_or(0))
    };
    let wait = if let Some(v) = text("retry-after") {
        let v = v.trim();
        if let Ok(secs) = v.parse::<f64>() {
            Duration::try_from_secs_f64(secs.max(0.0)).ok()?
        } else if let Ok(t) = jiff::fmt::rfc2822::parse(v) {
            until(t.timestamp())
        } else {
            // Netlify has been seen to send "2024-06-12 09:53:37 UTC".
            let t: jiff::Timestamp = v
                .trim_end_matches("UTC")
                .trim()
                .replace(' ', "T")
                .parse::<jiff::civil::DateTime>()
                .ok()?
                .to_zoned(jiff::tz::TimeZone::UTC)
                .ok()?
                .timestamp();
            until(t)
        }
    } else {
        let reset: i64 = text("x-ratelimit-reset")?.trim().parse().ok()?;
        until(jiff::Timestamp::from_second(reset).ok()?)
    };
    Some(wait.clamp(Duration::from_millis(50), Duration::from_secs(60)))
}

/// A token (Netlify's opens the whole account, Slack's the workspace) goes only over HTTPS, or
/// plain HTTP to this machine, for tests and local proxies. `service` names the API ("Netlify
/// API"), `token` the token ("Netlify token") in the refusal.
pub fn check_api_url(api_url: &str, service: &str, token: &str) -> Result<()> {
    let url = reqwest::Url::parse(api_url)
        .with_context(|| format!("{api_url:?} is not a URL for the {service}"))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        _ => bail!(
            "refusing to send the {token} to {api_url}: the {service} must be https:// (plain http:// only to this machine)"
        ),
    }
}

/// Whether `url` names this machine (`localhost`, 127.0.0.0/8, `[::1]`): the only place plain
/// `http://` or `ws://` may carry a token.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn the_token_goes_only_to_https_or_this_machine() {
        for ok in [
            "https://api.netlify.com",
            "http://127.0.0.1:8080",
            "http://localhost:1/",
            "http://[::1]:9/",
        ] {
            assert!(check_api_url(ok, "API", "token").is_ok(), "{ok}");
        }
        for refused in [
            "http://api.netlify.com",
            "http://10.0.0.1",
            "ftp://x",
            "nonsense",
        ] {
            assert!(check_api_url(refused, "API", "token").is_err(), "{refused}");
        }
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after", HeaderValue::from_static("3600"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(60)));
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_millis(50)));
        h.insert(
            "retry-after",
            HeaderValue::from_static("2015-10-21 07:28:00 UTC"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_millis(50)));
        let mut r = HeaderMap::new();
        let soon = jiff::Timestamp::now().as_second() + 10;
        r.insert(
            "x-ratelimit-reset",
            HeaderValue::from_str(&soon.to_string()).unwrap(),
        );
        let wait = retry_after(&r).unwrap();
        assert!(wait >= Duration::from_secs(8) && wait <= Duration::from_secs(10));
    }
}
