//! The engine on its own: bytes at relative paths, staged and committed, with no content rules.

use super::*;

/// A tree and a transaction on it: (folder holding both, tree root, transaction).
fn temp_tx() -> (tempfile::TempDir, PathBuf, Transaction) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    let tx = Transaction::begin(&root, &dir.path().join("staging")).unwrap();
    (dir, root, tx)
}

#[test]
fn stages_only_changes_and_lands_them_on_commit() {
    let (dir, root, mut tx) = temp_tx();
    fs::create_dir_all(root.join("a")).unwrap();
    fs::write(root.join("a/same"), "same").unwrap();
    fs::write(root.join("a/old"), "old").unwrap();
    let outcomes: Vec<WriteOutcome> = tx
        .stage_many(vec![
            (PathBuf::from("a/same"), b"same".to_vec(), None),
            (PathBuf::from("a/old"), b"new".to_vec(), None),
            (PathBuf::from("b/c/new"), b"fresh".to_vec(), None),
        ])
        .into_iter()
        .map(Result::unwrap)
        .collect();
    use WriteOutcome::*;
    assert_eq!(outcomes, [Unchanged, Updated, Created]);
    assert_eq!(tx.len(), 2);
    assert_eq!(tx.current(Path::new("a/old")).unwrap().unwrap(), b"new");
    assert_eq!(tx.read_tree(Path::new("a/old")).unwrap().unwrap(), b"old");
    assert!(!root.join("b").exists(), "nothing lands before commit");

    let summary = tx.commit(true).unwrap();
    assert_eq!((summary.created, summary.updated), (1, 1));
    assert_eq!(
        summary.paths,
        [PathBuf::from("a/old"), PathBuf::from("b/c/new")]
    );
    assert_eq!(fs::read(root.join("a/old")).unwrap(), b"new");
    assert_eq!(fs::read(root.join("b/c/new")).unwrap(), b"fresh");
    assert_eq!(fs::read_dir(dir.path().join("staging")).unwrap().count(), 0);
}

#[test]
fn a_new_folder_lands_whole_and_its_bulk_files_are_counted() {
    let (_dir, root, mut tx) = temp_tx();
    let (folder, bulk) = (Path::new("x/new"), Path::new("x/new/items"));
    tx.stage(&folder.join("about"), b"about", Some(WriteOutcome::Created))
        .unwrap();
    tx.add_new_folder(folder, bulk);
    assert!(tx.is_new_folder(folder) && !tx.is_new_folder(bulk));
    let files = (0..10)
        .map(|i| {
            (
                bulk.join(i.to_string()),
                vec![b'x'; i],
                Some(WriteOutcome::Created),
            )
        })
        .collect();
    assert!(tx.stage_many(files).iter().all(Result::is_ok));
    assert_eq!(tx.len(), 11);
    assert!(tx.maybe_staged(&bulk.join("3")) && !tx.maybe_staged(&bulk.join("10")));
    assert_eq!(tx.current(&bulk.join("3")).unwrap().unwrap(), b"xxx");

    let summary = tx.commit(false).unwrap();
    assert_eq!(summary.created, 11);
    assert_eq!(summary.paths, [folder.join("about")]);
    assert_eq!(fs::read_dir(root.join(bulk)).unwrap().count(), 10);
}

#[test]
fn a_dropped_transaction_leaves_the_tree_as_it_was() {
    let (dir, root, mut tx) = temp_tx();
    tx.add_new_folder(Path::new("n"), Path::new("n/m"));
    let files = (0..100)
        .map(|i| (PathBuf::from(format!("n/m/{i}")), vec![1], None))
        .collect();
    tx.stage_many(files);
    drop(tx);
    assert!(!root.exists());
    assert_eq!(fs::read_dir(dir.path().join("staging")).unwrap().count(), 0);
}

#[test]
fn staging_left_by_a_dead_process_is_removed_and_a_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let staging_root = dir.path().join("staging");
    // No process has pid 999999999 (Linux pids stop at 2^22).
    let dead = staging_root.join("batch-999999999-abc");
    let live = staging_root.join(format!("batch-{}-xyz", std::process::id()));
    let other = staging_root.join("notes");
    for folder in [&dead, &live, &other] {
        fs::create_dir_all(folder.join("channels")).unwrap();
        fs::write(folder.join("channels/m.json"), "{}").unwrap();
    }
    let tx = Transaction::begin(&dir.path().join("tree"), &staging_root).unwrap();
    assert!(!dead.exists());
    assert!(live.exists() && other.exists());
    drop(tx);
    assert!(live.exists(), "another transaction's folder");
}
