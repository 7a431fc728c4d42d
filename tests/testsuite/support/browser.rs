//! A small DevTools-protocol client for headless Chromium: launch, open a page, evaluate
//! JavaScript, wait for a condition. Enough to assert what a reader's browser shows.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use super::process::Process;
use super::wait::wait_until;

/// The Chromium to drive: `SCROLLBACK_CHROMIUM`, else Debian's `/usr/bin/chromium`.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("SCROLLBACK_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// A headless Chromium, killed on drop, and its DevTools connection.
pub struct Browser {
    _process: Process,
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

/// An open page.
pub struct Tab {
    session: String,
}

impl Browser {
    pub fn launch() -> Browser {
        let exe = chromium_path();
        assert!(
            exe.exists(),
            "{} not found: the browser tests need Chromium (scripts/test installs Debian's chromium; or set SCROLLBACK_CHROMIUM)",
            exe.display()
        );
        let profile = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(&exe);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--remote-debugging-port=0",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank");
        let process = Process::start(cmd);
        // Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID".
        let line = process.wait_line("DevTools listening on ws://");
        let url = &line[line.find("ws://").unwrap()..];
        let (ws, _) = tungstenite::connect(url.trim()).expect("connect to Chromium");
        Browser {
            _process: process,
            ws,
            next_id: 0,
            _profile: profile,
        }
    }

    /// Sends a command and waits for its answer (events in between are skipped).
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = s.into();
        }
        self.ws.send(Message::text(msg.to_string())).unwrap();
        loop {
            let reply = self.ws.read().expect("Chromium closed the connection");
            let Message::Text(text) = reply else { continue };
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    pub fn open(&mut self, url: &str) -> Tab {
        let target = self.call(None, "Target.createTarget", json!({"url": url}));
        let target_id = target["targetId"].as_str().unwrap().to_owned();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        Tab {
            session: attached["sessionId"].as_str().unwrap().to_owned(),
        }
    }

    /// Evaluates `js` in the page and returns its value (awaiting promises).
    pub fn eval(&mut self, tab: &Tab, js: &str) -> Value {
        let r = self.call(
            Some(&tab.session),
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        );
        r["result"]["value"].clone()
    }

    /// A PNG of what the page shows, written to `path`; returns its bytes.
    pub fn screenshot(&mut self, tab: &Tab, path: &std::path::Path) -> Vec<u8> {
        use base64::Engine;
        let shot = self.call(
            Some(&tab.session),
            "Page.captureScreenshot",
            json!({"format": "png"}),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("base64 PNG");
        std::fs::write(path, &png).unwrap();
        png
    }

    /// Waits until `js` evaluates to something truthy, and returns it.
    pub fn wait_for(&mut self, tab: &Tab, js: &str, what: &str) -> Value {
        let guarded =
            format!("(() => {{ try {{ return {js}; }} catch (e) {{ return null; }} }})()");
        wait_until(format!("{what} ({js})"), || {
            let v = self.eval(tab, &guarded);
            let truthy =
                !matches!(&v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0);
            truthy.then_some(v)
        })
    }
}
