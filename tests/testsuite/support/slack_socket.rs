//! A fake of Slack's Socket Mode server, written from Slack's documentation ("Using Socket
//! Mode") and checked against the official `slack_sdk` client (tests/testsuite/socket_mode.rs).
//! WebSockets on loopback (`ws://`, which the client allows only there), one thread per link.
//!
//! Modelled: links opened with single-use tickets that `apps.connections.open` on the fake Web
//! API hands out ([`super::slack_api::FakeSlack::enable_socket_mode`]; an unknown or used ticket
//! is refused at the handshake); `hello` on every link; envelopes (`events_api`,
//! `slash_commands`, `interactive`) with Slack's fields; `disconnect` with a reason; a link cut
//! without a close frame; pings. Every text message the client sends is recorded per link, so
//! tests see acknowledgements and when they came.
//!
//! Not modelled: redelivery of unacknowledged envelopes (tests send retries themselves, with
//! `retry_attempt`), Slack closing a link some seconds after `disconnect` (tests close or cut
//! links when they want), several apps, the ten-links limit.

use std::collections::{HashSet, VecDeque};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::{Message, WebSocket};

use super::wait::wait_until;

/// The app the fake's links belong to.
pub const APP_ID: &str = "A0FAKEAPP1";

/// A running fake; stops (closing every link) when dropped.
pub struct FakeSocketMode {
    addr: String,
    shared: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
}

/// What `apps.connections.open` needs from the fake: a URL with a fresh ticket.
#[derive(Clone)]
pub struct Issuer {
    addr: String,
    shared: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    tickets_issued: u64,
    /// Issued and not yet used.
    tickets: HashSet<String>,
    /// Every link ever accepted; link `n` is `links[n - 1]`.
    links: Vec<Link>,
    envelopes_sent: u64,
    /// Handshakes refused (a ticket unknown or used).
    refused: usize,
}

#[derive(Default)]
struct Link {
    outbox: VecDeque<Message>,
    /// The client's text messages, parsed (a string when not JSON).
    received: Vec<Value>,
    open: bool,
    /// How many other links were open when this one was accepted.
    others_open: usize,
    /// Cut the TCP connection, no close frame.
    cut: bool,
    /// Close with a close frame.
    close: bool,
    /// The client sent a close frame first.
    closed_by_client: bool,
    pongs: usize,
}

impl Issuer {
    /// `ws://127.0.0.1:PORT/link/?ticket=…&app_id=…`, as `apps.connections.open` returns it.
    pub fn issue_url(&self) -> String {
        let mut state = lock(&self.shared);
        state.tickets_issued += 1;
        let ticket = format!("{:08x}-fake-ticket", state.tickets_issued);
        state.tickets.insert(ticket.clone());
        format!("ws://{}/link/?ticket={ticket}&app_id={APP_ID}", self.addr)
    }
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Issuer({})", self.addr)
    }
}

fn lock(shared: &Mutex<State>) -> MutexGuard<'_, State> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

#[allow(dead_code)]
impl FakeSocketMode {
    pub fn start() -> FakeSocketMode {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let shared = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (shared, stop) = (shared.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (shared, stop) = (shared.clone(), stop.clone());
                            std::thread::spawn(move || serve_link(stream, &shared, &stop));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        FakeSocketMode {
            addr,
            shared,
            stop,
            accept: Some(accept),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.shared)
    }

    pub fn issuer(&self) -> Issuer {
        Issuer {
            addr: self.addr.clone(),
            shared: self.shared.clone(),
        }
    }

    /// Links accepted so far (open or not).
    pub fn links(&self) -> usize {
        self.state().links.len()
    }

    /// Whether link `n` (from 1) is open.
    pub fn is_open(&self, n: usize) -> bool {
        self.state().links.get(n - 1).is_some_and(|l| l.open)
    }

    /// Whether the client closed link `n` with a close frame of its own.
    pub fn closed_by_client(&self, n: usize) -> bool {
        self.state()
            .links
            .get(n - 1)
            .is_some_and(|l| l.closed_by_client)
    }

    /// How many other links were open when link `n` was accepted.
    pub fn others_open_at_start(&self, n: usize) -> usize {
        self.state().links.get(n - 1).map_or(0, |l| l.others_open)
    }

    /// Handshakes refused for a bad ticket.
    pub fn refused(&self) -> usize {
        self.state().refused
    }

    /// Pongs link `n` got for the fake's pings.
    pub fn pongs(&self, n: usize) -> usize {
        self.state().links.get(n - 1).map_or(0, |l| l.pongs)
    }

    /// Waits until link `n` is open (its hello sent), and returns `n`.
    pub fn wait_link(&self, n: usize) -> usize {
        wait_until(format!("Socket Mode link #{n}"), || self.is_open(n));
        n
    }

    /// Sends `message` (any JSON) on link `n`.
    pub fn send(&self, n: usize, message: &Value) {
        let mut state = self.state();
        let link = state.links.get_mut(n - 1).expect("a link");
        assert!(link.open, "link #{n} is closed");
        link.outbox.push_back(Message::text(message.to_string()));
    }

    fn envelope_id(&self) -> String {
        let mut state = self.state();
        state.envelopes_sent += 1;
        let n = state.envelopes_sent;
        let port: u64 = self.addr.rsplit(':').next().unwrap().parse().unwrap();
        format!("{port:08x}-{:04x}-4f94-bfb4-{n:012x}", n % 0xffff)
    }

    /// An `events_api` envelope around `callback` (an `event_callback`) on link `n`, as Slack
    /// sends it; `retry_attempt` above 0 marks a redelivery. Returns its envelope id.
    pub fn send_event(&self, n: usize, callback: &Value, retry_attempt: u64) -> String {
        let id = self.envelope_id();
        let reason = if retry_attempt > 0 { "timeout" } else { "" };
        self.send(
            n,
            &json!({"envelope_id": id, "payload": callback, "type": "events_api",
                    "accepts_response_payload": false, "retry_attempt": retry_attempt,
                    "retry_reason": reason}),
        );
        id
    }

    /// A `slash_commands` envelope for `/scrollback TEXT` typed by `user` in `channel`.
    pub fn send_command(&self, n: usize, text: &str, user: &str, channel: &str) -> String {
        let id = self.envelope_id();
        let payload = json!({"token": "legacy-token-unused", "team_id": "T1",
            "team_domain": "newsroom", "channel_id": channel, "channel_name": "live",
            "user_id": user, "user_name": "editor", "command": "/scrollback", "text": text,
            "api_app_id": APP_ID, "is_enterprise_install": "false",
            "response_url": "https://hooks.slack.com/commands/T1/1/fake",
            "trigger_id": "1.2.fake"});
        self.send(
            n,
            &json!({"envelope_id": id, "payload": payload, "type": "slash_commands",
                    "accepts_response_payload": true}),
        );
        id
    }

    /// An `interactive` envelope: a message shortcut (`message_action`) on message `ts`.
    pub fn send_shortcut(&self, n: usize, callback_id: &str, channel: &str, ts: &str) -> String {
        let id = self.envelope_id();
        let payload = json!({"type": "message_action", "token": "legacy-token-unused",
            "action_ts": "1700000100.000001", "team": {"id": "T1", "domain": "newsroom"},
            "user": {"id": "U1", "name": "editor", "team_id": "T1"},
            "channel": {"id": channel, "name": "live"}, "callback_id": callback_id,
            "trigger_id": "1.2.fake", "message_ts": ts,
            "message": {"type": "message", "user": "U2", "text": "a message", "ts": ts},
            "response_url": "https://hooks.slack.com/app/T1/1/fake"});
        self.send(
            n,
            &json!({"envelope_id": id, "payload": payload, "type": "interactive",
                    "accepts_response_payload": false}),
        );
        id
    }

    /// `disconnect` on link `n` with `reason` (`warning`, `refresh_requested`, `link_disabled`).
    pub fn disconnect(&self, n: usize, reason: &str) {
        self.send(
            n,
            &json!({"type": "disconnect", "reason": reason,
                    "debug_info": {"host": format!("applink-fake-{n}")}}),
        );
    }

    /// Cuts link `n` without a close frame, as a network failure would.
    pub fn cut(&self, n: usize) {
        self.state().links.get_mut(n - 1).expect("a link").cut = true;
    }

    /// Closes link `n` with a close frame, as Slack does after `disconnect`.
    pub fn close(&self, n: usize) {
        self.state().links.get_mut(n - 1).expect("a link").close = true;
    }

    /// Pings link `n`.
    pub fn ping(&self, n: usize) {
        let mut state = self.state();
        let link = state.links.get_mut(n - 1).expect("a link");
        link.outbox.push_back(Message::Ping(Default::default()));
    }

    /// Every text message the client sent on link `n`.
    pub fn received(&self, n: usize) -> Vec<Value> {
        self.state()
            .links
            .get(n - 1)
            .map(|l| l.received.clone())
            .unwrap_or_default()
    }

    /// Acknowledgements of envelope `id`, on any link.
    pub fn acks_of(&self, id: &str) -> Vec<Value> {
        self.state()
            .links
            .iter()
            .flat_map(|l| l.received.iter())
            .filter(|m| m["envelope_id"] == id)
            .cloned()
            .collect()
    }

    /// Waits for the acknowledgement of envelope `id` and returns it.
    pub fn wait_ack(&self, id: &str) -> Value {
        wait_until(format!("the acknowledgement of envelope {id}"), || {
            self.acks_of(id).into_iter().next()
        })
    }
}

impl Drop for FakeSocketMode {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// One link: the handshake (a valid ticket, used once), `hello`, then messages both ways until
/// either side ends it.
// The handshake callback's error type is tungstenite's (a whole HTTP response).
#[allow(clippy::result_large_err)]
fn serve_link(stream: TcpStream, shared: &Mutex<State>, stop: &AtomicBool) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let check_ticket = |request: &Request, response: Response| {
        let query = request.uri().query().unwrap_or_default();
        let ticket = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("ticket="))
            .unwrap_or_default();
        let mut state = lock(shared);
        if request.uri().path() == "/link/" && state.tickets.remove(ticket) {
            Ok(response)
        } else {
            state.refused += 1;
            let mut refusal = ErrorResponse::new(Some("invalid ticket".into()));
            *refusal.status_mut() = tungstenite::http::StatusCode::UNAUTHORIZED;
            Err(refusal)
        }
    };
    let Ok(mut ws) = tungstenite::accept_hdr(stream, check_ticket) else {
        return;
    };
    ws.get_ref()
        .set_read_timeout(Some(Duration::from_millis(10)))
        .unwrap();
    let n = {
        let mut state = lock(shared);
        let others_open = state.links.iter().filter(|l| l.open).count();
        state.links.push(Link {
            open: true,
            others_open,
            ..Link::default()
        });
        let n = state.links.len();
        let hello = json!({"type": "hello", "num_connections": others_open + 1,
            "debug_info": {"host": format!("applink-fake-{n}"), "build_number": 1,
                           "approximate_connection_time": 18060},
            "connection_info": {"app_id": APP_ID}});
        state.links[n - 1]
            .outbox
            .push_back(Message::text(hello.to_string()));
        n
    };
    run_link(&mut ws, n, shared, stop);
    lock(shared).links[n - 1].open = false;
}

fn run_link(ws: &mut WebSocket<TcpStream>, n: usize, shared: &Mutex<State>, stop: &AtomicBool) {
    let mut close_sent = false;
    loop {
        let (outbox, cut, close) = {
            let mut state = lock(shared);
            let link = &mut state.links[n - 1];
            (std::mem::take(&mut link.outbox), link.cut, link.close)
        };
        if cut || stop.load(Ordering::SeqCst) {
            let _ = ws.get_ref().shutdown(std::net::Shutdown::Both);
            return;
        }
        for message in outbox {
            if ws.send(message).is_err() {
                return;
            }
        }
        if close && !close_sent {
            close_sent = true;
            let _ = ws.close(None);
        }
        match ws.read() {
            Ok(Message::Text(text)) => {
                let value = serde_json::from_str(&text).unwrap_or(Value::String(text.to_string()));
                lock(shared).links[n - 1].received.push(value);
            }
            Ok(Message::Pong(_)) => lock(shared).links[n - 1].pongs += 1,
            Ok(Message::Close(_)) => {
                if !close_sent {
                    lock(shared).links[n - 1].closed_by_client = true;
                }
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}
