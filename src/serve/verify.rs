//! Is this request from Slack? Slack signs every request with the app's signing secret:
//! `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{X-Slack-Request-Timestamp}:{raw body}">`.
//!
//! The comparison is constant-time (a timing leak would let an attacker forge a signature byte by
//! byte), and a timestamp more than five minutes from now is refused, so a captured request cannot
//! be replayed later. Apps created before signing secrets may still use the legacy verification
//! token inside the body; that is accepted only when the operator configures it and no signing
//! secret is configured: the token sits in every request body, so with a secret at hand an
//! unsigned request is refused whatever token it carries (issue 11).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a request's timestamp may be from now, in seconds (Slack's recommendation).
pub const MAX_SKEW_SECONDS: i64 = 5 * 60;

/// How requests are checked.
#[derive(Clone)]
pub struct Verifier {
    secret: Option<Vec<u8>>,
    legacy_token: Option<String>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secrets.
        f.debug_struct("Verifier")
            .field("signing_secret", &self.secret.is_some())
            .field("legacy_token", &self.legacy_token.is_some())
            .finish()
    }
}

/// Why a request was refused (a 401; the log line says which).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "no X-Slack-Signature header (every request must be signed when a signing secret is configured)"
    )]
    MissingSignature,
    #[error("no valid X-Slack-Request-Timestamp header")]
    BadTimestamp,
    #[error("the request's timestamp is {0} s from now (more than 5 minutes): a replay?")]
    Stale(i64),
    #[error("the signature is not `v0=` and 64 hex digits")]
    MalformedSignature,
    #[error("the signature does not match the signing secret")]
    WrongSignature,
    #[error("the legacy verification token does not match")]
    WrongToken,
}

impl Verifier {
    /// A verifier with a signing secret, a legacy token, or both (at least one).
    pub fn new(secret: Option<&str>, legacy_token: Option<&str>) -> Verifier {
        Verifier {
            secret: secret
                .filter(|s| !s.is_empty())
                .map(|s| s.as_bytes().to_vec()),
            legacy_token: legacy_token.filter(|t| !t.is_empty()).map(str::to_owned),
        }
    }

    pub fn has_secret(&self) -> bool {
        self.secret.is_some()
    }

    /// Checks what the headers alone can tell, before the body is read: with a signing secret,
    /// a request without a well-formed, fresh signature is refused without reading a byte of
    /// its body (issue 11, defect 3: bodies were buffered before any check).
    pub fn check_headers(
        &self,
        signature: Option<&str>,
        timestamp: Option<&str>,
        now: i64,
    ) -> Result<(), Refusal> {
        match (signature, &self.secret) {
            (Some(sig), Some(_)) => signature_parts(sig, timestamp, now).map(drop),
            (None, Some(_)) => Err(Refusal::MissingSignature),
            (_, None) if self.legacy_token.is_none() => Err(Refusal::MissingSignature),
            (_, None) => Ok(()),
        }
    }

    /// Checks a request from its two headers (as sent, when present), its raw body and the
    /// current Unix time.
    pub fn check(
        &self,
        signature: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), Refusal> {
        match (signature, &self.secret) {
            (Some(sig), Some(secret)) => {
                let (given, timestamp) = signature_parts(sig, timestamp, now)?;
                // `verify_slice` compares in constant time.
                mac(secret, timestamp, body)
                    .verify_slice(&given)
                    .map_err(|_| Refusal::WrongSignature)
            }
            // With a secret, only signed requests.
            (None, Some(_)) => Err(Refusal::MissingSignature),
            // No secret: the legacy token is all there is to check.
            (_, None) => self.check_token(body),
        }
    }

    fn check_token(&self, body: &[u8]) -> Result<(), Refusal> {
        let Some(expected) = &self.legacy_token else {
            return Err(Refusal::MissingSignature);
        };
        let json_token = |bytes: &[u8]| {
            serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .and_then(|v| v.get("token").and_then(|t| t.as_str()).map(str::to_owned))
        };
        // Events are JSON; commands are forms with a `token` field, interactions forms with
        // the JSON in `payload`.
        let given = json_token(body)
            .or_else(|| {
                form_urlencoded::parse(body).find_map(|(k, v)| match &*k {
                    "token" => Some(v.into_owned()),
                    "payload" => json_token(v.as_bytes()),
                    _ => None,
                })
            })
            .unwrap_or_default();
        if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            Ok(())
        } else {
            Err(Refusal::WrongToken)
        }
    }
}

/// The signature's 32 bytes and the timestamp it signs, if both are well-formed and the
/// timestamp is within [`MAX_SKEW_SECONDS`] of `now`.
fn signature_parts<'a>(
    signature: &str,
    timestamp: Option<&'a str>,
    now: i64,
) -> Result<(Vec<u8>, &'a str), Refusal> {
    let timestamp = timestamp.map(str::trim).ok_or(Refusal::BadTimestamp)?;
    let ts = timestamp
        .parse::<i64>()
        .map_err(|_| Refusal::BadTimestamp)?;
    let skew = now.saturating_sub(ts);
    if skew.saturating_abs() > MAX_SKEW_SECONDS {
        return Err(Refusal::Stale(skew));
    }
    let hex_sig = signature
        .trim()
        .strip_prefix("v0=")
        .ok_or(Refusal::MalformedSignature)?;
    let given = hex::decode(hex_sig).map_err(|_| Refusal::MalformedSignature)?;
    if given.len() != 32 {
        return Err(Refusal::MalformedSignature);
    }
    Ok((given, timestamp))
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

/// The `X-Slack-Signature` Slack would send for `body` at `timestamp` (for tests and the load
/// generator).
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let bytes = mac(secret.as_bytes(), timestamp, body)
        .finalize()
        .into_bytes();
    format!("v0={}", hex::encode(bytes))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // Slack's worked example from "Verifying requests from Slack".
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    #[test]
    fn slacks_documented_example() {
        assert_eq!(sign(SECRET, TIMESTAMP, BODY.as_bytes()), SIGNATURE);
        let v = Verifier::new(Some(SECRET), None);
        let now = 1531420618 + 10;
        assert_eq!(
            v.check(Some(SIGNATURE), Some(TIMESTAMP), BODY.as_bytes(), now),
            Ok(())
        );
    }

    #[test]
    fn refusals() {
        let v = Verifier::new(Some(SECRET), None);
        let body = BODY.as_bytes();
        let now = 1531420618;
        let check = |sig: Option<&str>, ts: Option<&str>, body: &[u8], now: i64| {
            v.check(sig, ts, body, now).unwrap_err()
        };
        assert_eq!(
            check(Some(SIGNATURE), Some(TIMESTAMP), b"token=changed", now),
            Refusal::WrongSignature
        );
        assert_eq!(
            check(Some(SIGNATURE), Some(TIMESTAMP), body, now + 301),
            Refusal::Stale(301)
        );
        assert_eq!(
            check(Some(SIGNATURE), Some(TIMESTAMP), body, now - 301),
            Refusal::Stale(-301)
        );
        assert_eq!(
            check(Some(SIGNATURE), None, body, now),
            Refusal::BadTimestamp
        );
        assert_eq!(
            check(Some(SIGNATURE), Some("soon"), body, now),
            Refusal::BadTimestamp
        );
        assert_eq!(
            check(Some("v1=abcd"), Some(TIMESTAMP), body, now),
            Refusal::MalformedSignature
        );
        assert_eq!(
            check(Some("v0=zz"), Some(TIMESTAMP), body, now),
            Refusal::MalformedSignature
        );
        assert_eq!(
            check(None, Some(TIMESTAMP), body, now),
            Refusal::MissingSignature
        );
        // The timestamp is part of what is signed.
        assert_eq!(
            check(Some(SIGNATURE), Some("1531420619"), body, now),
            Refusal::WrongSignature
        );
    }

    #[test]
    fn headers_alone_refuse_what_no_body_could_save() {
        let v = Verifier::new(Some(SECRET), None);
        let now = 1531420618;
        let headers = |sig, ts, now| v.check_headers(sig, ts, now);
        assert_eq!(headers(Some(SIGNATURE), Some(TIMESTAMP), now), Ok(()));
        assert_eq!(
            headers(None, Some(TIMESTAMP), now),
            Err(Refusal::MissingSignature)
        );
        assert_eq!(
            headers(Some(SIGNATURE), Some(TIMESTAMP), now + 301),
            Err(Refusal::Stale(301))
        );
        assert_eq!(
            headers(Some("v0=12"), Some(TIMESTAMP), now),
            Err(Refusal::MalformedSignature)
        );
        assert_eq!(
            headers(Some(SIGNATURE), None, now),
            Err(Refusal::BadTimestamp)
        );
        // The legacy token is in the body: the headers cannot refuse such a request.
        let token_only = Verifier::new(None, Some("legacy123"));
        assert_eq!(token_only.check_headers(None, None, now), Ok(()));
    }

    #[test]
    fn timestamps_far_from_now_are_stale_not_an_overflow() {
        let v = Verifier::new(Some(SECRET), None);
        for ts in [i64::MIN.to_string(), i64::MAX.to_string()] {
            assert!(matches!(
                v.check(Some(SIGNATURE), Some(&ts), BODY.as_bytes(), 1_531_420_618),
                Err(Refusal::Stale(_))
            ));
        }
        assert!(matches!(
            v.check(Some(SIGNATURE), Some("0"), BODY.as_bytes(), i64::MIN),
            Err(Refusal::Stale(_))
        ));
    }

    #[test]
    fn the_legacy_token_only_when_configured() {
        let body = br#"{"token":"legacy123","type":"url_verification","challenge":"x"}"#;
        let plain = Verifier::new(Some(SECRET), None);
        assert_eq!(
            plain.check(None, None, body, 0),
            Err(Refusal::MissingSignature)
        );
        let token_only = Verifier::new(None, Some("legacy123"));
        assert_eq!(token_only.check(None, None, body, 0), Ok(()));
        // With a signing secret too, the token (static, in every body) opens nothing: an
        // unsigned request is refused (issue 11).
        let legacy = Verifier::new(Some(SECRET), Some("legacy123"));
        assert_eq!(
            legacy.check(None, None, body, 0),
            Err(Refusal::MissingSignature)
        );
        let form = b"token=legacy123&command=%2Fscrollback&text=status";
        assert_eq!(token_only.check(None, None, form, 0), Ok(()));
        let wrong = Verifier::new(None, Some("other"));
        assert_eq!(wrong.check(None, None, form, 0), Err(Refusal::WrongToken));
        assert_eq!(wrong.check(None, None, body, 0), Err(Refusal::WrongToken));
        // A signed request must verify with the secret; the token is no way around it.
        assert_eq!(
            legacy.check(Some(SIGNATURE), Some("1"), body, 1),
            Err(Refusal::WrongSignature)
        );
        assert!(!format!("{legacy:?}").contains("legacy123"));
    }
}
