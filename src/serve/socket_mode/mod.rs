//! `serve --socket-mode`: Slack's events, slash commands and interactions over a WebSocket that
//! `serve` opens itself, for newsrooms that cannot expose a public HTTPS endpoint.
//!
//! - [`open`]: `apps.connections.open` with the app-level token (`SLACK_APP_TOKEN`) gives the
//!   URL of a link; [`websocket`] connects it (TLS through rustls).
//! - [`session`]: one link: `hello`, envelopes ([`envelope`]) handed to [`dispatch`], which
//!   records events through the journal exactly as HTTP events are (same durability, same
//!   de-duplication by `event_id`) and acknowledges each only once it is recorded; commands and
//!   interactions go to the [`Handlers`] `serve` wires in.
//! - [`run`] (here) keeps one link up: on `disconnect` it opens the next link first and closes
//!   the old one once the new one said hello; on a network error or a closed link it reconnects
//!   after a [`backoff`] with jitter. Every step is logged.

pub mod backoff;
pub mod dispatch;
pub mod envelope;
pub mod handlers;
pub mod open;
pub mod session;
pub mod websocket;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::serve::http::App;
use backoff::Backoff;
pub use handlers::Handlers;
pub use open::{OpenError, Opener};
use session::{Report, Session};

/// A link that held this long was a good one: the next reconnection is quick again.
const HELD: Duration = Duration::from_secs(60);
/// How long stopping waits for the links to close.
const STOP_WITHIN: Duration = Duration::from_secs(6);

/// Checks the token with a first `apps.connections.open` (a refusal stops `serve` at once, with
/// what to fix), then runs the links on a task of their own until `stop` turns true.
pub async fn start(
    opener: Opener,
    app: Arc<App>,
    handlers: Handlers,
    stop: watch::Receiver<bool>,
) -> Result<tokio::task::JoinHandle<()>> {
    let first = match opener.open().await {
        Ok(link) => Some(link),
        Err(e @ OpenError::Refused { .. }) => bail!("Socket Mode: {e}"),
        Err(e) => {
            tracing::warn!("Socket Mode: {e}; trying again");
            None
        }
    };
    let links = Links {
        opener,
        app,
        handlers,
        first,
    };
    Ok(tokio::spawn(links.run(stop)))
}

struct Links {
    opener: Opener,
    app: Arc<App>,
    handlers: Handlers,
    /// The link the start's check opened.
    first: Option<open::LinkUrl>,
}

/// A link that is running.
struct Live {
    close: Option<oneshot::Sender<()>>,
    since: Instant,
    greeted: bool,
}

impl Live {
    fn close(&mut self) {
        if let Some(close) = self.close.take() {
            let _ = close.send(());
        }
    }
}

impl Links {
    async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let (reports_tx, mut reports) = mpsc::unbounded_channel();
        let mut live: HashMap<u64, Live> = HashMap::new();
        let mut current: Option<u64> = None;
        let mut numbered = 0;
        let mut backoff = Backoff::default();
        // When to open the next link (`None`: the current one is fine).
        let mut connect_at = Some(Instant::now());
        loop {
            let at = connect_at.unwrap_or_else(Instant::now);
            tokio::select! {
                _ = stop.changed() => break,
                Some((number, report)) = reports.recv() => match report {
                    Report::Hello => {
                        if let Some(link) = live.get_mut(&number) {
                            link.greeted = true;
                        }
                        if current == Some(number) {
                            for (old, link) in live.iter_mut().filter(|(n, _)| **n != number) {
                                tracing::info!("Socket Mode: closing link #{old}, replaced by #{number}");
                                link.close();
                            }
                        }
                    }
                    Report::Replace { reason } => {
                        let why = match reason.as_str() {
                            "link_disabled" => "Socket Mode was turned off in the app's settings",
                            "warning" => "it will close it soon",
                            "refresh_requested" => "it refreshes its links",
                            _ => "no known reason",
                        };
                        tracing::info!(
                            "Socket Mode: Slack asks to leave link #{number} ({reason}: {why}): \
                             opening a new link first"
                        );
                        if current == Some(number) && connect_at.is_none() {
                            connect_at = Some(Instant::now());
                        }
                    }
                    Report::Ended { why } => {
                        let ended = live.remove(&number);
                        if current != Some(number) {
                            tracing::info!("Socket Mode: link #{number} closed: {why}");
                            continue;
                        }
                        current = None;
                        if connect_at.is_some() {
                            // Already replacing it (Slack said `disconnect`).
                            tracing::info!("Socket Mode: link #{number} closed: {why}");
                            continue;
                        }
                        if ended.is_some_and(|l| l.greeted && l.since.elapsed() >= HELD) {
                            backoff.reset();
                        }
                        let wait = backoff.next_wait();
                        tracing::warn!(
                            "Socket Mode: link #{number} lost: {why}; reconnecting in {}",
                            crate::human::seconds(wait.as_secs_f64())
                        );
                        connect_at = Some(Instant::now() + wait);
                    }
                },
                () = tokio::time::sleep_until(at), if connect_at.is_some() => {
                    connect_at = None;
                    let connected = tokio::select! {
                        _ = stop.changed() => break,
                        connected = self.connect() => connected,
                    };
                    match connected {
                        Ok((link, socket)) => {
                            numbered += 1;
                            let number = numbered;
                            tracing::info!("Socket Mode: link #{number} connected to {link}");
                            let (close, closed) = oneshot::channel();
                            live.insert(number, Live { close: Some(close), since: Instant::now(), greeted: false });
                            current = Some(number);
                            let session = Session {
                                number,
                                app: self.app.clone(),
                                handlers: self.handlers,
                                reports: reports_tx.clone(),
                                close: closed,
                            };
                            tokio::spawn(session.run(socket));
                        }
                        Err(OpenError::RateLimited(wait)) => {
                            tracing::warn!(
                                "Socket Mode: Slack is rate limiting apps.connections.open: \
                                 trying again in {}",
                                crate::human::seconds(wait.as_secs_f64())
                            );
                            connect_at = Some(Instant::now() + wait);
                        }
                        Err(e) => {
                            let wait = backoff.next_wait();
                            let level_error = matches!(e, OpenError::Refused { .. });
                            let wait_text = crate::human::seconds(wait.as_secs_f64());
                            if level_error {
                                tracing::error!("Socket Mode: {e}; trying again in {wait_text}");
                            } else {
                                tracing::warn!("Socket Mode: {e}; trying again in {wait_text}");
                            }
                            connect_at = Some(Instant::now() + wait);
                        }
                    }
                }
            }
        }
        // Stopping: every link closes (envelopes in hand acknowledged first).
        for link in live.values_mut() {
            link.close();
        }
        let deadline = Instant::now() + STOP_WITHIN;
        while !live.is_empty() {
            match tokio::time::timeout_at(deadline, reports.recv()).await {
                Ok(Some((number, Report::Ended { .. }))) => {
                    live.remove(&number);
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        tracing::info!("Socket Mode: stopped");
    }

    /// A new link, connected.
    async fn connect(&mut self) -> Result<(open::LinkUrl, websocket::Socket), OpenError> {
        let link = match self.first.take() {
            Some(link) => link,
            None => self.opener.open().await?,
        };
        match websocket::connect(&link).await {
            Ok(socket) => Ok((link, socket)),
            Err(e) => Err(OpenError::Failed(format!("{e:#}"))),
        }
    }
}
