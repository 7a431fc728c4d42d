use super::*;
use serde_json::json;

fn ev(n: u32) -> (String, Value) {
    (format!("Ev{n}"), json!({"type": "event_callback", "n": n}))
}

/// An envelope whose `event` nests `depth` arrays, as Slack's JSON could, parsed the way
/// `serve` parses a request body.
fn deep_event(depth: usize) -> (String, Value) {
    let text = format!(
        "{{\"type\":\"event_callback\",\"event\":{}1{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let value: Value = serde_json::from_str(&text).expect("parses on arrival");
    ("EvDeep".to_owned(), value)
}

#[test]
fn a_deeply_nested_event_that_parsed_on_arrival_is_replayed_after_a_crash() {
    // serde_json stops at 128 levels; on arrival this envelope is 127 deep.
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(dir.path());
    let mut j = Journal::open(paths.clone()).unwrap().journal;
    let (deep_id, deep) = deep_event(126);
    let (answers, _) = j.append(vec![ev(1), (deep_id, deep.clone()), ev(3)]);
    assert!(answers.iter().all(|a| matches!(a, Ok(Ack::Recorded(_)))));
    drop(j);
    let r = Journal::open(paths.clone()).unwrap();
    assert_eq!(
        r.pending.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(r.pending[1].event, deep);
    // Nothing was cut, and the ids still de-duplicate retries.
    let mut j = r.journal;
    assert_eq!(
        j.append(vec![ev(3), ("EvDeep".to_owned(), json!({}))]).0,
        vec![Ok(Ack::Duplicate), Ok(Ack::Duplicate)]
    );
}

#[test]
fn a_damaged_line_is_skipped_and_what_follows_it_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(dir.path());
    let mut j = Journal::open(paths.clone()).unwrap().journal;
    j.append(vec![ev(1)]);
    drop(j);
    // Damage in the middle of the file (a bad sector, a hand edit), then two good entries.
    let mut bytes = fs::read(paths.journal()).unwrap();
    bytes.extend_from_slice(b"{\"seq\": 2, this is not json}\n");
    fs::write(paths.journal(), &bytes).unwrap();
    let mut j = Journal::open(paths.clone()).unwrap().journal;
    j.append(vec![ev(3), ev(4)]);
    drop(j);
    let before = fs::read(paths.journal()).unwrap();
    let r = Journal::open(paths.clone()).unwrap();
    let ids: Vec<&str> = r.pending.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["Ev1", "Ev3", "Ev4"]);
    assert_eq!(
        fs::read(paths.journal()).unwrap(),
        before,
        "every byte kept"
    );
}

#[test]
fn only_an_unfinished_last_line_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(dir.path());
    let mut j = Journal::open(paths.clone()).unwrap().journal;
    j.append(vec![ev(1), ev(2)]);
    drop(j);
    let whole = fs::read(paths.journal()).unwrap();
    let mut torn = whole.clone();
    torn.extend_from_slice(b"{\"seq\":3,\"id\":\"Ev3\",\"at\":1,\"event_js");
    fs::write(paths.journal(), &torn).unwrap();
    let r = Journal::open(paths.clone()).unwrap();
    assert_eq!(r.pending.len(), 2);
    assert_eq!(fs::read(paths.journal()).unwrap(), whole);
}

#[cfg(unix)]
#[test]
fn the_journal_is_for_this_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(&dir.path().join("events"));
    fs::create_dir_all(&paths.dir).unwrap();
    fs::write(paths.journal(), "").unwrap();
    fs::set_permissions(paths.journal(), fs::Permissions::from_mode(0o644)).unwrap();
    let mut j = Journal::open(paths.clone()).unwrap().journal;
    j.append(vec![ev(1)]);
    j.compact().unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&paths.dir), 0o700);
    assert_eq!(mode(&paths.journal()), 0o600);
    assert_eq!(mode(&paths.seen()), 0o600);
}

#[test]
fn journals_written_before_event_json_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(dir.path());
    fs::create_dir_all(&paths.dir).unwrap();
    fs::write(
        paths.journal(),
        "{\"seq\":1,\"id\":\"Ev1\",\"at\":1,\"event\":{\"type\":\"event_callback\"}}\n",
    )
    .unwrap();
    let r = Journal::open(paths).unwrap();
    assert_eq!(r.pending[0].event["type"], "event_callback");
}

#[test]
fn recorded_entries_survive_and_replay_until_applied() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(dir.path());
    let mut j = Journal::open(paths.clone()).unwrap().journal;
    let (answers, written) = j.append(vec![ev(1), ev(2), ev(1)]);
    assert_eq!(
        answers,
        vec![
            Ok(Ack::Recorded(1)),
            Ok(Ack::Recorded(2)),
            Ok(Ack::Duplicate)
        ]
    );
    assert_eq!(written.len(), 2);
    drop(j);
    // A crash: nothing applied yet.
    let r = Journal::open(paths.clone()).unwrap();
    assert_eq!(r.pending.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
    let mut j = r.journal;
    assert_eq!(
        j.append(vec![ev(2)]).0,
        vec![Ok(Ack::Duplicate)],
        "a retry after restart"
    );
    paths.write_applied(1).unwrap();
    assert_eq!(j.append(vec![ev(3)]).0, vec![Ok(Ack::Recorded(3))]);
    drop(j);
    let r = Journal::open(paths.clone()).unwrap();
    assert_eq!(r.pending.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3]);
}

#[test]
fn a_torn_last_line_is_cut_and_later_entries_follow_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(dir.path());
    let mut j = Journal::open(paths.clone()).unwrap().journal;
    j.append(vec![ev(1)]);
    drop(j);
    let mut f = OpenOptions::new()
        .append(true)
        .open(paths.journal())
        .unwrap();
    f.write_all(b"{\"seq\":2,\"id\":\"Ev2\",\"at\":1,\"ev")
        .unwrap();
    drop(f);
    let r = Journal::open(paths.clone()).unwrap();
    assert_eq!(r.pending.len(), 1);
    let mut j = r.journal;
    assert_eq!(j.append(vec![ev(2)]).0, vec![Ok(Ack::Recorded(2))]);
    drop(j);
    let r = Journal::open(paths).unwrap();
    assert_eq!(r.pending.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn compaction_keeps_ids_and_sequence_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(dir.path());
    let mut j = Journal::open(paths.clone()).unwrap().journal;
    j.append(vec![ev(1), ev(2)]);
    paths.write_applied(2).unwrap();
    j.compact().unwrap();
    assert_eq!(fs::metadata(paths.journal()).unwrap().len(), 0);
    drop(j);
    let r = Journal::open(paths.clone()).unwrap();
    assert!(r.pending.is_empty());
    let mut j = r.journal;
    assert_eq!(
        j.append(vec![ev(1), ev(3)]).0,
        vec![Ok(Ack::Duplicate), Ok(Ack::Recorded(3))]
    );
}
