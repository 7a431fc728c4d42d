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
use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::plan::files_signature;
use crate::build::chat::messages::{Item, Visibility};
use crate::content::Ts;
use crate::file_stamp::Stamp;
use crate::fsio;

/// Bump when an entry's meaning changes; a mismatch means the chat is read whole.
const FORMAT: u32 = 1;

/// A chat's messages without their views. Read back field by field ([`IndexSeed`]): a field
/// added here is read there too, in the same order.
#[derive(Debug, Serialize)]
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
        let mut de = postcard::Deserializer::from_bytes(&bytes);
        match (IndexSeed { files }).deserialize(&mut de) {
            // Sorted as written (a `BTreeMap`'s order): built in one pass, in place.
            Ok(items) => items.map(BTreeMap::from_iter),
            Err(e) => {
                tracing::info!(
                    "{} is damaged ({e}): reading the chat whole",
                    path.display()
                );
                None
            }
        }
    }
}

impl Entry {
    fn into_item(self) -> (Ts, Item) {
        let item = Item {
            ts: self.ts.clone(),
            stamp: self.stamp,
            visibility: self.visibility,
            parent: self.parent,
            broadcast: self.broadcast,
            holds_place: self.holds_place,
            activity: self.activity,
            view: None,
            json_hash: self.json_hash,
            pinned: self.pinned,
            updated: self.updated,
            deps: None,
            from_index: true,
        };
        (self.ts, item)
    }
}

/// Reads a [`ChatIndex`] as items, each entry made one as it is read: no list of entries, and
/// no growing list (serde reserves at most 1 MB up front), to copy 100,000 of into another. A
/// cold build loads a 100,000-message chat's index on the way to everything else (issue 15).
/// `None` when the index is from another version or other files: its entries are not read.
struct IndexSeed {
    files: u64,
}

impl<'de> DeserializeSeed<'de> for IndexSeed {
    type Value = Option<Vec<(Ts, Item)>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        // postcard writes a struct as its fields in order.
        d.deserialize_tuple(4, self)
    }
}

impl<'de> Visitor<'de> for IndexSeed {
    type Value = Option<Vec<(Ts, Item)>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a chat index")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let missing = || serde::de::Error::custom("the index ends early");
        let format: u32 = seq.next_element()?.ok_or_else(missing)?;
        let version: String = seq.next_element()?.ok_or_else(missing)?;
        let files: u64 = seq.next_element()?.ok_or_else(missing)?;
        if format != FORMAT || version != env!("CARGO_PKG_VERSION") || files != self.files {
            return Ok(None);
        }
        let entries = seq.next_element_seed(Entries)?.ok_or_else(missing)?;
        Ok(Some(entries))
    }
}

/// The entries of a [`ChatIndex`], as items.
struct Entries;

impl<'de> DeserializeSeed<'de> for Entries {
    type Value = Vec<(Ts, Item)>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries {
    type Value = Vec<(Ts, Item)>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a chat index's entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // postcard hints a count only when the bytes left could hold it (one byte an entry at
        // the least): a damaged count reserves no more than the file's size.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(entry) = seq.next_element::<Entry>()? {
            items.push(entry.into_item());
        }
        Ok(items)
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
            deps: None,
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
    fn an_index_claiming_more_entries_than_it_holds_is_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = index_path(dir.path(), "sotu");
        let files = 7;
        let mut bytes = postcard::to_stdvec(&(FORMAT, env!("CARGO_PKG_VERSION"), files)).unwrap();
        // A count of 2^40 entries (postcard's varint), then nothing: read as damaged, with no
        // room reserved for what the count claims.
        bytes.extend([0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
        std::fs::write(&path, &bytes).unwrap();
        assert!(ChatIndex::load(&path, files).is_none());
        // The same header with no entries is an empty chat.
        bytes.truncate(bytes.len() - 6);
        bytes.push(0);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(ChatIndex::load(&path, files).map(|m| m.len()), Some(0));
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
