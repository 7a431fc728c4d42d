//! `scrollback serve` under test with Slack's side played by the test: started on a free loopback
//! port (`--port 0`), fed signed requests by a small HTTP client, observed through its files and
//! `/healthz`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{BIN, Project};

/// The signing secret every test server uses.
pub const SECRET: &str = "test-signing-secret-8f742231b10e";

/// `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`: how Slack signs a request (written here
/// independently of the server's code; checked against Slack's own SDK in tests/serve.rs).
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("v0={hex}")
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Waits for `cond`, checking every 20 ms, for up to `secs` seconds; panics with `what`.
pub fn wait_until(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out after {secs} s waiting for {what}");
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request on a new connection (`Connection: close`).
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).unwrap();
    // A server may answer (413) before reading a huge body; a failed write is fine then.
    let _ = stream.write_all(body);
    // Read the head, then as many bytes as Content-Length says (some servers keep the
    // connection open despite `Connection: close`).
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if length.is_some_and(|length| raw.len() >= end + 4 + length) {
                break;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Response {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP response: {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
            let size =
                usize::from_str_radix(String::from_utf8_lossy(&rest[..i]).trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[i + 2..i + 2 + size]);
            rest = &rest[i + 2 + size + 2..];
        }
        body = out;
    }
    Response {
        status,
        headers,
        body,
    }
}

/// A running `scrollback serve`.
pub struct Server {
    child: Child,
    pub addr: String,
    log: PathBuf,
    root: PathBuf,
}

impl Server {
    /// Starts `serve` on `p` and waits until its first build is done.
    pub fn start(p: &Project) -> Server {
        Server::start_with(p, &[])
    }

    pub fn start_with(p: &Project, extra_env: &[(&str, &str)]) -> Server {
        Server::start_args(p, &[], extra_env)
    }

    /// `serve --port 0` with more arguments and environment.
    pub fn start_args(p: &Project, extra_args: &[&str], extra_env: &[(&str, &str)]) -> Server {
        let n = std::fs::read_dir(p.root())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("serve-")
            })
            .count();
        let log = p.root().join(format!("serve-{n}.log"));
        let mut cmd = Command::new(BIN);
        cmd.arg("-C")
            .arg(p.root())
            .args(["serve", "--port", "0"])
            .args(extra_args)
            .env("SLACK_SIGNING_SECRET", SECRET)
            .env("SCROLLBACK_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("Listening on http://") {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_owned();
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "serve did not start:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        let server = Server {
            child,
            addr,
            log,
            root: p.root().to_owned(),
        };
        wait_until(120, "the first build", || {
            server.health().get("ready") == Some(&Value::Bool(true))
        });
        server
    }

    pub fn health(&self) -> Value {
        let r = http(&self.addr, "GET", "/healthz", &[], b"");
        serde_json::from_slice(&r.body).unwrap_or(Value::Null)
    }

    pub fn builds(&self) -> u64 {
        self.health()["builds"].as_u64().unwrap()
    }

    /// POSTs `body` to /slack/events, signed now with [`SECRET`].
    pub fn post(&self, body: &Value) -> u16 {
        let body = body.to_string();
        self.post_raw(body.as_bytes(), &[]).status
    }

    /// POSTs bytes, signed, with extra headers.
    pub fn post_raw(&self, body: &[u8], extra: &[(&str, String)]) -> Response {
        let ts = now().to_string();
        let mut headers = vec![
            ("Content-Type", "application/json".to_owned()),
            ("X-Slack-Request-Timestamp", ts.clone()),
            ("X-Slack-Signature", sign(SECRET, &ts, body)),
        ];
        headers.extend(extra.iter().cloned());
        http(&self.addr, "POST", "/slack/events", &headers, body)
    }

    pub fn get(&self, path: &str) -> Response {
        http(&self.addr, "GET", path, &[], b"")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for a clean stop.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("serve did not stop on SIGTERM:\n{}", self.log());
    }

    pub fn root(&self) -> &std::path::Path {
        &self.root
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// --- Slack's event payloads -------------------------------------------------------------------

pub fn callback(id: &str, event: Value) -> Value {
    json!({
        "token": "legacy-token-unused",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": id,
        "event_time": 1_700_000_000,
        "event": event,
    })
}

pub fn message(id: &str, channel: &str, ts: &str, user: &str, text: &str) -> Value {
    callback(
        id,
        json!({"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
               "event_ts": ts, "channel_type": "channel"}),
    )
}

pub fn reply(id: &str, channel: &str, ts: &str, parent: &str, text: &str) -> Value {
    callback(
        id,
        json!({"type": "message", "channel": channel, "user": "U2", "text": text, "ts": ts,
               "thread_ts": parent, "event_ts": ts, "channel_type": "channel"}),
    )
}

pub fn edit(
    id: &str,
    channel: &str,
    ts: &str,
    text: &str,
    at: &str,
    previous: Option<&str>,
) -> Value {
    let mut event = json!({"type": "message", "subtype": "message_changed", "hidden": true,
        "channel": channel, "ts": at, "event_ts": at,
        "message": {"type": "message", "user": "U1", "text": text, "ts": ts,
                    "edited": {"user": "U1", "ts": at}}});
    if let Some(prev) = previous {
        event["previous_message"] =
            json!({"type": "message", "user": "U1", "text": prev, "ts": ts});
    }
    callback(id, event)
}

pub fn delete(id: &str, channel: &str, ts: &str, at: &str) -> Value {
    callback(
        id,
        json!({"type": "message", "subtype": "message_deleted", "hidden": true, "channel": channel,
               "deleted_ts": ts, "ts": at, "event_ts": at}),
    )
}

pub fn reaction(
    id: &str,
    channel: &str,
    ts: &str,
    name: &str,
    user: &str,
    added: bool,
    at: &str,
) -> Value {
    callback(
        id,
        json!({"type": if added { "reaction_added" } else { "reaction_removed" }, "user": user,
               "reaction": name, "item_user": "U1",
               "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": at}),
    )
}
