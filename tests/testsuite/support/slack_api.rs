//! A fake of Slack's Web API and file hosts for the tests, written from Slack's documentation
//! and checked against the official `slack_sdk` (tests/testsuite/slack_api_fake.rs). It serves a
//! [`Workspace`] over HTTP on loopback, records what it was asked, and lets a test inject
//! faults (429s, `ok:false` errors) or change the workspace while a client runs.
//!
//! Modelled:
//! - Requests as Slack takes them: POST form or JSON bodies, or GET query strings; the token as
//!   `Authorization: Bearer …` or a `token` parameter (`not_authed`, `invalid_auth`); unknown
//!   methods (`unknown_method`); `ok:false` answers with status 200.
//! - auth.test, conversations.list/info/history/replies/create/invite/join, users.list/info,
//!   bots.info, emoji.list, chat.postMessage, chat.postEphemeral, usergroups.users.list,
//!   views.open (the view kept for the test), with the errors each names (`channel_not_found`,
//!   `not_in_channel`, `name_taken`, `user_not_found`, `bot_not_found`, `thread_not_found`,
//!   `invalid_cursor`, …). Details in `slack_api/methods.rs`.
//! - Cursor pagination with opaque cursors, `has_more`, `next_cursor` "" after the last page,
//!   and a page limit whatever `limit` asks (15 for commercially distributed non-Marketplace
//!   apps since 2025). History is newest first and hides thread replies except broadcasts;
//!   parents carry `reply_count`/`latest_reply` computed from their replies; replies repeat the
//!   parent on every page.
//! - 429 with `Retry-After` and `{"ok":false,"error":"ratelimited"}`.
//! - Files on `/files-pri/` and thumbnails on `/files-tmb/`: the bytes for the bot token or the
//!   workspace's export token (`?t=xoxe-…`); otherwise Slack's trap, a login page with status
//!   200; 404 once deleted. Emoji and avatars are served without a token, like Slack's CDN.
//! - Posting, joining and inviting add messages to the history, as Slack does.
//! - Response URLs (`/commands/…`, see [`FakeSlack::response_url`]): JSON bodies recorded; a
//!   token or a body that is not JSON is refused, as Slack does.
//! - OAuth v2 ([`FakeSlack::enable_oauth`], `slack_api/oauth.rs`): codes for approved installs
//!   and `oauth.v2.access`, whose workspace tokens the other methods then take as well as the
//!   bot token; which token each call carried is kept ([`FakeSlack::tokens_used`]).
//! - apps.connections.open with an app-level token (`xapp-…`) once Socket Mode is enabled
//!   ([`FakeSlack::enable_socket_mode`]): the `ws://` URL of a fresh link on the fake Socket Mode
//!   server (support/slack_socket.rs); `not_allowed_token_type` for the bot token.
//!
//! Not modelled: scopes per token (only `missing_scope` injected with [`FakeSlack::fail_next`]),
//! tiers and real pacing (429s only when asked), user tokens, Enterprise Grid, `conversations.members`,
//! file uploads, search, message metadata, thumbnails resized (they serve the original bytes),
//! the private-channel `groups:` scopes.

mod files;
mod methods;
mod oauth;
mod workspace;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

use methods::{Api, ApiError};
#[allow(unused_imports)]
pub use workspace::{Channel, File, Ts, Workspace};

/// A valid PNG of `width`×`height` (for files a browser must be able to show).
#[allow(dead_code)]
pub fn png(width: u32, height: u32) -> Vec<u8> {
    files::png(width, height, 7, 0)
}

/// A running fake; stops when dropped.
pub struct FakeSlack {
    addr: String,
    shared: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Faults to inject in one method's next calls.
#[derive(Debug, Default)]
struct RateLimit {
    /// Calls still answered normally before the 429s start.
    skip: usize,
    requests: usize,
    retry_after: u64,
}

#[derive(Debug)]
struct State {
    api: Api,
    /// `http://127.0.0.1:PORT`, swapped in for the workspace's placeholder origin.
    base: String,
    token: String,
    export_token: String,
    calls: HashMap<String, usize>,
    throttled: HashMap<String, usize>,
    requests: Vec<(String, Map<String, Value>)>,
    limits: HashMap<String, RateLimit>,
    failures: HashMap<String, VecDeque<String>>,
    /// Every avatar request: the host it was sent to, and whether it carried a token.
    avatar_requests: Vec<(String, bool)>,
    /// JSON bodies posted to response URLs (`/commands/TFAKETEAM/<name>`), with the name.
    responses: Vec<(String, Value)>,
    /// Socket Mode: the app-level token and where links are opened.
    socket_mode: Option<(String, super::slack_socket::Issuer)>,
    /// The app's OAuth side, once [`FakeSlack::enable_oauth`] made it installable.
    oauth: Option<oauth::OAuthApp>,
    /// Every authorized API call: its method and the token it carried.
    tokens_used: Vec<(String, String)>,
}

#[allow(dead_code)]
impl FakeSlack {
    /// Serves `workspace` over HTTP on 127.0.0.1 (a port of its own), on a thread of its own.
    pub fn start(workspace: Workspace) -> FakeSlack {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let port = addr.rsplit(':').next().unwrap_or_default().to_owned();
        let shared = Arc::new(Mutex::new(State {
            api: Api::new(workspace),
            base: format!("http://{addr}"),
            token: format!("xoxb-{port}-{nanos:09}-fakebottoken"),
            export_token: format!("xoxe-{port}-{nanos:09}-fakeexporttoken"),
            calls: HashMap::new(),
            avatar_requests: Vec::new(),
            throttled: HashMap::new(),
            requests: Vec::new(),
            limits: HashMap::new(),
            failures: HashMap::new(),
            responses: Vec::new(),
            socket_mode: None,
            oauth: None,
            tokens_used: Vec::new(),
        }));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                // Dropping the server (and the runtime after it) closes every connection.
                tokio::select! {
                    served = axum::serve(listener, app) => served.unwrap(),
                    _ = stopped => {}
                }
            });
        });
        FakeSlack {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `127.0.0.1:PORT`, for the tests' own HTTP client.
    pub fn addr(&self) -> String {
        self.addr.clone()
    }

    /// `http://127.0.0.1:PORT/api/`: what SLACK_API_URL is set to (with Slack's trailing slash).
    pub fn api_url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    /// The valid bot token.
    pub fn token(&self) -> String {
        self.state().token.clone()
    }

    /// The token an official export's file URLs carry (`?t=xoxe-…`).
    pub fn export_file_token(&self) -> String {
        self.state().export_token.clone()
    }

    /// SLACK_API_URL and SLACK_BOT_TOKEN, for the binary under test.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("SLACK_API_URL".into(), self.api_url()),
            ("SLACK_BOT_TOKEN".into(), self.token()),
        ]
    }

    /// Turns Socket Mode on: apps.connections.open hands out links to `socket`, for the app-level
    /// token this returns.
    pub fn enable_socket_mode(&self, socket: &super::slack_socket::FakeSocketMode) -> String {
        let mut state = self.state();
        let port = self.addr.rsplit(':').next().unwrap_or_default();
        let token = format!("xapp-1-{}-{port}-fakeapptoken", super::slack_socket::APP_ID);
        state.socket_mode = Some((token.clone(), socket.issuer()));
        token
    }

    /// SLACK_API_URL and SLACK_APP_TOKEN (Socket Mode, no bot token), for the binary under test.
    pub fn socket_mode_env(&self) -> Vec<(String, String)> {
        let token = self
            .state()
            .socket_mode
            .as_ref()
            .expect("Socket Mode enabled")
            .0
            .clone();
        vec![
            ("SLACK_API_URL".into(), self.api_url()),
            ("SLACK_APP_TOKEN".into(), token),
        ]
    }

    /// A file's `url_private` with the export token, as an official export writes it.
    pub fn export_file_url(&self, id: &str) -> String {
        let state = self.state();
        let file = state.api.ws.files.get(id).expect("a known file");
        format!(
            "{}/files-pri/{}-{id}/{}?t={}",
            state.base,
            state.api.ws.team_id,
            file.name.replace(' ', "_"),
            state.export_token
        )
    }

    /// Replaces the token export file URLs must carry: URLs made before now carry one that has
    /// expired, and get the login page (as Slack answers an export link past its time).
    pub fn set_export_token(&self, token: &str) {
        self.state().export_token = token.to_owned();
    }

    /// `file` (from [`Workspace::add_file`]) as a `file_share` event carries it: its URLs on
    /// this fake, without a token.
    pub fn shared_file(&self, file: &Value) -> Value {
        let text = file
            .to_string()
            .replace(workspace::ORIGIN, &self.state().base);
        serde_json::from_str(&text).unwrap()
    }

    /// `file` (from [`Workspace::add_file`]) as an official export writes it: its URLs on this
    /// fake, the file's and its thumbnails' each with the export token (`?t=xoxe-…`).
    pub fn exported_file(&self, file: &Value) -> Value {
        let state = self.state();
        let text = file.to_string().replace(workspace::ORIGIN, &state.base);
        let mut file: Value = serde_json::from_str(&text).unwrap();
        for (key, value) in file.as_object_mut().unwrap() {
            let is_url = key.starts_with("url_private")
                || (key.starts_with("thumb_") && value.as_str().is_some_and(|v| v.contains("://")));
            if let (true, Some(url)) = (is_url, value.as_str()) {
                *value = json!(format!("{url}?t={}", state.export_token));
            }
        }
        file
    }

    /// Requests received for `method` ("conversations.history"; "files" for downloads,
    /// "emoji" and "avatars" for images), 429s and errors included.
    pub fn calls(&self, method: &str) -> usize {
        self.state().calls.get(method).copied().unwrap_or(0)
    }

    /// Every avatar request as (the `Host` it named, whether it carried a token): Slack's CDN
    /// needs none, and a client must not hand its token to a host that is not Slack's.
    pub fn avatar_requests(&self) -> Vec<(String, bool)> {
        self.state().avatar_requests.clone()
    }

    /// 429s answered for `method`.
    pub fn throttled(&self, method: &str) -> usize {
        self.state().throttled.get(method).copied().unwrap_or(0)
    }

    /// Every API call received, in order: its method and parameters (without the token).
    pub fn requests(&self) -> Vec<(String, Map<String, Value>)> {
        self.state().requests.clone()
    }

    /// The most items a page returns, whatever `limit` asks (default 1000).
    pub fn set_page_limit(&self, max: usize) {
        self.state().api.page_limit = max.max(1);
    }

    /// The next `requests` calls of `method` get HTTP 429 with `Retry-After`.
    pub fn rate_limit(&self, method: &str, requests: usize, retry_after_secs: u64) {
        self.rate_limit_after(method, 0, requests, retry_after_secs);
    }

    /// As [`FakeSlack::rate_limit`], once `after` more calls of `method` were answered.
    pub fn rate_limit_after(&self, method: &str, after: usize, requests: usize, secs: u64) {
        let limit = RateLimit {
            skip: after,
            requests,
            retry_after: secs,
        };
        self.state().limits.insert(method.to_owned(), limit);
    }

    /// The next call of `method` answers `{"ok":false,"error":error}` (with `needed` and
    /// `provided` for missing_scope). Calls queue up.
    pub fn fail_next(&self, method: &str, error: &str) {
        let mut state = self.state();
        let queue = state.failures.entry(method.to_owned()).or_default();
        queue.push_back(error.to_owned());
    }

    /// A message Slack got while the client was away (a reply when its thread_ts differs).
    pub fn add_message(&self, channel: &str, message: Value) {
        self.state().api.ws.add_message(channel, message);
    }

    /// Edits a message's text, as its author would: sets "edited".
    pub fn edit_message(&self, channel: &str, ts: &str, text: &str) {
        self.state().api.edit_message(channel, ts, text);
    }

    /// Deletes a message (a parent with replies leaves a tombstone).
    pub fn delete_message(&self, channel: &str, ts: &str) {
        self.state().api.ws.delete_message(channel, ts);
    }

    /// Adds or replaces (by id) a user: a rename, a deactivation.
    pub fn add_user(&self, user: Value) {
        self.state().api.ws.add_user(user);
    }

    /// Adds a custom emoji while running.
    pub fn add_emoji(&self, name: &str, image: &[u8]) {
        self.state().api.ws.add_emoji(name, image);
    }

    /// Marks a file deleted: downloads answer 404, messages show it as a tombstone.
    pub fn delete_file(&self, id: &str) {
        let mut state = self.state();
        state
            .api
            .ws
            .files
            .get_mut(id)
            .expect("a known file")
            .deleted = true;
    }

    /// Makes the app installable with OAuth v2 (`oauth.v2.access`) with these credentials.
    pub fn enable_oauth(&self, client_id: &str, client_secret: &str) {
        self.state().oauth = Some(oauth::OAuthApp::new(client_id, client_secret));
    }

    /// What Slack does when `user` approves the install in workspace `team_id`: the code it
    /// sends the browser back with. `redirect_uri`: the authorize request's, if it named one.
    pub fn approve_install(
        &self,
        team_id: &str,
        team_name: &str,
        user: &str,
        redirect_uri: Option<&str>,
    ) -> String {
        let mut state = self.state();
        let app = state.oauth.as_mut().expect("enable_oauth first");
        let code = format!("code-{team_id}-{}", app.codes.len() + app.tokens.len() + 1);
        let grant = oauth::Grant {
            team_id: team_id.to_owned(),
            team_name: team_name.to_owned(),
            user: user.to_owned(),
            redirect_uri: redirect_uri.map(str::to_owned),
        };
        app.codes.insert(code.clone(), grant);
        code
    }

    /// The bot tokens `oauth.v2.access` granted to workspace `team_id`.
    pub fn installed_tokens(&self, team_id: &str) -> Vec<String> {
        let state = self.state();
        let Some(app) = &state.oauth else {
            return Vec::new();
        };
        let tokens = app.tokens.iter().filter(|(_, team)| *team == team_id);
        tokens.map(|(token, _)| token.clone()).collect()
    }

    /// The tokens the calls of `method` carried, in order.
    pub fn tokens_used(&self, method: &str) -> Vec<String> {
        let state = self.state();
        let used = state.tokens_used.iter().filter(|(m, _)| m == method);
        used.map(|(_, token)| token.clone()).collect()
    }

    /// The views views.open opened: `{"trigger_id", "view"}` each, `view` parsed.
    pub fn opened_views(&self) -> Vec<Value> {
        self.state().api.views.clone()
    }

    /// The chat.postEphemeral calls that posted: their parameters (channel, user, text).
    pub fn ephemerals(&self) -> Vec<Value> {
        self.state().api.ephemeral.clone()
    }

    /// The chat.postMessage calls that posted: their parameters (channel, text, …).
    pub fn posted(&self) -> Vec<Value> {
        self.state().api.posted.clone()
    }

    /// The chat.postEphemeral calls that posted: their parameters (channel, user, text, …).
    pub fn ephemeral(&self) -> Vec<Value> {
        self.state().api.ephemeral.clone()
    }

    /// A user group and its members, for usergroups.users.list.
    pub fn set_usergroup(&self, id: &str, members: &[&str]) {
        let members = members.iter().map(|m| (*m).to_owned()).collect();
        self.state().api.usergroups.insert(id.to_owned(), members);
    }

    /// A `response_url` on the fake, as Slack puts in slash commands and interactions
    /// (`https://hooks.slack.com/commands/…` at Slack); `name` tells them apart.
    pub fn response_url(&self, name: &str) -> String {
        format!("http://{}/commands/TFAKETEAM/{name}", self.addr)
    }

    /// The JSON bodies posted to the response URL named `name`, in order.
    pub fn responses(&self, name: &str) -> Vec<Value> {
        let state = self.state();
        let posted = state.responses.iter().filter(|(n, _)| n == name);
        posted.map(|(_, body)| body.clone()).collect()
    }

    /// A conversation as conversations.info shows it, plus its `members`; by id or name.
    pub fn conversation(&self, id_or_name: &str) -> Option<Value> {
        let state = self.state();
        let c = state
            .api
            .ws
            .channels
            .iter()
            .find(|c| c.id == id_or_name || c.name == id_or_name)?;
        Some(
            json!({"id": c.id, "name": c.name, "is_private": c.is_private,
            "topic": c.topic, "purpose": c.purpose, "members": c.members}),
        )
    }

    /// Every message of a channel, oldest first, as stored (replies included).
    pub fn messages(&self, channel: &str) -> Vec<Value> {
        let state = self.state();
        let messages = state.api.ws.messages.get(channel);
        messages
            .into_iter()
            .flat_map(|m| m.values().cloned())
            .collect()
    }
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Every request: Web API methods under /api/, files, emoji and avatars.
async fn handle(
    AxumState(shared): AxumState<Arc<Mutex<State>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = shared.lock().unwrap_or_else(|e| e.into_inner());
    let path = uri.path();
    if let Some(method) = path.strip_prefix("/api/") {
        return api_call(&mut state, method, &uri, &headers, &body);
    }
    if let Some(name) = path.strip_prefix("/commands/TFAKETEAM/") {
        // A response URL: Slack takes JSON, and no token.
        let authorized = headers.contains_key(header::AUTHORIZATION);
        let Ok(body) = serde_json::from_slice::<Value>(&body) else {
            return bytes(
                StatusCode::BAD_REQUEST,
                "text/plain",
                b"invalid_payload".to_vec(),
            );
        };
        state.responses.push((name.to_owned(), body));
        return match authorized {
            true => bytes(
                StatusCode::BAD_REQUEST,
                "text/plain",
                b"no token here".to_vec(),
            ),
            false => bytes(StatusCode::OK, "text/plain", b"ok".to_vec()),
        };
    }
    if path.starts_with("/files-pri/") || path.starts_with("/files-tmb/") {
        return download(&mut state, path, uri.query(), &headers);
    }
    if let Some(rest) = path.strip_prefix("/emoji/") {
        *state.calls.entry("emoji".into()).or_default() += 1;
        // /emoji/{team}/{name}/{hash}.png
        let name = rest.split('/').nth(1).unwrap_or_default();
        return match state.api.ws.emoji_images.get(name) {
            Some(image) => bytes(StatusCode::OK, "image/png", image.clone()),
            None => bytes(StatusCode::NOT_FOUND, "text/plain", b"Not Found".to_vec()),
        };
    }
    if path.starts_with("/avatars/") {
        *state.calls.entry("avatars".into()).or_default() += 1;
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let token = headers.contains_key(header::AUTHORIZATION);
        state.avatar_requests.push((host, token));
        let image = files::png(24, 24, files::hash(path.as_bytes()), 0);
        return bytes(StatusCode::OK, "image/png", image);
    }
    bytes(StatusCode::NOT_FOUND, "text/plain", b"Not Found".to_vec())
}

fn api_call(
    state: &mut State,
    method: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let mut params = form(uri.query().unwrap_or_default());
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/json") {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(fields)) => params.extend(fields),
            _ => return json_answer(state, &error("invalid_json")),
        }
    } else {
        params.extend(form(&String::from_utf8_lossy(body)));
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    // The header wins; a `token` parameter is never recorded either way.
    let param = params.remove("token");
    let token = bearer.or_else(|| param.and_then(|t| t.as_str().map(str::to_owned)));
    if method == "oauth.v2.access" {
        *state.calls.entry(method.to_owned()).or_default() += 1;
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let answer = match state.oauth.as_mut() {
            Some(app) => app.access(&params, authorization, methods::SCOPES),
            None => error("invalid_client_id"),
        };
        // The client secret is never recorded.
        params.remove("client_secret");
        state.requests.push((method.to_owned(), params));
        return json_answer(state, &answer);
    }
    *state.calls.entry(method.to_owned()).or_default() += 1;
    state.requests.push((method.to_owned(), params.clone()));
    if let Some(retry_after) = throttle(state, method) {
        let body = json!({"ok": false, "error": "ratelimited"}).to_string();
        return Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            .header(header::RETRY_AFTER, retry_after.to_string())
            .body(Body::from(body))
            .unwrap();
    }
    if method == "apps.connections.open" {
        let answer = connections_open(state, token.as_deref());
        return json_answer(state, &answer);
    }
    let Some(scope) = methods::METHODS
        .iter()
        .find(|(m, _)| *m == method && *m != "files")
        .map(|(_, s)| *s)
    else {
        return json_answer(state, &error("unknown_method"));
    };
    let installed = |t: &str| (state.oauth.as_ref()).is_some_and(|app| app.tokens.contains_key(t));
    match token {
        None => return json_answer(state, &error("not_authed")),
        Some(t) if t != state.token && !installed(&t) => {
            return json_answer(state, &error("invalid_auth"));
        }
        Some(t) => state.tokens_used.push((method.to_owned(), t)),
    }
    if let Some(failure) = state.failures.get_mut(method).and_then(VecDeque::pop_front) {
        let mut e = ApiError::new(&failure);
        if failure == "missing_scope" {
            let provided: Vec<&str> = methods::SCOPES.split(',').filter(|s| *s != scope).collect();
            e.extra.insert("needed".into(), json!(scope));
            e.extra.insert("provided".into(), json!(provided.join(",")));
        }
        return json_answer(state, &Err(e));
    }
    let answer = state.api.call(method, &params).expect("a known method");
    json_answer(state, &answer)
}

/// apps.connections.open: a link for the app-level token (the bot token is the wrong type).
fn connections_open(state: &State, token: Option<&str>) -> Result<Value, ApiError> {
    let Some(token) = token else {
        return error("not_authed");
    };
    match &state.socket_mode {
        Some((app_token, issuer)) if token == app_token => Ok(json!({"url": issuer.issue_url()})),
        _ if token == state.token => error("not_allowed_token_type"),
        _ => error("invalid_auth"),
    }
}

/// Whether this call of `method` gets a 429, and its Retry-After.
fn throttle(state: &mut State, method: &str) -> Option<u64> {
    let limit = state.limits.get_mut(method)?;
    if limit.skip > 0 {
        limit.skip -= 1;
        return None;
    }
    if limit.requests == 0 {
        return None;
    }
    limit.requests -= 1;
    let retry_after = limit.retry_after;
    *state.throttled.entry(method.to_owned()).or_default() += 1;
    Some(retry_after)
}

fn error(error: &str) -> Result<Value, ApiError> {
    Err(ApiError::new(error))
}

/// `{"ok":true,…}` or `{"ok":false,"error":…}`, status 200 either way, URLs on the fake.
fn json_answer(state: &State, answer: &Result<Value, ApiError>) -> Response {
    let body = match answer {
        Ok(Value::Object(fields)) => {
            let mut out = Map::new();
            out.insert("ok".into(), json!(true));
            out.extend(fields.clone());
            Value::Object(out)
        }
        Ok(other) => panic!("a method answered a non-object: {other}"),
        Err(e) => {
            let mut out = Map::new();
            out.insert("ok".into(), json!(false));
            out.insert("error".into(), json!(e.error));
            out.extend(e.extra.clone());
            Value::Object(out)
        }
    };
    let text = body.to_string().replace(workspace::ORIGIN, &state.base);
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header("x-oauth-scopes", methods::SCOPES)
        .body(Body::from(text))
        .unwrap()
}

/// `/files-pri/{TEAM}-{FILE}/[download/]{name}` or `/files-tmb/{TEAM}-{FILE}-{x}/{name}`.
fn download(state: &mut State, path: &str, query: Option<&str>, headers: &HeaderMap) -> Response {
    *state.calls.entry("files".into()).or_default() += 1;
    if let Some(retry_after) = throttle(state, "files") {
        return Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header(header::RETRY_AFTER, retry_after.to_string())
            .body(Body::empty())
            .unwrap();
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let query = form(query.unwrap_or_default());
    let export_token = query.get("t").and_then(Value::as_str);
    let authorized =
        bearer == Some(state.token.as_str()) || export_token == Some(state.export_token.as_str());
    if !authorized {
        return bytes(
            StatusCode::OK,
            "text/html; charset=utf-8",
            files::LOGIN_PAGE.into(),
        );
    }
    let mut segments = path.trim_start_matches('/').split('/');
    let _host = segments.next();
    let id = segments
        .next()
        .and_then(|s| s.split('-').nth(1))
        .unwrap_or_default();
    let as_download = segments.next() == Some("download");
    match state.api.ws.files.get(id).filter(|f| !f.deleted) {
        None => bytes(StatusCode::NOT_FOUND, "text/plain", b"Not Found".to_vec()),
        Some(file) => {
            let mut response = bytes(StatusCode::OK, &file.mimetype, file.bytes.clone());
            if as_download {
                let disposition = format!("attachment; filename=\"{}\"", file.name);
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, disposition.parse().unwrap());
            }
            response
        }
    }
}

fn bytes(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap()
}

/// `a=1&b=x+y%21` as parameters (later keys win).
fn form(text: &str) -> Map<String, Value> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), Value::String(percent_decode(v)))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', hi, lo]) => hex(*hi).zip(hex(*lo)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match (bytes[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (b, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
