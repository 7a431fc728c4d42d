//! One WebSocket link, from `hello` to its end: reads Slack's messages, hands each envelope to
//! [`dispatch`] (several at once: a slow command does not hold events up) and sends the
//! acknowledgements as they are ready, pings Slack and gives the link up when Slack stops
//! answering, and reports to the supervisor ([`super::run`]) what it needs to know.
//!
//! Asked to close (a newer link said hello, or `serve` is stopping), it stops taking envelopes
//! (Slack redelivers those unacknowledged on the newer link), finishes and acknowledges those
//! in hand, then closes the link with a close frame.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::dispatch::dispatch;
use super::envelope::{self, Incoming};
use super::handlers::Handlers;
use super::websocket::Socket;
use crate::serve::http::App;

/// How often the link is pinged…
const PING_EVERY: Duration = Duration::from_secs(10);
/// …and how long it may stay silent (no message, ping or pong) before it is given up.
const SILENT_LIMIT: Duration = Duration::from_secs(35);
/// How long closing may take: envelopes in hand, then Slack's close frame.
const CLOSE_WITHIN: Duration = Duration::from_secs(5);

/// What a link tells the supervisor, with its number.
#[derive(Debug)]
pub enum Report {
    /// Slack said hello: the link works.
    Hello,
    /// Slack will close the link (`disconnect`): time to open another.
    Replace { reason: String },
    /// The link is gone.
    Ended { why: String },
}

/// The link's side of the supervisor.
pub struct Session {
    pub number: u64,
    pub app: Arc<App>,
    pub handlers: Handlers,
    pub reports: mpsc::UnboundedSender<(u64, Report)>,
    /// Fires (or is dropped) when the link should close.
    pub close: oneshot::Receiver<()>,
}

impl Session {
    /// Runs the link until it ends; the last report is always [`Report::Ended`].
    pub async fn run(mut self, mut socket: Socket) {
        let why = self.serve(&mut socket).await;
        let _ = self.reports.send((self.number, Report::Ended { why }));
    }

    fn report(&self, report: Report) {
        let _ = self.reports.send((self.number, report));
    }

    /// Returns why the link ended.
    async fn serve(&mut self, socket: &mut Socket) -> String {
        let number = self.number;
        let mut in_hand: JoinSet<Option<String>> = JoinSet::new();
        let mut heard = Instant::now();
        let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        let mut closing: Option<Instant> = None;
        let mut close_sent = false;
        loop {
            // Closing: once nothing is in hand, the close frame; then Slack's answer, or the
            // deadline.
            if let Some(deadline) = closing {
                if in_hand.is_empty() && !close_sent {
                    close_sent = true;
                    if let Err(e) = socket.close(None).await {
                        return format!("closed ({e})");
                    }
                }
                if Instant::now() >= deadline {
                    return "closed (Slack did not answer the close frame)".into();
                }
            }
            let close_deadline = closing.unwrap_or_else(|| Instant::now() + CLOSE_WITHIN);
            tokio::select! {
                frame = socket.next() => {
                    heard = Instant::now();
                    let text = match frame {
                        None => return "the link closed".into(),
                        Some(Err(e)) => return format!("the link failed: {e}"),
                        Some(Ok(Message::Text(text))) => text,
                        // Slack's answer to our close frame needs no line.
                        Some(Ok(Message::Close(frame))) if closing.is_none() => {
                            let how = frame.map(|f| format!(" ({} {})", f.code, f.reason));
                            tracing::info!(
                                "Socket Mode: Slack closed link #{number}{}",
                                how.unwrap_or_default()
                            );
                            continue;
                        }
                        // Pings are answered by the WebSocket layer; pongs only show life.
                        Some(Ok(_)) => continue,
                    };
                    self.take(&text, closing.is_some(), &mut in_hand);
                }
                Some(done) = in_hand.join_next(), if !in_hand.is_empty() => {
                    let ack = match done {
                        Ok(ack) => ack,
                        Err(e) => {
                            tracing::error!("Socket Mode: an envelope's handling failed: {e}");
                            None
                        }
                    };
                    if let Some(ack) = ack
                        && let Err(e) = socket.send(Message::text(ack)).await
                    {
                        return format!("cannot acknowledge an envelope: {e}");
                    }
                }
                _ = ping.tick(), if !close_sent => {
                    if heard.elapsed() > SILENT_LIMIT {
                        return format!("Slack was silent for {} s", SILENT_LIMIT.as_secs());
                    }
                    if let Err(e) = socket.send(Message::Ping(Default::default())).await {
                        return format!("cannot ping: {e}");
                    }
                }
                _ = &mut self.close, if closing.is_none() => {
                    closing = Some(Instant::now() + CLOSE_WITHIN);
                }
                () = tokio::time::sleep_until(close_deadline), if closing.is_some() => {}
            }
        }
    }

    /// One text message from Slack.
    fn take(&self, text: &str, closing: bool, in_hand: &mut JoinSet<Option<String>>) {
        let number = self.number;
        match envelope::parse(text) {
            Ok(Incoming::Hello { connections }) => {
                let open = connections
                    .map(|n| format!(" ({n} open)"))
                    .unwrap_or_default();
                tracing::info!("Socket Mode: link #{number} is up{open}");
                self.report(Report::Hello);
            }
            Ok(Incoming::Disconnect { reason }) => self.report(Report::Replace { reason }),
            Ok(Incoming::Envelope(envelope)) if closing => tracing::info!(
                "Socket Mode: link #{number} is closing: envelope {} left for Slack to send \
                 again",
                envelope.id
            ),
            Ok(Incoming::Envelope(envelope)) => {
                in_hand.spawn(dispatch(self.app.clone(), self.handlers, envelope));
            }
            Ok(Incoming::Other { kind }) => {
                tracing::info!("Socket Mode: ignored a message of type {kind:?}");
            }
            Err(e) => tracing::warn!("Socket Mode: ignored a message from Slack: {e}"),
        }
    }
}
