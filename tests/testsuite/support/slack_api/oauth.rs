//! The fake's OAuth v2 side (issue 14, requirement 6): the app's client credentials, the codes
//! Slack hands a browser once someone approves an install, and `oauth.v2.access`, which trades a
//! code (once) for a bot token of that workspace. Written from Slack's documentation of
//! `oauth.v2.access`: the credentials as form fields (or HTTP Basic auth), the `redirect_uri`
//! required to match the authorize request's when that named one, errors `invalid_client_id`,
//! `bad_client_secret`, `invalid_code` (unknown or used), `bad_redirect_uri`, all with status 200.

use std::collections::HashMap;

use base64::Engine;
use serde_json::{Map, Value, json};

use super::methods::ApiError;

/// An app that can be installed.
#[derive(Debug)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
    /// Codes not yet used: code → the grant.
    pub codes: HashMap<String, Grant>,
    /// Tokens granted: token → workspace id.
    pub tokens: HashMap<String, String>,
}

/// What an approval grants.
#[derive(Debug, Clone)]
pub struct Grant {
    pub team_id: String,
    pub team_name: String,
    pub user: String,
    /// The authorize request's `redirect_uri`, if it named one.
    pub redirect_uri: Option<String>,
}

impl OAuthApp {
    pub fn new(client_id: &str, client_secret: &str) -> OAuthApp {
        OAuthApp {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            codes: HashMap::new(),
            tokens: HashMap::new(),
        }
    }

    /// `oauth.v2.access` with the request's parameters and `Authorization` header.
    pub fn access(
        &mut self,
        params: &Map<String, Value>,
        authorization: Option<&str>,
        scopes: &str,
    ) -> Result<Value, ApiError> {
        let param = |k: &str| params.get(k).and_then(Value::as_str).map(str::to_owned);
        let basic = authorization
            .and_then(|a| a.strip_prefix("Basic "))
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|b| b.split_once(':').map(|(i, s)| (i.to_owned(), s.to_owned())));
        let (id, secret) = match basic {
            Some((id, secret)) => (Some(id), Some(secret)),
            None => (param("client_id"), param("client_secret")),
        };
        if id.as_deref() != Some(self.client_id.as_str()) {
            return Err(ApiError::new("invalid_client_id"));
        }
        if secret.as_deref() != Some(self.client_secret.as_str()) {
            return Err(ApiError::new("bad_client_secret"));
        }
        let code = param("code").unwrap_or_default();
        let Some(grant) = self.codes.get(&code).cloned() else {
            return Err(ApiError::new("invalid_code"));
        };
        if grant.redirect_uri.is_some() && grant.redirect_uri != param("redirect_uri") {
            return Err(ApiError::new("bad_redirect_uri"));
        }
        self.codes.remove(&code);
        let token = format!(
            "xoxb-{}-{}-installedtoken",
            grant.team_id,
            self.tokens.len() + 1
        );
        self.tokens.insert(token.clone(), grant.team_id.clone());
        Ok(json!({
            "access_token": token,
            "token_type": "bot",
            "scope": scopes,
            "bot_user_id": "UFAKEAPP1",
            "app_id": "A1",
            "team": {"id": grant.team_id, "name": grant.team_name},
            "enterprise": null,
            "authed_user": {"id": grant.user},
            "is_enterprise_install": false,
        }))
    }
}
