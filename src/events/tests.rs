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

/// Applies `round` in one batch, as the publisher does, with U0EDITOR as the one editor and the
/// default reactions.
fn apply_round(store: &mut ContentStore, round: &[Value]) {
    apply_round_parking(store, round, &mut Parked::default());
}

fn apply_round_parking(store: &mut ContentStore, round: &[Value], parked: &mut Parked) {
    apply_round_received(store, round, parked, None);
}

/// [`apply_round`], the events received at `received` (the journal's time).
fn apply_round_received(
    store: &mut ContentStore,
    round: &[Value],
    parked: &mut Parked,
    received: Option<&Ts>,
) {
    let reactions = crate::config::editors::default_reactions();
    let policy = crate::config::editors::policy(&["U0EDITOR".to_owned()], &reactions);
    let mut batch = store.begin().unwrap();
    let mut applied = Applied::default();
    for envelope in round {
        let callback = parse_recorded(envelope.as_object().unwrap()).unwrap();
        apply(
            &mut batch,
            &callback.event,
            received,
            &policy,
            parked,
            &mut applied,
        )
        .unwrap();
    }
    batch.commit().unwrap();
}

fn reaction(id: &str, name: &str, user: &str, added: bool, ts: &str, at: &str) -> Value {
    let kind = if added {
        "reaction_added"
    } else {
        "reaction_removed"
    };
    json!({"type": "event_callback", "event_id": id, "event": {"type": kind, "user": user,
        "reaction": name, "item": {"type": "message", "channel": "C1", "ts": ts},
        "event_ts": at}})
}

#[test]
fn an_editors_reaction_in_the_table_is_an_act_and_its_removal_undoes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, file) = store_with_a_message(dir.path(), "content");
    let ts = "1700000010.000000";
    let record = applied_twice(
        &mut store,
        &file,
        &[
            reaction("Ev1", "pushpin", "U0EDITOR", true, ts, "1700000020.000000"),
            reaction("Ev2", "pushpin", "U0READER", true, ts, "1700000021.000000"),
            reaction("Ev3", "star", "U0EDITOR", true, ts, "1700000022.000000"),
            reaction("Ev4", "star", "U0EDITOR", false, ts, "1700000023.000000"),
        ],
    );
    assert!(record.pinned && !record.highlighted);
    // The editor's pushpin is markup, not a public reaction; the reader's stays one.
    let reactions = record.slack["reactions"].as_array().unwrap();
    assert_eq!(reactions.len(), 1);
    assert_eq!(reactions[0]["users"], json!(["U0READER"]));
    let acts: Vec<(&str, &str)> = (record.editorial.iter())
        .map(|e| (e.act.name(), e.via.as_str()))
        .collect();
    assert_eq!(
        acts,
        [
            ("pin", "reaction"),
            ("highlight", "reaction"),
            ("unhighlight", "reaction")
        ]
    );
}

#[test]
fn an_act_recorded_by_serve_applies_once_and_an_editors_early_reaction_waits() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, file) = store_with_a_message(dir.path(), "content");
    let ts = Ts::parse("1700000010.000000").unwrap();
    let entry = crate::content::EditorialEntry {
        id: "EdFIX1".to_owned(),
        act: crate::content::Act::Edit {
            text: "corrected".to_owned(),
        },
        by: "U0EDITOR".to_owned(),
        at: Ts::parse("1700000030.000000").unwrap(),
        via: "shortcut".to_owned(),
    };
    let (_, act) = act_envelope("C1", &ts, &entry);
    let record = applied_twice(&mut store, &file, &[act]);
    assert_eq!(record.override_text.as_deref(), Some("corrected"));
    assert_eq!(record.editorial, [entry]);

    // An editor's :no_entry_sign: on a message that has not arrived is kept until it does.
    let later = "1700000040.000000";
    let mut parked = Parked::default();
    let hide = reaction(
        "Ev5",
        "no_entry_sign",
        "U0EDITOR",
        true,
        later,
        "1700000041.000000",
    );
    apply_round_parking(&mut store, &[hide], &mut parked);
    assert_eq!(parked.len(), 1);
    let message = json!({"type": "event_callback", "event_id": "Ev6", "event": {"type": "message",
        "channel": "C1", "user": "U1", "text": "late", "ts": later, "event_ts": later}});
    apply_round_parking(&mut store, &[message], &mut parked);
    let slug = store.slug_for_channel("C1").unwrap().clone();
    let late = store
        .read_message(&slug, &Ts::parse(later).unwrap())
        .unwrap()
        .unwrap();
    assert!(
        late.hidden && late.slack.get("reactions").is_none(),
        "{late:?}"
    );
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

#[test]
fn a_new_message_received_late_is_active_when_it_arrived() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, original) = store_with_a_message(dir.path(), "content");
    let layout = store.layout().clone();
    let slug = crate::content::Slug::parse("live").unwrap();
    let at = |ts: &str| Ts::parse(ts).unwrap();
    let file = |ts: &str| layout.message_file(&slug, &at(ts));
    let read = |ts: &str| -> MessageRecord {
        serde_json::from_slice(&std::fs::read(file(ts)).unwrap()).unwrap()
    };
    // Message `ts` (text `text`) as event `id`, received at `received`.
    let mut deliver = |id: &str, ts: &str, text: &str, received: &Ts| {
        let event = json!({"type": "event_callback", "event_id": id, "event": {"type": "message",
            "channel": "C1", "user": "U1", "text": text, "ts": ts}});
        apply_round_received(&mut store, &[event], &mut Parked::default(), Some(received));
    };

    // On time (within LATE_MICROS): its own ts is its activity, and the file says nothing more.
    deliver(
        "Ev1",
        "1700000020.000000",
        "on time",
        &at("1700000025.000000"),
    );
    let on_time = read("1700000020.000000");
    assert_eq!(on_time.changed_ts, None);
    assert_eq!(on_time.activity(), at("1700000020.000000").micros());

    // Ten minutes late (a retry, or found by catch-up): active when it arrived.
    let received = at("1700000630.000000");
    deliver("Ev2", "1700000030.000000", "late", &received);
    let late = read("1700000030.000000");
    assert_eq!(late.changed_ts, Some(received.clone()));
    assert_eq!(late.activity(), received.micros());

    // Applied again from the journal (the same time): the same file.
    let before = std::fs::read(file("1700000030.000000")).unwrap();
    deliver("Ev2", "1700000030.000000", "late", &received);
    assert_eq!(std::fs::read(file("1700000030.000000")).unwrap(), before);

    // A message already recorded, sent again late, is not a new one: nothing changes.
    let before = std::fs::read(&original).unwrap();
    deliver(
        "Ev3",
        "1700000010.000000",
        "original",
        &at("1700009999.000000"),
    );
    assert_eq!(std::fs::read(&original).unwrap(), before);
}
