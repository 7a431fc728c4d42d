//! Each built chat's messages as the last build read them, without their views: what a cold
//! `build` needs to thread the chat, sign its pages and cut its feeds without reading a message
//! file (issue 15, requirement 3). After one new message in a 100,000-message chat, a cold build
//! reads the new file and those of the messages the outputs it renders again show, not the chat.
//!
//! One file per chat, `<slug>.bin` in the target's index folder (`.scrollback/build-index/`), in
//! postcard: a tenth of a build state's JSON in size and time to read. Like the build state it is
//! a cache: it is used only when it was written from the files the state's record of the chat
//! signs (the same [`files_signature`]), and anything unreadable means the chat is read whole.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::deps::Deps;
use super::plan::files_signature;
use crate::build::chat::messages::{Item, Visibility};
use crate::content::Ts;
use crate::file_stamp::Stamp;
use crate::fsio;

/// Bump when an entry's meaning changes; a mismatch means the chat is read whole.
const FORMAT: u32 = 1;

/// A chat's messages without their views.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChatIndex {
    format: u32,
    /// The scrollback version that wrote it: views, hashes and visibility rules may differ.
    version: String,
    /// The [`files_signature`] of its entries, to match against the build state's record.
    files: u64,
    entries: Vec<Entry>,
}

/// What an [`Item`] keeps of its message file, but its view and the names it looked up.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    ts: Ts,
    stamp: Stamp,
    visibility: Visibility,
    parent: Option<Ts>,
    broadcast: bool,
    holds_place: bool,
    activity: u64,
    json_hash: Option<u64>,
    pinned: bool,
    updated: Option<i64>,
}

impl ChatIndex {
    /// The index of a chat's messages as they are in memory.
    pub fn of(items: &BTreeMap<Ts, Item>) -> ChatIndex {
        ChatIndex {
            format: FORMAT,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            files: files_signature(items.values().map(|i| (&i.ts, i.stamp))),
            entries: items
                .values()
                .map(|i| Entry {
                    ts: i.ts.clone(),
                    stamp: i.stamp,
                    visibility: i.visibility,
                    parent: i.parent.clone(),
                    broadcast: i.broadcast,
                    holds_place: i.holds_place,
                    activity: i.activity,
                    json_hash: i.json_hash,
                    pinned: i.pinned,
                    updated: i.updated,
                })
                .collect(),
        }
    }

    /// The files signature it was made from (what [`ChatIndex::load`] is asked for).
    pub fn files(&self) -> u64 {
        self.files
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        fsio::write_atomic_cache(path, &postcard::to_stdvec(self)?)
    }

    /// The messages of the index at `path`, if it was written by this version from the files
    /// `files` signs; `None` (read the chat whole) for anything else.
    pub fn load(path: &Path, files: u64) -> Option<BTreeMap<Ts, Item>> {
        let bytes = fsio::read_optional(path).ok()??;
        let index: ChatIndex = match postcard::from_bytes(&bytes) {
            Ok(index) => index,
            Err(e) => {
                tracing::info!(
                    "{} is damaged ({e}): reading the chat whole",
                    path.display()
                );
                return None;
            }
        };
        if index.format != FORMAT
            || index.version != env!("CARGO_PKG_VERSION")
            || index.files != files
        {
            return None;
        }
        Some(
            index
                .entries
                .into_iter()
                .map(|e| {
                    let item = Item {
                        ts: e.ts.clone(),
                        stamp: e.stamp,
                        visibility: e.visibility,
                        parent: e.parent,
                        broadcast: e.broadcast,
                        holds_place: e.holds_place,
                        activity: e.activity,
                        view: None,
                        json_hash: e.json_hash,
                        pinned: e.pinned,
                        updated: e.updated,
                        deps: Deps::default(),
                        from_index: true,
                    };
                    (e.ts, item)
                })
                .collect(),
        )
    }
}

/// Where the index of the chat `slug` is kept, in the target's index folder.
pub fn index_path(dir: &Path, slug: &str) -> PathBuf {
    dir.join(format!("{slug}.bin"))
}

/// Removes the indexes of chats no longer built (`keep` says which slugs are).
pub fn prune(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in fsio::dir_entries(dir)? {
        let path = entry.path();
        let stale = path.extension().is_some_and(|e| e == "bin")
            && path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|slug| !keep(slug));
        if stale {
            std::fs::remove_file(&path).ok();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(ts: &str, parent: Option<&str>) -> Item {
        Item {
            ts: Ts::parse(ts).unwrap(),
            stamp: Stamp {
                len: 10,
                mtime: 1_700_000_000_000_000_000,
                inode: 7,
            },
            visibility: Visibility::Published,
            parent: parent.map(|p| Ts::parse(p).unwrap()),
            broadcast: false,
            holds_place: true,
            activity: 5,
            view: None,
            json_hash: Some(42),
            pinned: true,
            updated: Some(1_700_000_000),
            deps: Deps::default(),
            from_index: false,
        }
    }

    #[test]
    fn an_index_comes_back_as_it_was_written_and_only_for_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let items: BTreeMap<Ts, Item> =
            [item("1.000001", None), item("2.000001", Some("1.000001"))]
                .into_iter()
                .map(|i| (i.ts.clone(), i))
                .collect();
        let index = ChatIndex::of(&items);
        let path = index_path(dir.path(), "sotu");
        index.save(&path).unwrap();

        let back = ChatIndex::load(&path, index.files()).unwrap();
        assert_eq!(back.len(), 2);
        let reply = &back[&Ts::parse("2.000001").unwrap()];
        assert_eq!(reply.parent, Some(Ts::parse("1.000001").unwrap()));
        assert_eq!(reply.stamp, items[&reply.ts].stamp);
        assert!(reply.from_index && reply.view_pending() && reply.pinned);
        assert_eq!(
            (reply.json_hash, reply.updated),
            (Some(42), Some(1_700_000_000))
        );

        // Written from other files, damaged, or missing: the chat is read whole.
        assert!(ChatIndex::load(&path, index.files() ^ 1).is_none());
        std::fs::write(&path, b"\xff\xff\xff").unwrap();
        assert!(ChatIndex::load(&path, index.files()).is_none());
        assert!(ChatIndex::load(&dir.path().join("none.bin"), 0).is_none());
    }

    #[test]
    fn indexes_of_chats_no_longer_built_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        for slug in ["kept", "gone"] {
            std::fs::write(index_path(dir.path(), slug), b"x").unwrap();
        }
        prune(dir.path(), |slug| slug == "kept").unwrap();
        assert!(index_path(dir.path(), "kept").exists());
        assert!(!index_path(dir.path(), "gone").exists());
    }
}
