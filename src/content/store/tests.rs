//! The store's rules, and batches as importers and events use them (staging, bulk writes, commit).

use super::*;
use serde_json::json;

fn live_channel() -> ChannelDescription {
    ChannelDescription::for_tests("C1", "live")
}

fn message(ts: &str, text: &str) -> Map<String, Value> {
    json!({"ts": ts, "text": text}).as_object().unwrap().clone()
}

/// Messages `1.000001` … `1.<n>`, all with `text`.
fn messages(n: usize, text: &str) -> Vec<Map<String, Value>> {
    (1..=n)
        .map(|i| message(&format!("1.{i:06}"), text))
        .collect()
}

/// A store in a temporary folder: (folder, content path, staging path, store).
fn temp_store() -> (tempfile::TempDir, PathBuf, PathBuf, ContentStore) {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    let staging = dir.path().join("staging");
    let store = ContentStore::open(&content, &staging).unwrap();
    (dir, content, staging, store)
}

#[test]
fn a_change_undone_within_a_batch_does_not_land() {
    let (_dir, _, _, mut store) = temp_store();
    let mut batch = store.begin().unwrap();
    let slug = batch.ensure_channel(&live_channel()).unwrap();
    let raw = json!({"ts": "1.000001", "text": "hi"});
    batch
        .upsert_message(&slug, raw.as_object().unwrap().clone())
        .unwrap();
    batch.commit().unwrap();
    let ts = Ts::parse("1.000001").unwrap();
    let before = fs::read(store.layout().message_file(&slug, &ts)).unwrap();

    // Added, then removed, in one batch: the tree must keep what it had.
    let mut batch = store.begin().unwrap();
    let added = batch.react(&slug, &ts, "tada", "U2", true, None).unwrap();
    assert_eq!(added, Some(WriteOutcome::Updated));
    let removed = batch.react(&slug, &ts, "tada", "U2", false, None).unwrap();
    assert_eq!(removed, Some(WriteOutcome::Unchanged));
    batch.commit().unwrap();
    assert_eq!(
        fs::read(store.layout().message_file(&slug, &ts)).unwrap(),
        before
    );
}

/// Bulk writes go through the writer thread; a later version of one of those files, in the
/// same batch, must merge with what was queued, not with what the tree had.
#[test]
fn bulk_staged_files_are_read_back_and_merged_within_the_batch() {
    let (_dir, _, _, mut store) = temp_store();
    let mut batch = store.begin().unwrap();
    let slug = batch.ensure_channel(&live_channel()).unwrap();
    let many = messages(500, "first");
    let outcomes = batch.upsert_messages(&slug, many);
    assert!(outcomes.iter().all(|o| o.is_ok()));
    let edited = json!({"ts": "1.000007", "text": "second", "edited": {"ts": "2.000000"}});
    let (_, outcome) = batch
        .upsert_message(&slug, edited.as_object().unwrap().clone())
        .unwrap();
    assert_eq!(outcome, WriteOutcome::Created);
    let summary = batch.commit().unwrap();
    assert_eq!(summary.created, 501, "500 messages and channel.toml");
    assert_eq!(summary.paths.len(), 501);
    let seventh_rel = relative::message_file(&slug, &Ts::parse("1.000007").unwrap());
    assert!(summary.paths.contains(&seventh_rel));

    let seventh = store.read_message(&slug, &Ts::parse("1.000007").unwrap());
    let seventh = seventh.unwrap().unwrap();
    assert_eq!(seventh.slack["text"], "second");
    assert_eq!(
        seventh.revisions.len(),
        1,
        "the first text is kept as a revision"
    );
    let last = store.read_message(&slug, &Ts::parse("1.000500").unwrap());
    assert_eq!(last.unwrap().unwrap().slack["text"], "first");
}

/// A batch dropped without commit, while its writer thread may still be writing, leaves the
/// tree and the staging folder empty.
#[test]
fn a_dropped_bulk_batch_leaves_nothing() {
    let (_dir, content, staging, mut store) = temp_store();
    let mut batch = store.begin().unwrap();
    let slug = batch.ensure_channel(&live_channel()).unwrap();
    let many = messages(3000, "text");
    batch.upsert_messages(&slug, many);
    drop(batch);
    assert!(!content.join("channels").join(slug.as_str()).exists());
    assert_eq!(fs::read_dir(&staging).unwrap().count(), 0);
}

/// A new chat whose folder appeared in the tree meanwhile (another writer) cannot move in
/// whole: its files move one by one, and every one is listed.
#[test]
fn a_new_chat_whose_folder_appeared_meanwhile_moves_file_by_file() {
    let (_dir, content, _, mut store) = temp_store();
    let mut batch = store.begin().unwrap();
    let slug = batch.ensure_channel(&live_channel()).unwrap();
    let many = messages(50, "text");
    batch.upsert_messages(&slug, many);
    let other = content.join("channels").join(slug.as_str());
    fs::create_dir_all(other.join("messages")).unwrap();
    fs::write(other.join("messages").join("keep.txt"), "someone else's").unwrap();
    let summary = batch.commit().unwrap();
    assert_eq!(summary.created, 51);
    assert_eq!(summary.paths.len(), 51);
    assert!(other.join("channel.toml").is_file());
    assert_eq!(fs::read_dir(other.join("messages")).unwrap().count(), 51);
    let first = store.read_message(&slug, &Ts::parse("1.000001").unwrap());
    assert_eq!(first.unwrap().unwrap().slack["text"], "text");
}

#[test]
fn a_bulk_commit_counts_new_chats_without_listing_their_messages() {
    let (_dir, content, _, mut store) = temp_store();
    let mut batch = store.begin().unwrap();
    let slug = batch.ensure_channel(&live_channel()).unwrap();
    let many = messages(40, "text");
    batch.upsert_messages(&slug, many);
    let summary = batch.commit_bulk().unwrap();
    assert_eq!(summary.created, 41, "40 messages and channel.toml");
    let toml = Path::new("channels")
        .join(slug.as_str())
        .join("channel.toml");
    assert_eq!(summary.paths, vec![toml]);
    let messages = content
        .join("channels")
        .join(slug.as_str())
        .join("messages");
    assert_eq!(fs::read_dir(messages).unwrap().count(), 40);
}

#[test]
fn upload_paths_stay_in_their_folder() {
    use super::upload_path;
    assert_eq!(
        upload_path("F0VRWTJ6S", "cities1000.js").unwrap(),
        PathBuf::from("F0VRWTJ6S/cities1000.js")
    );
    assert_eq!(
        upload_path("F1", "../../etc/passwd").unwrap(),
        PathBuf::from("F1/_.._etc_passwd")
    );
    assert_eq!(upload_path("F1", "..").unwrap(), PathBuf::from("F1/file"));
    assert_eq!(
        upload_path("F1", "rapport été.pdf").unwrap(),
        PathBuf::from("F1/rapport__t_.pdf")
    );
    for bad in ["", "f1", "F1/..", "../F1", "F1 "] {
        assert!(upload_path(bad, "x.png").is_err(), "{bad:?}");
    }
}
