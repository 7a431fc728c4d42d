//! `kill -9` at random points (issue 11): during `import`, `build`, `serve` under load and
//! `deploy`. After each kill the next run completes, and what it leaves equals what a run that
//! was never interrupted leaves, byte for byte; every event `serve` acknowledged is there once.
//!
//! Kill points are drawn from a seed over the command's own duration (measured by the
//! uninterrupted run), so they land early, midway and late on any machine. CI runs a handful;
//! a long run takes many more:
//!
//! ```sh
//! SCROLLBACK_CRASH_POINTS=40 SCROLLBACK_CRASH_SEED=7 \
//!     cargo test --release --test testsuite crash:: -- --test-threads 1
//! ```

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::exports::{official_export, synthetic_export};
use crate::support::project::{NO_ENV, Project, scrollback};
use crate::support::server::{Server, post_signed};
use crate::support::slack::message;
use crate::support::wait::wait_until;

/// How many kill points each test tries (`SCROLLBACK_CRASH_POINTS`, default 3).
fn points() -> usize {
    std::env::var("SCROLLBACK_CRASH_POINTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
}

/// Kill points spread over `duration`: one in each of `points()` equal slices, at a place in
/// the slice drawn from the seed (`SCROLLBACK_CRASH_SEED`, default 1).
fn kill_points(duration: Duration) -> Vec<Duration> {
    let mut state = std::env::var("SCROLLBACK_CRASH_SEED")
        .ok()
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(1)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        | 1;
    let n = points();
    (0..n)
        .map(|slice| {
            // xorshift: a failing point can be replayed from its seed.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let within = (state % 1000) as f64 / 1000.0;
            duration.mul_f64((slice as f64 + within) / n as f64)
        })
        .collect()
}

/// Runs `cmd` and kills it (SIGKILL) after `after`, unless it ends first. Says which.
fn kill_after(mut cmd: Command, after: Duration) -> &'static str {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + after;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return "finished before the kill";
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill();
    let _ = child.wait();
    "killed"
}

/// How long `args` takes on `p`, run to completion.
fn timed(p: &Project, args: &[&str], env: &[(String, String)]) -> Duration {
    let started = Instant::now();
    p.ok_env(args, env);
    started.elapsed()
}

/// Panics naming the files that differ, if the trees differ.
fn assert_same_tree(what: &str, got: &BTreeMap<String, Vec<u8>>, want: &BTreeMap<String, Vec<u8>>) {
    if got == want {
        return;
    }
    let differing: Vec<&String> = want
        .keys()
        .chain(got.keys())
        .filter(|k| got.get(*k) != want.get(*k))
        .take(10)
        .collect();
    panic!(
        "{what}: {} files, {} expected; first differing: {differing:?}",
        got.len(),
        want.len()
    );
}

/// Staging folders a killed process left are cleaned by the next one, so none are left.
fn assert_no_staging_left(p: &Project) {
    let staging = p.path(".scrollback/staging");
    let left: Vec<_> = std::fs::read_dir(&staging)
        .map(|dir| dir.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left in {}: {left:?}", staging.display());
}

#[test]
fn a_killed_import_run_again_equals_an_uninterrupted_one() {
    let (zip, _) = synthetic_export(3000, 6, 31, false);
    let zip = zip.to_str().unwrap();
    let clean = Project::init();
    let took = timed(&clean, &["import", zip], &[]);
    let want = clean.snapshot("content");
    for point in kill_points(took) {
        let p = Project::init();
        let outcome = kill_after(scrollback(p.root(), &["import", zip], NO_ENV), point);
        p.ok(&["import", zip]);
        assert_same_tree(
            &format!("content/ after an import {outcome} at {point:?}"),
            &p.snapshot("content"),
            &want,
        );
        assert_no_staging_left(&p);
    }
}

#[test]
fn a_killed_build_run_again_equals_an_uninterrupted_one() {
    let (zip, _) = synthetic_export(3000, 6, 32, false);
    let zip = zip.to_str().unwrap();
    let clean = Project::init();
    clean.ok(&["import", zip]);
    let took = timed(&clean, &["build"], &[]);
    let want = clean.snapshot("site");
    for point in kill_points(took) {
        let p = Project::init();
        p.ok(&["import", zip]);
        let outcome = kill_after(scrollback(p.root(), &["build"], NO_ENV), point);
        p.ok(&["build"]);
        assert_same_tree(
            &format!("site/ after a build {outcome} at {point:?}"),
            &p.snapshot("site"),
            &want,
        );
    }
}

/// Sends events `from..to` the way Slack does (each retried until it gets a 200); counts the
/// acknowledged ones into `acked`. Returns at the first connection error (the server died).
fn send_events(addr: &str, range: std::ops::Range<usize>, acked: &AtomicUsize) {
    for i in range {
        let body = message(
            &format!("EvCrash{i}"),
            CRASH_CHANNEL,
            &format!("1700{i:06}.000100"),
            "U1",
            &format!("crash {i}"),
        )
        .to_string();
        match post_signed(addr, body.as_bytes()) {
            Ok(r) if r.status == 200 => {
                acked.fetch_max(i + 1, Ordering::SeqCst);
            }
            _ => return,
        }
    }
}

const CRASH_CHANNEL: &str = "C1CRASH";

#[test]
fn serve_killed_under_load_loses_no_acknowledged_event() {
    const BATCH: usize = 200;
    let p = Project::init();
    p.add_live_chat(CRASH_CHANNEL, "crash", "Crash test");
    // Events are sent in order, so "acknowledged" is a prefix: 0..acked.
    let acked = Arc::new(AtomicUsize::new(0));
    let logs = Arc::new(Mutex::new(Vec::new()));
    let rounds = points();
    let mut seed = kill_points(Duration::from_millis(1000)).into_iter();
    for round in 0..rounds {
        let s = Server::start(&p);
        // Slack retries what it did not see acknowledged: start again from there.
        let from = acked.load(Ordering::SeqCst);
        let to = from + BATCH;
        let sender = {
            let (addr, acked) = (s.addr.clone(), acked.clone());
            std::thread::spawn(move || send_events(&addr, from..to, &acked))
        };
        // Killed once a share of the batch is acknowledged (drawn from the seed), while events
        // keep coming and the publisher applies and builds.
        let share = seed.next().unwrap_or_default().as_secs_f64();
        let target = from + 1 + ((BATCH - 2) as f64 * share) as usize;
        wait_until(
            format!("round {round}: {target} events acknowledged"),
            || acked.load(Ordering::SeqCst) >= target,
        );
        logs.lock().unwrap().push(s.kill9());
        sender.join().unwrap();
    }
    // The last run: everything acknowledged so far, plus the rest, lands.
    let s = Server::start(&p);
    let from = acked.load(Ordering::SeqCst);
    send_events(&s.addr, from..from + 10, &acked);
    let total = acked.load(Ordering::SeqCst);
    assert_eq!(total, from + 10);
    let messages = || p.count_files("content/channels/crash/messages", ".json");
    wait_until(format!("{total} messages in content/"), || {
        messages() >= total
    });
    assert_eq!(messages(), total, "{}", logs.lock().unwrap().join("\n"));
    for i in 0..total {
        let record: Value = serde_json::from_str(&p.read(&format!(
            "content/channels/crash/messages/1700{i:06}.000100.json"
        )))
        .unwrap();
        assert_eq!(record["slack"]["text"], format!("crash {i}"));
    }
    wait_until("the last events published", || {
        p.feed("crash")["messages"]
            .as_array()
            .is_some_and(|m| m.len() == total)
    });
    s.stop();
    assert_same_tree(
        "serve's site after kills, against a clean build",
        &p.snapshot("site"),
        &p.clean_build(),
    );
    assert_no_staging_left(&p);
}

#[cfg(feature = "s3")]
#[test]
fn a_killed_deploy_run_again_leaves_the_bucket_equal_to_the_site() {
    use crate::support::moto::moto;

    let s3 = moto();
    let p = Project::init();
    p.import(&official_export()).build();
    let endpoint = s3.endpoint();
    let env = s3.env();
    s3.make_bucket("clean");
    let took = timed(&p, &["deploy", "s3://clean", "--endpoint", &endpoint], &env);
    let site = p.snapshot("site");
    for (k, point) in kill_points(took).into_iter().enumerate() {
        let bucket = format!("killed-{k}");
        s3.make_bucket(&bucket);
        let target = format!("s3://{bucket}");
        let args = ["deploy", target.as_str(), "--endpoint", &endpoint];
        let outcome = kill_after(scrollback(p.root(), &args, &env), point);
        p.ok_env(&args, &env);
        let objects = s3.objects(&bucket, "");
        let keys: Vec<&String> = objects.keys().collect();
        assert_eq!(
            keys,
            site.keys().collect::<Vec<_>>(),
            "a deploy {outcome} at {point:?}"
        );
        for (key, bytes) in &site {
            use md5::Digest as _;
            let md5 = hex::encode(md5::Md5::digest(bytes));
            assert_eq!(
                objects[key].0, md5,
                "{key} after a deploy {outcome} at {point:?}"
            );
        }
    }
}

/// A backfill killed anywhere, run again, leaves what one uninterrupted backfill leaves: every
/// page is committed before its position is saved, so a page is at worst fetched twice
/// (issue 13).
#[test]
fn a_killed_backfill_run_again_equals_an_uninterrupted_one() {
    use crate::support::slack_api::{FakeSlack, Workspace};
    let (zip, manifest) = synthetic_export(2000, 4, 11, false);
    let slack = FakeSlack::start(Workspace::from_export(&zip));
    // Small pages, so there are many commits to land between.
    slack.set_page_limit(50);
    let mut env = slack.env();
    env.push(("SCROLLBACK_SLACK_PACING".to_owned(), "off".to_owned()));
    let project = || {
        let p = Project::init();
        for (name, channel) in manifest["channels"].as_object().unwrap() {
            p.add_live_chat(channel["id"].as_str().unwrap(), name, name);
        }
        p
    };
    let clean = project();
    let took = timed(&clean, &["backfill", "--all"], &env);
    let want = clean.snapshot("content");
    for point in kill_points(took) {
        let p = project();
        let outcome = kill_after(scrollback(p.root(), &["backfill", "--all"], &env), point);
        p.ok_env(&["backfill", "--all"], &env);
        assert_same_tree(
            &format!("content/ after a backfill {outcome} at {point:?}"),
            &p.snapshot("content"),
            &want,
        );
        assert_no_staging_left(&p);
    }
}
