//! Events applied to a real content store in a temporary folder.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::*;
use crate::content::{ChannelDescription, ContentStore, MessageRecord, Ts};

/// A store at `dir/name` with chat `live` for C1 holding message `1700000010.000000`
/// ("original"), and that message's file.
fn store_with_a_message(dir: &Path, name: &str) -> (ContentStore, PathBuf) {
    let mut store = ContentStore::open(&dir.join(name), &dir.join("staging")).unwrap();
    let channel = ChannelDescription::for_tests("C1", "live");
    let mut batch = store.begin().unwrap();
    let slug = batch.ensure_channel(&channel).unwrap();
    let original = json!({"ts": "1700000010.000000", "user": "U1", "text": "original"});
    batch
        .upsert_message(&slug, original.as_object().unwrap().clone())
        .unwrap();
    batch.commit().unwrap();
    let file = store
        .layout()
        .message_file(&slug, &Ts::parse("1700000010.000000").unwrap());
    (store, file)
}

/// Applies `round` in one batch, as the publisher does.
fn apply_round(store: &mut ContentStore, round: &[Value]) {
    let mut batch = store.begin().unwrap();
    let mut parked = Parked::default();
    let mut applied = Applied::default();
    for envelope in round {
        let callback = parse(envelope.as_object().unwrap()).unwrap();
        apply(&mut batch, &callback.event, &mut parked, &mut applied).unwrap();
    }
    batch.commit().unwrap();
}

/// Applies `round` twice, as a crash before the journal position is saved makes the publisher
/// do; asserts the second time changed no byte; returns the message.
fn applied_twice(store: &mut ContentStore, file: &Path, round: &[Value]) -> MessageRecord {
    apply_round(store, round);
    let once = std::fs::read(file).unwrap();
    apply_round(store, round);
    let twice = std::fs::read(file).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&twice),
        String::from_utf8_lossy(&once)
    );
    serde_json::from_slice(&once).unwrap()
}

/// The round the `apply_event` fuzz target found (fuzz/findings/): three `message_changed`
/// events of one message, the first two without `edited` (as a bot's `chat.update` sends them).
/// Applied once, the first text was lost; applied again, the round put it back among the
/// revisions, out of order.
#[test]
fn replaying_the_fuzz_findings_round_changes_nothing_and_keeps_every_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut round: Vec<Value> = serde_json::from_str(include_str!(
        "../../fuzz/findings/apply_event-replay-readable.json"
    ))
    .unwrap();

    // As found: no `event_ts`, so only content orders the two unedited versions.
    let (mut store, file) = store_with_a_message(dir.path(), "as-found");
    let record = applied_twice(&mut store, &file, &round);
    let mut history: Vec<&str> = record.revisions.iter().map(|r| r.text.as_str()).collect();
    history.sort_unstable();
    assert_eq!(history, ["first", "original", "second"]);
    assert_eq!(record.text(), "third");

    // As Slack sends them, with the time of each change: the history is in that order.
    for (i, envelope) in round.iter_mut().enumerate() {
        envelope["event"]["event_ts"] = json!(format!("1700000011.00000{i}"));
    }
    let (mut store, file) = store_with_a_message(dir.path(), "timed");
    let record = applied_twice(&mut store, &file, &round);
    let history: Vec<&str> = record.revisions.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(history, ["original", "first", "second"]);
    assert_eq!(record.text(), "third");
}
