//! Events API bodies through the path `serve` takes: `envelope_type`, `events::parse`, then
//! `events::apply` into a real content store, one batch per round as the publisher does.
//!
//! The input is JSON: one envelope, or an array of envelopes that make one round (so an edit,
//! a deletion or a reaction can arrive before its message). Each input gets a fresh project
//! with two tracked chats (`C1`, with one message and its author, and `D1`), so events find
//! something to change.
//!
//! It checks: no panic; the content tree holds only valid files at valid paths and nothing was
//! written outside the project; and applying the same round again changes no byte, which is
//! what `events` promises (every event applies idempotently, and the publisher replays a round
//! after a crash on the grounds that this changes nothing already there). With
//! `APPLY_EVENT_SKIP_REPLAY` set, the replay is skipped, to fuzz the rest past the known replay
//! finding (see README.md).
#![no_main]

mod content_tree;

use content_tree::{Sandbox, check_tree, snapshot};
use libfuzzer_sys::fuzz_target;
use scrollback::content::{ChannelDescription, ConversationKind, SlackChannelInfo};
use scrollback::events::{self, Applied, Callback, Parked};
use scrollback::project::Project;
use serde_json::{Map, Value, json};

/// Envelopes past this many in one input are left out (a round of a few is what matters).
const MAX_ROUND: usize = 16;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let bodies = match body {
        Value::Array(items) => items.into_iter().take(MAX_ROUND).collect(),
        one => vec![one],
    };
    // What the HTTP handler accepts (the rest gets a 400 and never reaches the publisher).
    let round: Vec<Callback> = bodies
        .iter()
        .filter_map(|b| match events::envelope_type(b) {
            Ok((envelope, "event_callback")) => events::parse(envelope).ok(),
            _ => None,
        })
        .collect();
    if round.is_empty() {
        return;
    }
    let sandbox = Sandbox::new();
    let project = &sandbox.project;
    set_up(project);
    let mut parked = Parked::default();

    apply_round(project, &round, &mut parked);
    sandbox.check_no_escape(&[]);
    let tree = snapshot(project);
    check_tree(&tree);
    let waiting = parked.len();
    if std::env::var_os("APPLY_EVENT_SKIP_REPLAY").is_some() {
        return;
    }

    apply_round(project, &round, &mut parked);
    sandbox.check_no_escape(&[]);
    assert!(
        snapshot(project) == tree,
        "applying the same events again changed the content tree"
    );
    assert_eq!(
        parked.len(),
        waiting,
        "applying again parked more reactions"
    );
});

/// As `Publisher::apply_round`: one batch; an event that cannot be applied is skipped (the
/// publisher logs it), the rest land together.
fn apply_round(project: &Project, round: &[Callback], parked: &mut Parked) {
    let mut store = project.open_store().expect("the store opens");
    let mut batch = store.begin().expect("a batch");
    let mut applied = Applied::default();
    // U1 is an editor, so the default reactions (pushpin, star, no_entry_sign) are acts.
    let reactions = scrollback::config::editors::default_reactions();
    let policy = scrollback::config::editors::policy(&["U1".to_owned()], &reactions);
    for callback in round {
        let _ = events::apply(&mut batch, &callback.event, &policy, parked, &mut applied);
    }
    batch.commit().expect("the round commits");
}

/// Two tracked chats, a message in the first and its author.
fn set_up(project: &Project) {
    let mut store = project.open_store().expect("the store opens");
    let mut batch = store.begin().expect("a batch");
    let chat = |id: &str, name: &str, kind| ChannelDescription {
        channel_id: id.to_owned(),
        slack: SlackChannelInfo {
            name: name.to_owned(),
            kind,
            topic: "news".to_owned(),
            purpose: String::new(),
            created: 1_700_000_000,
            is_archived: false,
        },
        slug: None,
        headline: None,
        description: None,
        state: None,
    };
    let general = batch
        .ensure_channel(&chat("C1", "general", ConversationKind::Public))
        .expect("chat C1");
    batch
        .ensure_channel(&chat("D1", "", ConversationKind::Dm))
        .expect("chat D1");
    batch
        .upsert_message(
            &general,
            object(
                json!({"type": "message", "user": "U1", "text": "hello <@U1>",
                          "ts": "1700000000.000100"}),
            ),
        )
        .expect("a message");
    batch
        .put_user(object(
            json!({"id": "U1", "name": "alice", "real_name": "Alice"}),
        ))
        .expect("a user");
    batch.commit().expect("the set-up commits");
}

fn object(value: Value) -> Map<String, Value> {
    let Value::Object(map) = value else {
        unreachable!()
    };
    map
}
