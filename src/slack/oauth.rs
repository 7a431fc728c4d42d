//! The OAuth v2 install's side of the Web API: the app's client credentials
//! (`SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`, from the environment only) and `oauth.v2.access`,
//! which trades the code Slack hands the browser for the workspace's bot token (issue 14,
//! requirement 6). The secret never appears in logs or errors.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use super::installations::Installation;
use crate::http_client::check_api_url;

pub const CLIENT_ID_VAR: &str = "SLACK_CLIENT_ID";
pub const CLIENT_SECRET_VAR: &str = "SLACK_CLIENT_SECRET";

/// The app's client credentials (Basic Information → App Credentials).
#[derive(Clone)]
pub struct Credentials {
    pub client_id: String,
    secret: String,
}

impl Credentials {
    /// From the environment: `Ok(None)` when neither is set; an error when only one is, or
    /// either is malformed.
    pub fn from_env() -> Result<Option<Credentials>> {
        let read = |var: &str| std::env::var(var).ok().map(|v| v.trim().to_owned());
        match (read(CLIENT_ID_VAR), read(CLIENT_SECRET_VAR)) {
            (None, None) => Ok(None),
            (Some(id), Some(secret)) => Credentials::new(&id, &secret).map(Some),
            (Some(_), None) => bail!("{CLIENT_ID_VAR} is set but {CLIENT_SECRET_VAR} is not"),
            (None, Some(_)) => bail!("{CLIENT_SECRET_VAR} is set but {CLIENT_ID_VAR} is not"),
        }
    }

    pub fn new(client_id: &str, secret: &str) -> Result<Credentials> {
        let id_shaped = !client_id.is_empty()
            && client_id.len() <= 64
            && client_id.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if !id_shaped {
            bail!("{CLIENT_ID_VAR} is not a Slack client id (digits and a dot: 1234567890.123)");
        }
        if secret.is_empty() || !secret.bytes().all(|b| b.is_ascii_graphic()) {
            bail!("{CLIENT_SECRET_VAR} is empty or has spaces in it");
        }
        Ok(Credentials {
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
        })
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, <secret>)", self.client_id)
    }
}

/// Calls `oauth.v2.access` at `api_base` (`SLACK_API_URL`) with `code`; the installation it
/// grants. `redirect_uri` must be the one the authorize link named (Slack checks).
pub async fn exchange(
    api_base: &str,
    credentials: &Credentials,
    code: &str,
    redirect_uri: Option<&str>,
) -> Result<Installation> {
    check_api_url(api_base, "Slack Web API", "client secret")?;
    let url = format!("{}/oauth.v2.access", api_base.trim_end_matches('/'));
    let mut form = vec![
        ("client_id", credentials.client_id.as_str()),
        ("client_secret", credentials.secret.as_str()),
        ("code", code),
    ];
    if let Some(uri) = redirect_uri {
        form.push(("redirect_uri", uri));
    }
    let http = super::download::http_client()?;
    let response = http
        .post(&url)
        .timeout(Duration::from_secs(20))
        .form(&form)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot reach Slack: {}", e.without_url()))?;
    let status = response.status();
    let answer: Map<String, Value> = response
        .json()
        .await
        .with_context(|| format!("oauth.v2.access answered {status} without a JSON object"))?;
    if answer.get("ok") != Some(&Value::Bool(true)) {
        let code = answer
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("unknown_error");
        bail!("oauth.v2.access: Slack says {code}{}", hint(code));
    }
    Installation::from_access(&answer)
}

/// What to do about `oauth.v2.access`'s errors.
fn hint(code: &str) -> &'static str {
    match code {
        "invalid_code" | "code_already_used" | "code_expired" => {
            " (the link was used already or is too old: start again from /slack/install)"
        }
        "bad_client_secret" | "invalid_client_id" => {
            " (check SLACK_CLIENT_ID and SLACK_CLIENT_SECRET against the app's Basic Information page)"
        }
        "bad_redirect_uri" => {
            " (SLACK_REDIRECT_URI must be one of the app's Redirect URLs, on OAuth & Permissions)"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_hide_their_secret_and_are_checked() {
        let c = Credentials::new("1234567890.987", "s3cr3t-value").unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t"));
        assert!(Credentials::new("not an id", "x").is_err());
        assert!(Credentials::new("123.4", "").is_err());
        assert!(Credentials::new("123.4", "with space").is_err());
    }
}
