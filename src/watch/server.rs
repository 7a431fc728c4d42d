//! The dev server of `scrollback watch`: serves `site/` on loopback as `serve` does (through
//! [`serve_site_file`]), with a live-reload script injected into every page (never into the
//! files on disk) and nothing cacheable, and pushes rebuild news to open pages over server-sent
//! events: reload, swap stylesheets, or show a build error as an overlay.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::http_server;
use crate::site_files::response::{Caching, Serving, serve_site_file};

/// The script pages get in dev; it talks to [`events`].
const LIVE_RELOAD_JS: &str = include_str!("livereload.js");
pub const SCRIPT_PATH: &str = "/__scrollback/livereload.js";
const EVENTS_PATH: &str = "/__scrollback/events";

/// What open pages are told after a rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevEvent {
    /// Pages changed: reload.
    Reload,
    /// Only stylesheets changed: swap them in place.
    Css,
    /// The build failed: show this over the page until a build succeeds.
    Error(String),
}

/// Shared by the server and the rebuild loop.
#[derive(Debug)]
pub struct DevState {
    pub site: PathBuf,
    pub events: broadcast::Sender<DevEvent>,
    /// The current build error, for pages opened while it lasts.
    pub error: Mutex<Option<String>>,
    /// The Content-Security-Policy of pages, as `serve` sends it.
    pub csp: Option<String>,
}

impl DevState {
    pub fn new(site: PathBuf, csp: Option<String>) -> Arc<DevState> {
        let (events, _) = broadcast::channel(64);
        Arc::new(DevState {
            site,
            events,
            error: Mutex::new(None),
            csp,
        })
    }

    /// Tells open pages what a rebuild did.
    pub fn publish(&self, event: DevEvent) {
        *self.error.lock().unwrap_or_else(|e| e.into_inner()) = match &event {
            DevEvent::Error(message) => Some(message.clone()),
            _ => None,
        };
        // No page open is not an error.
        let _ = self.events.send(event);
    }
}

pub fn router(state: Arc<DevState>) -> Router {
    Router::new()
        .route(SCRIPT_PATH, get(script))
        .route(EVENTS_PATH, get(events))
        .fallback(file)
        .with_state(state)
}

/// Binds `addr` now (so a taken port is an error before anything else starts) and serves in
/// the background on `runtime`.
pub fn start(
    runtime: &tokio::runtime::Runtime,
    addr: SocketAddr,
    state: Arc<DevState>,
) -> anyhow::Result<SocketAddr> {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(addr))
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {addr}: {e} (is another server using the port? try --port)"
            )
        })?;
    let bound = listener.local_addr()?;
    // Runs as long as the runtime (`watch` ends by dropping it).
    runtime.spawn(http_server::run(
        listener,
        router(state),
        http_server::Limits::DEFAULT,
        std::future::pending(),
        std::time::Duration::ZERO,
    ));
    Ok(bound)
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        LIVE_RELOAD_JS,
    )
        .into_response()
}

async fn events(
    State(state): State<Arc<DevState>>,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>> {
    let current = state
        .error
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let first = tokio_stream::iter(current.map(|m| Ok(Event::default().event("error").data(m))));
    let updates = BroadcastStream::new(state.events.subscribe()).filter_map(|event| {
        let event = event.ok()?;
        Some(Ok(match event {
            DevEvent::Reload => Event::default().event("reload").data("reload"),
            DevEvent::Css => Event::default().event("css").data("css"),
            DevEvent::Error(message) => Event::default().event("error").data(message),
        }))
    });
    Sse::new(first.chain(updates)).keep_alive(KeepAlive::default())
}

/// A file of `site/`, answered as `serve` answers it, except that pages get the live-reload
/// script and nothing may be cached.
async fn file(State(state): State<Arc<DevState>>, request: Request) -> Response {
    let dev = Serving {
        caching: Caching::NoStore,
        html_hook: Some(inject),
        csp: state.csp.as_deref(),
    };
    serve_site_file(
        &state.site,
        request.method(),
        request.uri().path(),
        request.headers(),
        dev,
    )
    .await
}

/// Adds the live-reload script before `</body>` (or at the end).
fn inject(html: &[u8]) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT_PATH}\"></script>");
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(at) => format!("{}{tag}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{text}{tag}").into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_goes_before_the_body_ends() {
        assert_eq!(
            String::from_utf8(inject(b"<p>x</p></body></html>")).unwrap(),
            format!("<p>x</p><script src=\"{SCRIPT_PATH}\"></script></body></html>")
        );
    }
}
