//! "Add to Slack" (issue 14, requirement 6): `GET /slack/install` shows the scopes the app asks
//! for and links to Slack's authorize page with a fresh [`state`]; Slack sends the browser back
//! to `GET /slack/oauth/callback`, which checks the state, trades the code for the workspace's
//! bot token (`oauth.v2.access`, [`crate::slack::oauth`]) and keeps it as an installation
//! ([`crate::slack::installations`]), from which events, commands and interactions of that
//! workspace are answered.
//!
//! Configured from the environment only: `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` (without
//! them both routes answer 404), `SLACK_REDIRECT_URI` (the callback's public address; without
//! it the authorize link names none and Slack uses the app's one Redirect URL), and
//! `SLACK_OAUTH_URL` (Slack's authorize page, for tests).

mod pages;
pub mod state;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::http::App;
use crate::slack::oauth::{self as slack_oauth, Credentials};
use state::{Check, States};

pub const REDIRECT_VAR: &str = "SLACK_REDIRECT_URI";
pub const AUTHORIZE_VAR: &str = "SLACK_OAUTH_URL";
pub const DEFAULT_AUTHORIZE_URL: &str = "https://slack.com/oauth/v2/authorize";

/// The install's settings and the states in flight.
#[derive(Debug)]
pub struct OAuth {
    credentials: Credentials,
    redirect_uri: Option<String>,
    authorize_url: String,
    api_url: String,
    states: States,
}

impl OAuth {
    /// The install as the environment configures it; `None` (said in the log) when it does not.
    pub fn from_env() -> Option<OAuth> {
        let credentials = match Credentials::from_env() {
            Ok(Some(c)) => c,
            Ok(None) => {
                tracing::info!(
                    "no SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: /slack/install (Add to Slack) \
                     is off"
                );
                return None;
            }
            Err(e) => {
                tracing::warn!("/slack/install (Add to Slack) is off: {e:#}");
                return None;
            }
        };
        let redirect_uri = std::env::var(REDIRECT_VAR).ok().filter(|u| !u.is_empty());
        let authorize_url =
            std::env::var(AUTHORIZE_VAR).unwrap_or_else(|_| DEFAULT_AUTHORIZE_URL.to_owned());
        let checked = [
            (AUTHORIZE_VAR, Some(&authorize_url)),
            (REDIRECT_VAR, redirect_uri.as_ref()),
        ];
        for (var, url) in checked {
            if let Some(url) = url
                && let Err(e) = crate::http_client::check_api_url(url, var, "OAuth code")
            {
                tracing::warn!("/slack/install (Add to Slack) is off: {e:#}");
                return None;
            }
        }
        match &redirect_uri {
            Some(uri) => tracing::info!("Add to Slack: /slack/install, Slack returns to {uri}"),
            None => tracing::info!(
                "Add to Slack: /slack/install; no {REDIRECT_VAR}, so Slack returns to the app's \
                 Redirect URL"
            ),
        }
        Some(OAuth {
            credentials,
            redirect_uri,
            authorize_url,
            api_url: crate::slack::client::api_url_from_env(),
            states: States::default(),
        })
    }

    /// Slack's authorize page for `state`.
    fn authorize_link(&self, state: &str) -> Option<String> {
        let mut url = reqwest::Url::parse(&self.authorize_url).ok()?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", &self.credentials.client_id)
                .append_pair("scope", &crate::slack::scopes::bot_scope_param());
            if let Some(uri) = &self.redirect_uri {
                query.append_pair("redirect_uri", uri);
            }
            query.append_pair("state", state);
        }
        Some(url.into())
    }

    /// Whether the state cookie may say `Secure`: the callback is served over HTTPS.
    fn secure(&self, headers: &HeaderMap) -> bool {
        match &self.redirect_uri {
            Some(uri) => uri.starts_with("https://"),
            None => headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|p| p.eq_ignore_ascii_case("https")),
        }
    }
}

fn off(route: &str) -> Response {
    tracing::info!(
        "GET {route}: 404, Add to Slack is off (set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)"
    );
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// `GET /slack/install`.
pub async fn install(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let Some(oauth) = &app.oauth else {
        return off("/slack/install");
    };
    let csp = app.csp.as_deref();
    let link = oauth
        .states
        .issue(Instant::now())
        .and_then(|state| Some((oauth.authorize_link(&state)?, state)));
    let Some((link, state)) = link else {
        tracing::warn!("GET /slack/install: 503, too many installs in progress");
        return pages::not_installed(
            StatusCode::SERVICE_UNAVAILABLE,
            csp,
            "Too many installs are in progress right now. Try again in a few minutes.",
        );
    };
    let mut page = pages::install(csp, &link);
    set_cookie(&mut page, Some(&state), oauth.secure(&headers));
    page
}

/// `GET /slack/oauth/callback?code=…&state=…` (or `?error=access_denied&state=…`).
pub async fn callback(State(app): State<Arc<App>>, request: Request) -> Response {
    let Some(oauth) = &app.oauth else {
        return off("/slack/oauth/callback");
    };
    let csp = app.csp.as_deref();
    let query: Vec<(String, String)> =
        form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let headers = request.headers();
    let secure = oauth.secure(headers);
    let refuse = |status: StatusCode, log: &str, why: &str| {
        tracing::warn!("GET /slack/oauth/callback: {}, {log}", status.as_u16());
        let mut page = pages::not_installed(status, csp, why);
        set_cookie(&mut page, None, secure);
        page
    };
    let state = param("state").unwrap_or_default();
    let check = if state.is_empty() {
        Err("no state")
    } else if !state::cookie_matches(state::cookie_in(headers), state) {
        Err("the state is not this browser's (no cookie, or another one)")
    } else {
        match oauth.states.take(state, Instant::now()) {
            Check::Valid => Ok(()),
            Check::Unknown => Err("an unknown or already used state"),
            Check::Expired => Err("an expired state"),
        }
    };
    if let Some(error) = param("error") {
        let error: String = error.chars().take(60).collect();
        let why = if error == "access_denied" {
            "The install was cancelled in Slack: nothing was installed.".to_owned()
        } else {
            format!("Slack did not install the app ({error}).")
        };
        return refuse(StatusCode::OK, &format!("Slack says {error:?}"), &why);
    }
    if let Err(log) = check {
        return refuse(
            StatusCode::BAD_REQUEST,
            log,
            "This install link is not valid here: it was already used, is more than ten \
             minutes old, or was started in another browser. Nothing was installed.",
        );
    }
    let Some(code) = param("code") else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "no code",
            "Slack's answer has no code: nothing was installed.",
        );
    };
    let exchanged = slack_oauth::exchange(
        &oauth.api_url,
        &oauth.credentials,
        code,
        oauth.redirect_uri.as_deref(),
    )
    .await;
    let installation = match exchanged {
        Ok(i) => i,
        Err(e) => {
            return refuse(
                StatusCode::BAD_GATEWAY,
                &format!("{e:#}"),
                &format!("Slack did not give the app its token: {e:#}. Nothing was installed."),
            );
        }
    };
    let (team, team_id) = (installation.team_name.clone(), installation.team_id.clone());
    let by = installation.installed_by.clone().unwrap_or_default();
    let saved = {
        let installations = app.installations.clone();
        tokio::task::spawn_blocking(move || installations.save(installation)).await
    };
    match saved {
        Ok(Ok(path)) => {
            tracing::info!(
                "installed in {team} ({team_id}) by {by}: kept in {}",
                path.display()
            );
            let mut page = pages::installed(csp, &team);
            set_cookie(&mut page, None, secure);
            page
        }
        Ok(Err(e)) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("cannot keep the installation of {team_id}: {e:#}"),
            "The app was authorized but this server could not keep its token (its log says \
             why). Nothing was installed.",
        ),
        Err(e) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("cannot keep the installation of {team_id}: {e}"),
            "The app was authorized but this server could not keep its token. Nothing was \
             installed.",
        ),
    }
}

fn set_cookie(page: &mut Response, state: Option<&str>, secure: bool) {
    if let Ok(value) = HeaderValue::from_str(&state::set_cookie(state, secure)) {
        page.headers_mut().append(header::SET_COOKIE, value);
    }
}
