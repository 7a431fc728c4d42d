//! Load generator for `scrollback serve`, on loopback only, bounded in count and time.
//!
//!     cargo build --release && cargo run --release --example serve_bench
//!
//! It makes a project with one live chat of 10,000 messages (tools/gen_slack_export.py, imported,
//! state set to live) under target/serve-bench/, starts the release binary's `serve` on a free
//! loopback port, and measures:
//! 1. event-to-feed latency: signed message events sent one at a time at a steady pace; for each,
//!    the time from just before the request until `feed.json` on disk contains it (p50, p99, max);
//! 2. sustained acknowledgements: many concurrent connections sending signed events for a fixed
//!    time; events acknowledged (200) per second, and how long publishing took to catch up.
//!
//! Options: --messages N (chat size, 10000), --latency-events N (200), --pace-ms N (100),
//! --seconds N (throughput phase, 10), --connections N (32), --bin PATH (target/release/scrollback).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use scrollback::serve::verify::sign;

const SECRET: &str = "bench-signing-secret";
const CHANNEL: &str = "C00005000";

struct Options {
    messages: usize,
    latency_events: usize,
    pace: Duration,
    seconds: u64,
    connections: usize,
    bin: PathBuf,
}

fn options() -> Options {
    let mut o = Options {
        messages: 10_000,
        latency_events: 200,
        pace: Duration::from_millis(100),
        seconds: 10,
        connections: 32,
        bin: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/scrollback"),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let n = || {
            value
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{flag} {value}"))
        };
        match flag.as_str() {
            "--messages" => o.messages = n() as usize,
            "--latency-events" => o.latency_events = (n() as usize).min(10_000),
            "--pace-ms" => o.pace = Duration::from_millis(n()),
            "--seconds" => o.seconds = n().min(120),
            "--connections" => o.connections = (n() as usize).clamp(1, 256),
            "--bin" => o.bin = PathBuf::from(value),
            _ => panic!("unknown option {flag}"),
        }
    }
    o
}

fn run(bin: &Path, root: &Path, args: &[&str]) {
    let out = Command::new(bin)
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scrollback {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A project with one live chat of `messages` messages.
fn project(o: &Options) -> PathBuf {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = repo.join("target/serve-bench");
    let zip = dir.join(format!("m{}.zip", o.messages));
    std::fs::create_dir_all(&dir).unwrap();
    if !zip.exists() {
        let status = Command::new("python3")
            .arg(repo.join("tools/gen_slack_export.py"))
            .args(["--messages", &o.messages.to_string(), "--channels", "1"])
            .args(["--seed", "3", "--no-manifest", "--out"])
            .arg(&zip)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let root = dir.join("project");
    let _ = std::fs::remove_dir_all(&root);
    run(&o.bin, Path::new("."), &["init", root.to_str().unwrap()]);
    run(&o.bin, &root, &["-q", "import", zip.to_str().unwrap()]);
    let settings = root.join("content/channels/general/channel.toml");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        text.replace("state = \"archived\"", "state = \"live\""),
    )
    .unwrap();
    run(&o.bin, &root, &["-q", "build"]);
    root
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn start(o: &Options, root: &Path) -> Server {
    let mut child = Command::new(&o.bin)
        .arg("-C")
        .arg(root)
        .args(["serve", "--port", "0"])
        .env("SLACK_SIGNING_SECRET", SECRET)
        .env("SCROLLBACK_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("serve started").unwrap();
        if let Some(rest) = line.strip_prefix("Listening on http://") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr }
}

fn now_secs() -> String {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

fn event(n: u64) -> (String, String) {
    let ts = format!("{}.{:06}", 1_900_000_000 + n / 1000, n % 1000);
    let body = serde_json::json!({
        "type": "event_callback", "event_id": format!("EvBench{n}"), "team_id": "T1",
        "event": {"type": "message", "channel": CHANNEL, "user": "U00001000", "ts": ts,
                  "text": format!("bench message {n}: the senate vote is expected tonight")}
    })
    .to_string();
    (ts, body)
}

async fn send(client: &reqwest::Client, addr: &str, body: String) -> bool {
    let ts = now_secs();
    let signature = sign(SECRET, &ts, body.as_bytes());
    client
        .post(format!("http://{addr}/slack/events"))
        .header("X-Slack-Request-Timestamp", ts)
        .header("X-Slack-Signature", signature)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let o = options();
    assert!(
        o.bin.exists(),
        "{} is missing: cargo build --release first",
        o.bin.display()
    );
    eprintln!("preparing a live chat of {} messages…", o.messages);
    let root = project(&o);
    let feed = root.join("site/general/feed.json");
    let feed_bytes = std::fs::metadata(&feed).unwrap().len();
    let server = start(&o, &root);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(o.connections)
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while runtime
        .block_on(async {
            client
                .get(format!("http://{}/healthz", server.addr))
                .send()
                .await
                .ok()?
                .json::<serde_json::Value>()
                .await
                .ok()
        })
        .is_none_or(|h| h["ready"] != true)
    {
        assert!(Instant::now() < deadline, "serve never became ready");
        std::thread::sleep(Duration::from_millis(50));
    }

    // 1. Latency: one event at a time, at a steady pace.
    eprintln!(
        "latency: {} events, one every {} ms…",
        o.latency_events,
        o.pace.as_millis()
    );
    let pending: Arc<Mutex<Vec<(String, Instant)>>> = Arc::new(Mutex::new(Vec::new()));
    let latencies: Arc<Mutex<Vec<(f64, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (pending, latencies, done, feed) = (
            pending.clone(),
            latencies.clone(),
            done.clone(),
            feed.clone(),
        );
        std::thread::spawn(move || {
            let mut last = None;
            while !done.load(Ordering::Relaxed) || !pending.lock().unwrap().is_empty() {
                let stamp = std::fs::metadata(&feed).and_then(|m| m.modified()).ok();
                if stamp != last {
                    last = stamp;
                    if let Ok(text) = std::fs::read_to_string(&feed) {
                        let seen = Instant::now();
                        let mut p = pending.lock().unwrap();
                        p.retain(|(ts, sent)| {
                            let there = text.contains(&format!("\"ts\":\"{ts}\""));
                            if there {
                                latencies.lock().unwrap().push((
                                    seen.duration_since(*sent).as_secs_f64() * 1000.0,
                                    ts.clone(),
                                ));
                            }
                            !there
                        });
                    }
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    for n in 0..o.latency_events as u64 {
        let (ts, body) = event(n);
        let sent = Instant::now();
        pending.lock().unwrap().push((ts, sent));
        assert!(
            runtime.block_on(send(&client, &server.addr, body)),
            "not acknowledged"
        );
        std::thread::sleep(o.pace.saturating_sub(sent.elapsed()));
    }
    let wait = Instant::now();
    while !pending.lock().unwrap().is_empty() && wait.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
    done.store(true, Ordering::Relaxed);
    pending.lock().unwrap().clear();
    watcher.join().unwrap();
    let mut by_event = latencies.lock().unwrap().clone();
    by_event.sort_by(|a, b| b.0.total_cmp(&a.0));
    let slowest: Vec<String> = by_event
        .iter()
        .take(3)
        .map(|(ms, ts)| format!("{ts} {ms:.0} ms"))
        .collect();
    let mut l: Vec<f64> = by_event.iter().map(|(ms, _)| *ms).collect();
    l.sort_by(f64::total_cmp);

    // 2. Throughput: many connections for a fixed time.
    eprintln!(
        "throughput: {} connections for {} s…",
        o.connections, o.seconds
    );
    let acked = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let next = Arc::new(AtomicU64::new(1_000_000));
    let started = Instant::now();
    let stop_at = started + Duration::from_secs(o.seconds);
    let last_ts = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..o.connections {
            let (client, addr) = (client.clone(), server.addr.clone());
            let (acked, failed, next) = (acked.clone(), failed.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut last = String::new();
                // Bounded by time and by count.
                while Instant::now() < stop_at && acked.load(Ordering::Relaxed) < 1_000_000 {
                    let (ts, body) = event(next.fetch_add(1, Ordering::Relaxed));
                    if send(&client, &addr, body).await {
                        acked.fetch_add(1, Ordering::Relaxed);
                        last = last.max(ts);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                last
            }));
        }
        let mut last = String::new();
        for t in tasks {
            last = last.max(t.await.unwrap());
        }
        last
    });
    let sending = started.elapsed().as_secs_f64();
    let acked = acked.load(Ordering::Relaxed);
    let catch_up = Instant::now();
    while !std::fs::read_to_string(&feed)
        .unwrap_or_default()
        .contains(&format!("\"ts\":\"{last_ts}\""))
        && catch_up.elapsed() < Duration::from_secs(120)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let caught_up = catch_up.elapsed().as_secs_f64();
    let health = runtime
        .block_on(async {
            client
                .get(format!("http://{}/healthz", server.addr))
                .send()
                .await
                .ok()?
                .json::<serde_json::Value>()
                .await
                .ok()
        })
        .unwrap_or_default();
    drop(server);

    println!(
        "chat: {} messages (feed.json {:.1} MB at the start)",
        o.messages,
        feed_bytes as f64 / 1e6
    );
    println!(
        "event → feed.json latency over {} events (one every {} ms): p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        l.len(),
        o.pace.as_millis(),
        percentile(&l, 0.50),
        percentile(&l, 0.90),
        percentile(&l, 0.99),
        l.last().copied().unwrap_or(f64::NAN)
    );
    println!("slowest events (ts of the event): {}", slowest.join(", "));
    println!(
        "acknowledged: {acked} events in {sending:.1} s over {} connections = {:.0} events/s ({} failed); \
         feed.json had the last one {caught_up:.2} s after sending stopped; {} builds in all",
        o.connections,
        acked as f64 / sending,
        failed.load(Ordering::Relaxed),
        health["builds"]
    );
}
