//! Fetching one file from Slack (an upload, a thumbnail, an emoji image): the size limit, the
//! login-page check, and error text that never carries a URL's query, where an official
//! export's file URLs keep their `?t=xoxe-…` token.
//!
//! [`SlackClient::download`](super::SlackClient::download) sends the bot token with it;
//! `import --files` sends none, as the export's URLs carry their own.

use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::content::tokens::strip_tokens_str;

/// A file fetched from Slack.
#[derive(Debug, Clone)]
pub struct Download {
    pub bytes: Vec<u8>,
    /// The `Content-Type` Slack sent, without parameters, lower case.
    pub content_type: String,
}

/// An HTTP client for downloads (the same settings as the Web API's).
pub fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("scrollback/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .build()
        .context("cannot start an HTTP client")
}

/// Fetches `url`, at most `max_bytes`, with `bearer` as its token if given. A URL that carries
/// a secret (the bearer, or a token in its query) goes only over https, or plain http to this
/// machine. An HTML answer is an error: Slack answers a file request it does not authorize with
/// its login page and status 200. No error names the URL's query.
pub async fn fetch(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    max_bytes: u64,
) -> Result<Download> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| anyhow::anyhow!("{:?} is not a URL", shown_str(url)))?;
    let shown = without_query(&parsed);
    if !matches!(parsed.scheme(), "https" | "http") {
        bail!("{shown}: only http(s) downloads");
    }
    let carries_secret = bearer.is_some() || strip_tokens_str(url).is_some();
    if carries_secret && parsed.scheme() == "http" && !crate::http_client::is_loopback(&parsed) {
        bail!("refusing to download {shown}: its token would travel over plain http");
    }
    let mut request = http.get(parsed.clone());
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| anyhow::Error::new(e.without_url()))
        .with_context(|| format!("cannot download {shown}"))?;
    let status = response.status().as_u16();
    if status != 200 {
        bail!("cannot download {shown}: HTTP {status}");
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if content_type == "text/html" {
        bail!(
            "cannot download {shown}: Slack answered with a web page (its login page), not the file: the token lacks files:read, has expired, or the file is not shared where the app can see it"
        );
    }
    let too_large = || {
        anyhow::anyhow!(
            "{shown} is larger than the limit of {}",
            crate::human::bytes(max_bytes)
        )
    };
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| anyhow::Error::new(e.without_url()))
        .with_context(|| format!("the download of {shown} broke off"))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > max_bytes {
            return Err(too_large());
        }
    }
    Ok(Download {
        bytes,
        content_type,
    })
}

/// A URL for messages: its query (official exports put a token in it) left out.
pub fn without_query(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.to_string()
}

/// [`without_query`] for text that may not parse as a URL.
fn shown_str(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_error_names_the_query_or_sends_a_token_over_plain_http() {
        let http = http_client().unwrap();
        let token = "xoxe-1234567890-abcdef";
        let far = format!("http://files.example/F1/a.png?t={token}");
        let err = format!("{:#}", fetch(&http, &far, None, 10).await.unwrap_err());
        assert!(err.contains("plain http") && !err.contains(token), "{err}");
        // Nothing listens on port 9 here: the connection error must not quote the URL.
        let near = format!("http://127.0.0.1:9/F1/a.png?t={token}");
        let err = format!("{:#}", fetch(&http, &near, None, 10).await.unwrap_err());
        assert!(
            err.contains("cannot download") && !err.contains(token),
            "{err}"
        );
        let err = format!(
            "{:#}",
            fetch(&http, "nota url?t=x", None, 10).await.unwrap_err()
        );
        assert!(!err.contains("t=x"), "{err}");
    }
}
