//! The HTTP side of `serve`: `POST /slack/events`, `POST /slack/commands` (answered by
//! [`commands`]), `POST /slack/interactions` (answered by [`super::interactions`]),
//! `GET /slack/install` and `GET /slack/oauth/callback` ("Add to Slack", [`super::oauth`]),
//! `GET /healthz`, `GET /_scrollback/live/<slug>` (live pages' push stream, [`super::push`]),
//! and `site/` for everything else.
//!
//! Every answer about an event is decided here, before anything is applied: 413 for a body over
//! the limit, 401 for a request Slack did not sign, 408 for a body that does not arrive in time,
//! 503 when too many large bodies are being read at once, 400 for what is not a usable event, 200 once
//! the event is in the journal (or was already), 500 when it could not be recorded (so Slack
//! retries). Each refusal is one log line saying why.
//!
//! What a client can make the server hold is bounded (issue 11, defect 3): a request the headers
//! already condemn (too long, unsigned, stale) is refused before its body is read, and bodies are
//! read under a size cap and a deadline; large ones also under a cap on how many are read at
//! once.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::catch_up::GapSignal;
use super::commands;
use super::journal;
use super::publisher::Status;
use super::record::{Outcome, record_event};
use super::verify::Verifier;
use crate::deploy::headers::CacheRules;
use crate::events::{self, EditorialPolicy};
use crate::project::Project;
use crate::site_files::response::{Serving, serve_site_file};
use crate::slack::SlackClient;
use crate::slack::installations::Installations;

/// What the handlers share.
pub struct App {
    pub verifier: Verifier,
    pub journal: mpsc::Sender<journal::Request>,
    pub site: PathBuf,
    pub status: Arc<Status>,
    pub max_body: usize,
    /// How many bodies over [`SMALL_BODY`] (or of no declared length) may be read at once, each
    /// up to `max_body`.
    pub large_body_reads: tokio::sync::Semaphore,
    /// How long a body may take to arrive (Slack sends its few KB at once).
    pub body_deadline: Duration,
    /// The Content-Security-Policy of pages.
    pub csp: Option<String>,
    /// The `Cache-Control` of site files: the deploys' rules.
    pub cache_rules: CacheRules,
    /// Who may act from Slack (shared with the publisher).
    pub editorial: EditorialPolicy,
    /// Raised when Slack retries an event or says it drops events: the catch-up reads the live
    /// chats back at once. `None` without a Slack token.
    pub gaps: Option<Arc<GapSignal>>,
    /// The project, for `/scrollback` (the chats' settings, the configuration).
    pub project: Project,
    /// The Web API client when a token is set (answering mentions, announcements).
    pub slack: Option<SlackClient>,
    /// What `serve --deploy` has published, for `/scrollback status`.
    pub deploys: Option<commands::Deploys>,
    /// The workspaces installed through "Add to Slack", each answered with its own token.
    pub installations: Arc<Installations>,
    /// "Add to Slack", when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set.
    pub oauth: Option<super::oauth::OAuth>,
    /// Live pages' push streams (fed by the publisher).
    pub push: Arc<super::push::LivePush>,
}

impl App {
    /// The Web API client to answer workspace `team` with (its installation's token, else
    /// SLACK_BOT_TOKEN's). Channel ids are taken as unique across the workspaces served.
    pub fn slack_for(&self, team: Option<&str>) -> Option<SlackClient> {
        self.installations.client_for(team)
    }
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/slack/events", post(slack_events))
        .route("/slack/commands", post(slack_commands))
        .route("/slack/interactions", post(slack_interactions))
        .route("/slack/install", get(super::oauth::install))
        .route("/slack/oauth/callback", get(super::oauth::callback))
        .route("/healthz", get(healthz))
        .route(super::push::ROUTE, get(super::push::stream))
        .route(super::push::RESERVED, get(reserved))
        .fallback(site_file)
        .with_state(app)
}

/// A body up to this size, declared by `Content-Length`, is read without waiting for a turn:
/// with the server's cap on connections, such bodies can hold at most a few tens of MB.
pub const SMALL_BODY: usize = 64 * 1024;

/// How long a request waits for its turn to read its body before it gets a 503 (Slack wants an
/// answer within 3 s, and retries a 503).
const BODY_READ_WAIT: Duration = Duration::from_secs(1);

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, text).into_response()
}

/// A request's body once it is known to come from Slack: the checks every signed route shares.
/// What the headers already condemn (too long, unsigned, stale) is refused before the body is
/// read; the body is read under the size cap and the deadline, a large one only in its turn;
/// then the signature is checked. `Err` is the refusal to send, already logged.
async fn read_signed_body(
    app: &App,
    route: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Bytes, Response> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let too_large = || {
        tracing::warn!(
            "refused a request to {route}: the body is over {} KB",
            app.max_body / 1024
        );
        plain(StatusCode::PAYLOAD_TOO_LARGE, "body too large\n")
    };
    let declared = header("content-length").and_then(|n| n.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > app.max_body as u64) {
        return Err(too_large());
    }
    let signature = header("x-slack-signature");
    let timestamp = header("x-slack-request-timestamp");
    if let Err(why) = app.verifier.check_headers(signature, timestamp, now) {
        tracing::warn!("refused an unverified request to {route}: {why}");
        return Err(plain(StatusCode::UNAUTHORIZED, "request not verified\n"));
    }
    // Slack's events are a few KB and always say how long they are: those are read at once.
    // A body that says it is large, or does not say, waits for one of a few turns, so stalled
    // large bodies can hold neither much memory nor Slack's events up.
    let _turn = if declared.is_some_and(|n| n <= SMALL_BODY as u64) {
        None
    } else {
        match tokio::time::timeout(BODY_READ_WAIT, app.large_body_reads.acquire()).await {
            Ok(Ok(turn)) => Some(turn),
            _ => {
                tracing::warn!(
                    "refused a request to {route}: too many large bodies being read at once"
                );
                return Err((
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "1")],
                    "busy\n",
                )
                    .into_response());
            }
        }
    };
    let bytes =
        match tokio::time::timeout(app.body_deadline, axum::body::to_bytes(body, app.max_body))
            .await
        {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(_)) => return Err(too_large()),
            Err(_) => {
                tracing::warn!(
                    "refused a request to {route}: its body took over {} s to arrive",
                    app.body_deadline.as_secs()
                );
                return Err(plain(StatusCode::REQUEST_TIMEOUT, "body too slow\n"));
            }
        };
    if let Err(why) = app.verifier.check(signature, timestamp, &bytes, now) {
        tracing::warn!("refused an unverified request to {route}: {why}");
        return Err(plain(StatusCode::UNAUTHORIZED, "request not verified\n"));
    }
    Ok(bytes)
}

async fn slack_events(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let bytes = match read_signed_body(&app, "/slack/events", &headers, body).await {
        Ok(bytes) => bytes,
        Err(refusal) => return refusal,
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!("refused a signed request whose body is not JSON: {e}");
            return plain(StatusCode::BAD_REQUEST, "the body is not JSON\n");
        }
    };
    let (envelope, kind) = match events::envelope_type(&value) {
        Ok(x) => x,
        Err(e) => {
            tracing::warn!("refused a signed request: {e}");
            return plain(StatusCode::BAD_REQUEST, "not a Slack event\n");
        }
    };
    match kind {
        "url_verification" => match envelope.get("challenge").and_then(Value::as_str) {
            Some(challenge) => {
                tracing::info!("answered Slack's url_verification challenge");
                axum::Json(json!({ "challenge": challenge })).into_response()
            }
            None => {
                tracing::warn!("refused a url_verification without a challenge");
                plain(StatusCode::BAD_REQUEST, "no challenge\n")
            }
        },
        "event_callback" => {
            let retry = header("x-slack-retry-num")
                .map(|n| {
                    format!(
                        " (retry {n}: {})",
                        header("x-slack-retry-reason").unwrap_or("no reason given")
                    )
                })
                .unwrap_or_default();
            // Slack failed to deliver this event at least once: others sent meanwhile may be
            // lost for good once their retries run out.
            if let (Some(gaps), Some(n)) = (&app.gaps, header("x-slack-retry-num")) {
                let reason = header("x-slack-retry-reason").unwrap_or("no reason given");
                let id = envelope
                    .get("event_id")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                gaps.raise(&format!(
                    "Slack retried event {} (retry {}: {})",
                    id.chars().take(40).collect::<String>(),
                    n.chars().take(8).collect::<String>(),
                    reason.chars().take(40).collect::<String>()
                ));
            }
            // A mention is answered on its first record only: never for a retry or a replay;
            // with the token of the workspace it came from.
            let team = envelope.get("team_id").and_then(Value::as_str);
            let answer_mention =
                |event: &events::Event| commands::answer_if_mention(&app, team, event);
            match record_event(&app.journal, value.clone(), &retry, answer_mention).await {
                Outcome::Recorded => plain(StatusCode::OK, "ok\n"),
                Outcome::Malformed => plain(StatusCode::BAD_REQUEST, "malformed event\n"),
                Outcome::NotRecorded => plain(StatusCode::INTERNAL_SERVER_ERROR, "not recorded\n"),
            }
        }
        "app_rate_limited" => {
            tracing::warn!(
                "Slack says this app is rate limited: events are being dropped on Slack's side"
            );
            if let Some(gaps) = &app.gaps {
                gaps.raise("Slack is dropping events (app_rate_limited)");
            }
            plain(StatusCode::OK, "ok\n")
        }
        other => {
            tracing::info!(
                "ignored a request of type {:?}",
                other.chars().take(40).collect::<String>()
            );
            plain(StatusCode::OK, "ignored\n")
        }
    }
}

/// `/scrollback …`: a signed form; the answer is [`commands::handle_command`]'s.
async fn slack_commands(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let bytes = match read_signed_body(&app, "/slack/commands", &headers, body).await {
        Ok(bytes) => bytes,
        Err(refusal) => return refusal,
    };
    let fields = commands::form_fields(&bytes);
    axum::Json(commands::handle_command(&app, &fields).await).into_response()
}

/// `POST /slack/interactions`: a form with one field, `payload=<JSON>` (message shortcuts,
/// modal submissions), handled by [`super::interactions`].
async fn slack_interactions(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let bytes = match read_signed_body(&app, "/slack/interactions", &headers, body).await {
        Ok(bytes) => bytes,
        Err(refusal) => return refusal,
    };
    let payload = form_urlencoded::parse(&bytes)
        .find(|(key, _)| key == "payload")
        .and_then(|(_, value)| serde_json::from_str::<Value>(&value).ok());
    let Some(payload) = payload else {
        tracing::warn!("refused a signed interaction without a JSON `payload` field");
        return plain(StatusCode::BAD_REQUEST, "no payload\n");
    };
    match super::interactions::handle_interaction(&app, &payload).await {
        Ok(Some(answer)) => axum::Json(answer).into_response(),
        Ok(None) => StatusCode::OK.into_response(),
        Err(e @ super::interactions::InteractionError::Malformed(_)) => {
            tracing::warn!("refused an interaction: {e}");
            plain(StatusCode::BAD_REQUEST, "malformed interaction\n")
        }
        Err(e) => {
            tracing::error!("an interaction failed: {e}; not acknowledged");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "not recorded\n")
        }
    }
}

async fn healthz(State(app): State<Arc<App>>) -> Response {
    let s = &app.status;
    let body = json!({
        "status": "ok",
        "ready": s.ready.load(Ordering::SeqCst),
        "events_applied": s.events_applied.load(Ordering::Relaxed),
        "builds": s.builds.load(Ordering::Relaxed),
        "last_build_ms": s.last_build_ms.load(Ordering::Relaxed),
        "build_failing": s.failing.load(Ordering::Relaxed),
        "push_streams": app.push.open_streams(),
        "live_polls": app.push.polls(),
    });
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// `/_scrollback/…` but the push stream: serve's own, never a file of `site/`.
async fn reserved() -> Response {
    plain(StatusCode::NOT_FOUND, "not found\n")
}

async fn site_file(State(app): State<Arc<App>>, request: Request) -> Response {
    if request.uri().path().ends_with("/live.json") {
        app.push.note_poll();
    }
    serve_site_file(
        &app.site,
        request.method(),
        request.uri().path(),
        request.headers(),
        Serving {
            csp: app.csp.as_deref(),
            ..Serving::origin(&app.cache_rules)
        },
    )
    .await
}
