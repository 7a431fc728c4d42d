//! `apps.connections.open`: the Web API call that trades the app-level token for the URL of a
//! fresh WebSocket link (one use; each reconnection asks again). The URL's ticket is itself a
//! credential for a while, so only its host and path are ever shown.

use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::http_client::{check_api_url, is_loopback, retry_after};
use crate::slack::AppToken;
use crate::slack::client::DEFAULT_API_URL;

/// Errors of `apps.connections.open` that asking again will not mend: the token or the app's
/// settings need a person.
const REFUSALS: [(&str, &str); 7] = [
    ("not_authed", "no token reached Slack"),
    ("invalid_auth", "Slack does not know this app-level token"),
    ("token_revoked", "the app-level token was revoked"),
    ("token_expired", "the app-level token has expired"),
    (
        "account_inactive",
        "the app-level token belongs to a deleted app or workspace",
    ),
    (
        "not_allowed_token_type",
        "this is not an app-level token (xapp-…)",
    ),
    (
        "missing_scope",
        "the app-level token lacks the connections:write scope",
    ),
];

/// Why no link was opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The token or the app's settings are wrong (see [`REFUSALS`]).
    #[error(
        "Slack refused SLACK_APP_TOKEN ({code}): {why}; make an app-level token with the \
         connections:write scope on the app's Basic Information page, and turn Socket Mode on"
    )]
    Refused { code: String, why: &'static str },
    /// Slack asks to wait this long (`apps.connections.open` is a tier 1 method).
    #[error("Slack is rate limiting apps.connections.open")]
    RateLimited(Duration),
    /// The network, a server error, an answer that is not Slack's: worth another try.
    #[error("{0}")]
    Failed(String),
}

/// A WebSocket URL from Slack: `wss://`, or `ws://` to this machine only (a stand-in of Slack).
#[derive(Clone)]
pub struct LinkUrl(reqwest::Url);

impl LinkUrl {
    pub fn parse(text: &str) -> Result<LinkUrl, String> {
        let url = reqwest::Url::parse(text).map_err(|_| "not a URL".to_owned())?;
        match url.scheme() {
            "wss" => {}
            "ws" if is_loopback(&url) => {}
            _ => return Err("not wss:// (plain ws:// only to this machine)".to_owned()),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("no host".to_owned());
        }
        Ok(LinkUrl(url))
    }

    pub fn url(&self) -> &reqwest::Url {
        &self.0
    }
}

/// Without the query (the ticket).
impl std::fmt::Display for LinkUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let u = &self.0;
        write!(
            f,
            "{}://{}{}",
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.path()
        )
    }
}

impl std::fmt::Debug for LinkUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LinkUrl({self})")
    }
}

/// Opens links for one app.
#[derive(Debug, Clone)]
pub struct Opener {
    http: reqwest::Client,
    /// `…/apps.connections.open`.
    method_url: String,
    token: AppToken,
}

impl Opener {
    /// Against the Web API at `base` (`SLACK_API_URL`'s form: `https://slack.com/api/`).
    pub fn new(base: &str, token: AppToken) -> Result<Opener> {
        check_api_url(base, "Slack Web API", "Slack app-level token")?;
        let base = base.trim_end_matches('/');
        Ok(Opener {
            http: crate::slack::download::http_client()?,
            method_url: format!("{base}/apps.connections.open"),
            token,
        })
    }

    /// `SLACK_APP_TOKEN` (or `SLACK_APP_TOKEN_FILE`) and `SLACK_API_URL`.
    pub fn from_env(project_root: &std::path::Path) -> Result<Opener> {
        let token = AppToken::from_env(project_root)?;
        let base = std::env::var("SLACK_API_URL").unwrap_or_else(|_| DEFAULT_API_URL.to_owned());
        Opener::new(&base, token).context("in SLACK_API_URL")
    }

    /// One `apps.connections.open`.
    pub async fn open(&self) -> Result<LinkUrl, OpenError> {
        let sent = self
            .http
            .post(&self.method_url)
            .bearer_auth(self.token.secret())
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        let response = sent.map_err(|e| {
            OpenError::Failed(format!(
                "cannot reach apps.connections.open: {}",
                e.without_url()
            ))
        })?;
        let status = response.status().as_u16();
        if status == 429 {
            let wait = retry_after(response.headers()).unwrap_or(Duration::from_secs(30));
            return Err(OpenError::RateLimited(wait));
        }
        let body: Value = response.json().await.map_err(|_| {
            OpenError::Failed(format!(
                "apps.connections.open answered HTTP {status} without Slack's JSON"
            ))
        })?;
        if body.get("ok") != Some(&Value::Bool(true)) {
            let code = body
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown_error");
            if code == "ratelimited" {
                return Err(OpenError::RateLimited(Duration::from_secs(30)));
            }
            return Err(match REFUSALS.iter().find(|(c, _)| *c == code) {
                Some((code, why)) => OpenError::Refused {
                    code: (*code).to_owned(),
                    why,
                },
                None => OpenError::Failed(format!(
                    "apps.connections.open failed: {}",
                    code.chars().take(60).collect::<String>()
                )),
            });
        }
        let url = body.get("url").and_then(Value::as_str).unwrap_or_default();
        LinkUrl::parse(url).map_err(|why| {
            OpenError::Failed(format!(
                "apps.connections.open gave a link that is not usable: {why}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_wss_or_ws_to_this_machine_and_never_show_their_ticket() {
        let link =
            LinkUrl::parse("wss://wss-primary.slack.com/link/?ticket=secret&app_id=A1").unwrap();
        assert_eq!(link.to_string(), "wss://wss-primary.slack.com/link/");
        assert!(!format!("{link:?}").contains("secret"));
        assert!(LinkUrl::parse("ws://127.0.0.1:9/link/?ticket=1").is_ok());
        assert!(LinkUrl::parse("ws://[::1]:9/link/").is_ok());
        for refused in [
            "ws://wss-primary.slack.com/link/",
            "https://slack.com/link/",
            "",
            "mailto:a@b",
        ] {
            assert!(LinkUrl::parse(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_token_goes_only_to_https_or_this_machine() {
        let token = AppToken::parse("xapp-1-A1-2-x").unwrap();
        assert!(Opener::new("http://slack.example/api/", token.clone()).is_err());
        let opener = Opener::new("http://127.0.0.1:9/api/", token).unwrap();
        assert_eq!(
            opener.method_url,
            "http://127.0.0.1:9/api/apps.connections.open"
        );
    }
}
