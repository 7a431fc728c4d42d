//! `scrollback serve` under test with Slack's side played by the test: started on a free
//! loopback port (`--port 0`), fed signed requests, observed through its files, its output and
//! `/healthz`.

use std::ffi::OsStr;

use serde_json::Value;

use super::http::{Response, get, request, try_request};
use super::process::Process;
use super::project::{NO_ENV, Project, scrollback};
use super::slack::{now, sign};
use super::wait::wait_until;

/// The signing secret every test server uses.
pub const SECRET: &str = "test-signing-secret-8f742231b10e";

/// The headers Slack would send with `body` now: a fresh timestamp and its signature with
/// [`SECRET`].
pub fn signed_headers(body: &[u8]) -> Vec<(&'static str, String)> {
    let ts = now().to_string();
    vec![
        ("Content-Type", "application/json".to_owned()),
        ("X-Slack-Request-Timestamp", ts.clone()),
        ("X-Slack-Signature", sign(SECRET, &ts, body)),
    ]
}

/// One signed POST of `body` to `/slack/events` at `addr`, on a new connection; an error if the
/// server cannot be reached or gives no HTTP answer.
pub fn post_signed(addr: &str, body: &[u8]) -> Result<Response, String> {
    try_request(addr, "POST", "/slack/events", &signed_headers(body), body)
}

/// A running `scrollback serve`, killed on drop.
pub struct Server {
    process: Process,
    pub addr: String,
}

impl Server {
    /// Starts `serve` on `p` and waits until its first build is done.
    pub fn start(p: &Project) -> Server {
        Server::start_with(p, &[], NO_ENV)
    }

    /// `serve --port 0` with more arguments and environment.
    pub fn start_with(
        p: &Project,
        extra_args: &[&str],
        extra_env: &[(impl AsRef<OsStr>, impl AsRef<OsStr>)],
    ) -> Server {
        Server::start_on(p, 0, extra_args, extra_env)
    }

    /// `serve --port PORT` (a restart on the port pages already have open) with more arguments
    /// and environment.
    pub fn start_on(
        p: &Project,
        port: u16,
        extra_args: &[&str],
        extra_env: &[(impl AsRef<OsStr>, impl AsRef<OsStr>)],
    ) -> Server {
        let port = port.to_string();
        let mut cmd = scrollback(p.root(), &["serve", "--port", &port], NO_ENV);
        cmd.args(extra_args)
            .env("SLACK_SIGNING_SECRET", SECRET)
            .env("SCROLLBACK_LOG", "info");
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        Server::launch(cmd)
    }

    /// `serve --port 0 --socket-mode` with `env` (the fake's SLACK_API_URL and SLACK_APP_TOKEN)
    /// and no signing secret, as a newsroom without a public endpoint runs it.
    pub fn start_socket_mode(p: &Project, env: &[(String, String)]) -> Server {
        let mut cmd = scrollback(p.root(), &["serve", "--port", "0", "--socket-mode"], env);
        cmd.env_remove("SLACK_SIGNING_SECRET")
            .env("SCROLLBACK_LOG", "info");
        Server::launch(cmd)
    }

    /// Starts `cmd` (a `serve`), finds its address and waits until its first build is done.
    fn launch(cmd: std::process::Command) -> Server {
        let process = Process::start(cmd);
        let line = process.wait_line("Listening on http://");
        let (_, rest) = line.split_once("Listening on http://").unwrap();
        let addr = rest
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        let server = Server { process, addr };
        wait_until("the first build", || {
            server.health().get("ready") == Some(&Value::Bool(true))
        });
        server
    }

    pub fn health(&self) -> Value {
        serde_json::from_slice(&self.get("/healthz").body).unwrap_or(Value::Null)
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
        let mut headers = signed_headers(body);
        headers.extend(extra.iter().cloned());
        request(&self.addr, "POST", "/slack/events", &headers, body)
    }

    pub fn get(&self, path: &str) -> Response {
        get(&self.addr, path)
    }

    /// The most memory the server has held so far (`VmHWM`, its peak resident set), in KiB.
    pub fn peak_memory_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.process.id()))
            .expect("/proc/PID/status (Linux)");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmHWM line")
    }

    /// What the server has printed so far (its log, at `info`).
    pub fn log(&self) -> String {
        self.process.output()
    }

    /// SIGKILL: no chance to finish anything. Returns the log.
    pub fn kill9(mut self) -> String {
        self.process.kill9();
        self.log()
    }

    /// SIGTERM, then waits for a clean stop. Returns the log.
    pub fn stop(mut self) -> String {
        self.process.stop();
        self.log()
    }
}
