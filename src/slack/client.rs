//! The Web API client: one method call, paced, retried and checked; cursor pagination on top.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use super::error::SlackError;
use super::pacing::Pacer;
use super::token::BotToken;
use crate::http_client::{check_api_url, retry_after};

/// Where the Web API is unless `SLACK_API_URL` says otherwise.
pub const DEFAULT_API_URL: &str = "https://slack.com/api/";
/// `SCROLLBACK_SLACK_PACING=off` turns tier pacing off (for stand-ins of Slack and benchmarks).
pub const PACING_VAR: &str = "SCROLLBACK_SLACK_PACING";
/// Attempts of one call through 429s and server errors.
const ATTEMPTS: u32 = 8;

/// A client of one workspace's Web API.
#[derive(Debug, Clone)]
pub struct SlackClient {
    http: reqwest::Client,
    /// Ends with `/`: `https://slack.com/api/`.
    base: String,
    token: BotToken,
    pacer: Arc<Pacer>,
}

impl SlackClient {
    /// A client of the API at `base` with `token`.
    pub fn new(base: &str, token: BotToken, pacing: bool) -> Result<SlackClient> {
        check_api_url(base, "Slack Web API", "Slack token")?;
        let base = if base.ends_with('/') {
            base.to_owned()
        } else {
            format!("{base}/")
        };
        let http = super::download::http_client()?;
        Ok(SlackClient {
            http,
            base,
            token,
            pacer: Arc::new(Pacer::new(pacing)),
        })
    }

    /// The same client (token, API, shared pacing) with a connection pool of its own, for a
    /// thread that runs its own async runtime. A pooled connection belongs to the runtime that
    /// opened it: a thread whose runtime sits idle between requests (the name look-ups) would
    /// leave another thread's request on that connection waiting for ever.
    pub fn for_own_runtime(&self) -> Result<SlackClient> {
        Ok(SlackClient {
            http: super::download::http_client()?,
            ..self.clone()
        })
    }

    /// The client the environment describes: `SLACK_BOT_TOKEN` (or `SLACK_BOT_TOKEN_FILE`),
    /// `SLACK_API_URL`, and `SCROLLBACK_SLACK_PACING`.
    pub fn from_env(project_root: &Path) -> Result<SlackClient> {
        SlackClient::for_token(BotToken::from_env(project_root)?)
    }

    /// A client with `token` (a workspace's, from its installation) and the rest from the
    /// environment: `SLACK_API_URL` and `SCROLLBACK_SLACK_PACING`.
    pub fn for_token(token: BotToken) -> Result<SlackClient> {
        let pacing = std::env::var(PACING_VAR).map_or(true, |v| v != "off");
        SlackClient::new(&api_url_from_env(), token, pacing).context("in SLACK_API_URL")
    }

    /// The token this client sends (for [`super::installations`]).
    pub fn token(&self) -> &BotToken {
        &self.token
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// Calls `method` with form parameters; the answer's JSON object when Slack says `ok`.
    pub async fn call(
        &self,
        method: &str,
        params: &[(&str, String)],
    ) -> Result<Map<String, Value>, SlackError> {
        let url = format!("{}{method}", self.base);
        let mut backoff = Duration::from_millis(500);
        let mut attempt = 1;
        loop {
            let wait = self.pacer.wait_before(method, Instant::now());
            if !wait.is_zero() {
                tracing::debug!("{method}: pacing, {wait:?}");
                tokio::time::sleep(wait).await;
            }
            let sent = self
                .http
                .post(&url)
                .bearer_auth(self.token.secret())
                .form(params)
                .send()
                .await;
            let response = match sent {
                Ok(r) => r,
                Err(source) if attempt >= ATTEMPTS || source.is_builder() => {
                    return Err(SlackError::Network {
                        method: method.to_owned(),
                        url,
                        source: source.without_url(),
                    });
                }
                Err(_) => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    attempt += 1;
                    continue;
                }
            };
            let status = response.status().as_u16();
            if status == 429 || status >= 500 {
                if attempt >= ATTEMPTS {
                    return Err(if status == 429 {
                        SlackError::RateLimited {
                            method: method.to_owned(),
                            attempts: attempt,
                        }
                    } else {
                        not_slack(method, &url, status, "a server error")
                    });
                }
                let wait = if status == 429 {
                    self.pacer.throttled(method, Instant::now());
                    let wait = retry_after(response.headers()).unwrap_or(Duration::from_secs(30));
                    tracing::info!(
                        "Slack is rate limiting {method}: waiting {} as it asks",
                        crate::human::seconds(wait.as_secs_f64())
                    );
                    wait
                } else {
                    backoff
                };
                tokio::time::sleep(wait).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
                attempt += 1;
                continue;
            }
            let is_json = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("json"));
            if !is_json {
                return Err(not_slack(method, &url, status, "a web page"));
            }
            let body: Value = match response.json().await {
                Ok(v) => v,
                Err(_) => return Err(not_slack(method, &url, status, "broken JSON")),
            };
            let Value::Object(body) = body else {
                return Err(not_slack(
                    method,
                    &url,
                    status,
                    "JSON that is not an object",
                ));
            };
            if body.get("ok") == Some(&Value::Bool(true)) {
                return Ok(body);
            }
            let code = body
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown_error")
                .to_owned();
            if code == "ratelimited" && attempt < ATTEMPTS {
                self.pacer.throttled(method, Instant::now());
                tokio::time::sleep(Duration::from_secs(1)).await;
                attempt += 1;
                continue;
            }
            return Err(SlackError::Api {
                method: method.to_owned(),
                code,
                needed: body
                    .get("needed")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            });
        }
    }
}

pub use super::download::Download;

impl SlackClient {
    /// Fetches `url` (an emoji image, an upload's `url_private`), at most `max_bytes`. The token
    /// goes along only to the API's own host or, over HTTPS, to `*.slack.com`
    /// (`files.slack.com`): emoji live on a CDN that needs none, and a URL from a message must
    /// never carry the token elsewhere. An HTML answer (Slack's login page) is an error, never
    /// a file ([`super::download::fetch`]).
    pub async fn download(&self, url: &str, max_bytes: u64) -> Result<Download> {
        let parsed = reqwest::Url::parse(url).ok();
        let api_host = reqwest::Url::parse(&self.base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned));
        let trusted = parsed.as_ref().is_some_and(|parsed| {
            let host = parsed.host_str().unwrap_or_default();
            api_host.as_deref() == Some(host)
                || (parsed.scheme() == "https"
                    && (host == "slack.com" || host.ends_with(".slack.com")))
        });
        let bearer = trusted.then(|| self.token.secret());
        super::download::fetch(&self.http, url, bearer, max_bytes).await
    }
}

/// `SLACK_API_URL`, or Slack's own.
pub fn api_url_from_env() -> String {
    std::env::var("SLACK_API_URL").unwrap_or_else(|_| DEFAULT_API_URL.to_owned())
}

/// The cursor of the next page, if there is one (`response_metadata.next_cursor`, `""` at the
/// end).
pub fn next_cursor(answer: &Map<String, Value>) -> Option<String> {
    answer
        .get("response_metadata")
        .and_then(|m| m.get("next_cursor"))
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}

/// The array under `key` of an answer, taken out.
pub fn take_array(answer: &mut Map<String, Value>, key: &str) -> Vec<Value> {
    match answer.remove(key) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

fn not_slack(method: &str, url: &str, status: u16, what: &str) -> SlackError {
    SlackError::NotSlack {
        method: method.to_owned(),
        url: url.to_owned(),
        status,
        what: what.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cursors_end_with_an_empty_string() {
        let more =
            json!({"ok": true, "response_metadata": {"next_cursor": "dXNlcjpVMDYxTkZUVDI="}});
        assert_eq!(
            next_cursor(more.as_object().unwrap()).as_deref(),
            Some("dXNlcjpVMDYxTkZUVDI=")
        );
        let end = json!({"ok": true, "response_metadata": {"next_cursor": ""}});
        assert_eq!(next_cursor(end.as_object().unwrap()), None);
        assert_eq!(next_cursor(json!({"ok": true}).as_object().unwrap()), None);
    }

    #[test]
    fn the_token_goes_only_to_https_or_this_machine() {
        let token = BotToken::parse("xoxb-1-2").unwrap();
        assert!(SlackClient::new("http://slack.example/api/", token.clone(), true).is_err());
        let client = SlackClient::new("http://127.0.0.1:9/api", token, true).unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9/api/");
    }
}
