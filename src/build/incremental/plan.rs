//! The incremental build's decisions for one chat, as pure functions: which message files to read
//! ([`plan_listed`], [`plan_named`]) and whether the outputs of the last build may stay as they are
//! ([`may_keep`]). No file system, no clock: the builder gathers the facts (listings, stamps, the
//! last build's record) and acts on the answer, so every rule is here, in one place, with a unit
//! test per mode.
//!
//! The modes ([`Mode`]):
//! - **cold**: `scrollback build`. Nothing is in memory; the last build's record of the chat
//!   (one signature over its files' stamps) is all there is to compare with. A chat whose files,
//!   lookups and settings are unchanged, and whose outputs are on disk as written, is skipped
//!   without reading a message; otherwise every file is read.
//! - **long-lived**: the builder of `watch` and `serve`. A chat is read whole once and then kept
//!   in memory; later builds read only the files the caller named (or whose stamps moved).
//! - **re-check**: a long-lived builder's build after a failed one (or its first). Every file is
//!   stamped and compared with memory; what changed is read; outputs are rendered again (the
//!   failed build may have stopped between writing them and recording them), and the site
//!   writer still rewrites only files whose bytes differ.

use crate::content::Ts;
use crate::file_stamp::Stamp;

use super::signature::hash;

/// Which builder is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `scrollback build`: forgets every chat after building it.
    Cold,
    /// `watch` and `serve`: keeps every built chat in memory.
    LongLived,
}

/// Which message files to read, and which rendered messages to drop from memory.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReadPlan {
    /// The chat was not in memory: `read` is every file, and replaces what memory held.
    pub read_all: bool,
    pub read: Vec<Ts>,
    /// In memory, but no longer on disk.
    pub forget: Vec<Ts>,
    /// Whether any message file differs from what the last build saw.
    pub files_changed: bool,
}

/// Decides which files to read from a listing of every message file with its stamp (`None`: it
/// vanished after the listing). `memory`: each message in memory with the stamp it was read at,
/// in order (`None`: the chat is not in memory). `last_files`: the last build's [`files_signature`] of the
/// chat (`None`: never built).
pub fn plan_listed<'m>(
    memory: Option<impl IntoIterator<Item = (&'m Ts, Stamp)>>,
    last_files: Option<u64>,
    listed: &[(Ts, Option<Stamp>)],
) -> ReadPlan {
    let Some(memory) = memory else {
        let vanished = listed.iter().any(|(_, stamp)| stamp.is_none());
        let now = files_signature(listed.iter().filter_map(|(ts, s)| Some((ts, (*s)?))));
        return ReadPlan {
            read_all: true,
            read: listed
                .iter()
                .filter(|(_, stamp)| stamp.is_some())
                .map(|(ts, _)| ts.clone())
                .collect(),
            forget: Vec::new(),
            files_changed: vanished || last_files != Some(now),
        };
    };
    // Both sorted by ts: one merge, rather than a set and a lookup per file (a cold build of a
    // 100,000-message chat: issue 15).
    debug_assert!(listed.is_sorted_by(|a, b| a.0 < b.0));
    let mut known = memory.into_iter().peekable();
    let mut read = Vec::new();
    let mut forget = Vec::new();
    for (ts, stamp) in listed {
        // In memory, not on disk.
        while let Some((gone, _)) = known.next_if(|(k, _)| *k < ts) {
            forget.push(gone.clone());
        }
        let was = known.next_if(|(k, _)| *k == ts).map(|(_, s)| s);
        match stamp {
            Some(now) if was != Some(*now) => read.push(ts.clone()),
            Some(_) => {}
            // Vanished since the listing.
            None if was.is_some() => forget.push(ts.clone()),
            None => {}
        }
    }
    forget.extend(known.map(|(gone, _)| gone.clone()));
    ReadPlan {
        read_all: false,
        files_changed: !forget.is_empty() || !read.is_empty(),
        read,
        forget,
    }
}

/// Decides which files to read from the files the caller said changed, and whether each still
/// exists, for a chat in memory: they are read again whatever their stamps say.
pub fn plan_named(named: &[(Ts, bool)]) -> ReadPlan {
    ReadPlan {
        read_all: false,
        files_changed: !named.is_empty(),
        read: named
            .iter()
            .filter(|(_, exists)| *exists)
            .map(|(ts, _)| ts.clone())
            .collect(),
        forget: named
            .iter()
            .filter(|(_, exists)| !*exists)
            .map(|(ts, _)| ts.clone())
            .collect(),
    }
}

/// Whether the builder must list the chat's folder: when the chat is not in memory, or every
/// input is to be compared.
pub fn must_list(in_memory: bool, everything: bool) -> bool {
    !in_memory || everything
}

/// The facts behind [`may_keep`].
#[derive(Debug, Clone, Copy)]
pub struct KeepFacts {
    pub mode: Mode,
    /// The chat was in memory before this build.
    pub was_in_memory: bool,
    /// Every file was listed and compared (see [`must_list`]).
    pub listed: bool,
    /// From [`ReadPlan::files_changed`].
    pub files_changed: bool,
    /// A user, chat, emoji or file its messages looked up changed.
    pub lookups_changed: bool,
    /// The last build's record of this chat, if any, was made with the same config, templates and
    /// chat settings.
    pub same_context: bool,
}

/// Whether the last build's outputs of a chat may stay as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Render the chat (outputs whose bytes do not change are still not rewritten).
    No,
    Yes,
    /// Yes, if every output is still on disk as the last build wrote it (the builder checks).
    IfOutputsOnDisk,
}

/// Decides whether a chat's outputs may be kept. `same_context` is false when the chat was never
/// built.
pub fn may_keep(facts: KeepFacts) -> Keep {
    if facts.files_changed || facts.lookups_changed || !facts.same_context {
        return Keep::No;
    }
    match (facts.was_in_memory, facts.listed, facts.mode) {
        // Long-lived, untouched by the changes named.
        (true, false, _) => Keep::Yes,
        // A re-check: the failed build may have written outputs it never recorded.
        (true, true, _) => Keep::No,
        // A cold build's unchanged chat, unless someone touched its outputs.
        (false, _, Mode::Cold) => Keep::IfOutputsOnDisk,
        // A long-lived builder loads the chat anyway: its first change then costs one file,
        // not all.
        (false, _, Mode::LongLived) => Keep::No,
    }
}

/// The signature of a chat's message files (ts and stamp, in ts order), kept in the build state:
/// a cold build asks only whether any file changed, so one number per chat serves where a stamp
/// per file would cost a million entries for a million-message project.
pub fn files_signature<'a>(files: impl Iterator<Item = (&'a Ts, Stamp)>) -> u64 {
    // A sum of each file's own hash: one short hash per file instead of a stream over 100,000
    // of them, and a long-lived builder keeps it up to date as files come and go (issue 15).
    // Listings come sorted, so the order that a sum does not see never differs.
    files.fold(0u64, |sum, (ts, stamp)| {
        sum.wrapping_add(file_hash(ts, stamp))
    })
}

/// One file's part of [`files_signature`].
pub fn file_hash(ts: &Ts, stamp: Stamp) -> u64 {
    let mut bytes = [0u8; 64];
    let text = ts.as_str().as_bytes();
    bytes[..text.len()].copy_from_slice(text);
    bytes[24..32].copy_from_slice(&stamp.len.to_le_bytes());
    bytes[32..48].copy_from_slice(&(stamp.mtime as u128).to_le_bytes());
    bytes[48..56].copy_from_slice(&stamp.inode.to_le_bytes());
    hash(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn ts(n: u32) -> Ts {
        Ts::parse(&format!("1500000000.{n:06}")).unwrap()
    }

    fn stamp(len: u64) -> Stamp {
        Stamp {
            len,
            mtime: 1,
            inode: len,
        }
    }

    fn listing(stamps: &[(u32, Option<u64>)]) -> Vec<(Ts, Option<Stamp>)> {
        stamps
            .iter()
            .map(|(n, len)| (ts(*n), len.map(stamp)))
            .collect()
    }

    fn signature_of(listed: &[(Ts, Option<Stamp>)]) -> u64 {
        files_signature(listed.iter().filter_map(|(t, s)| Some((t, (*s)?))))
    }

    fn facts(mode: Mode, was_in_memory: bool, listed: bool) -> KeepFacts {
        KeepFacts {
            mode,
            was_in_memory,
            listed,
            files_changed: false,
            lookups_changed: false,
            same_context: true,
        }
    }

    #[test]
    fn cold_build_of_an_unchanged_chat_reads_nothing_and_keeps_outputs_on_disk() {
        let listed = listing(&[(1, Some(10)), (2, Some(20))]);
        let plan = plan_listed(None::<Vec<_>>, Some(signature_of(&listed)), &listed);
        assert!(!plan.files_changed);
        let keep = may_keep(KeepFacts {
            files_changed: plan.files_changed,
            ..facts(Mode::Cold, false, true)
        });
        assert_eq!(keep, Keep::IfOutputsOnDisk);
    }

    #[test]
    fn cold_build_reads_the_whole_chat_when_one_file_changed() {
        let before = listing(&[(1, Some(10)), (2, Some(20))]);
        let after = listing(&[(1, Some(10)), (2, Some(21))]);
        let plan = plan_listed(None::<Vec<_>>, Some(signature_of(&before)), &after);
        assert!(plan.read_all && plan.files_changed);
        let keep = may_keep(KeepFacts {
            files_changed: true,
            ..facts(Mode::Cold, false, true)
        });
        assert_eq!(keep, Keep::No);
    }

    #[test]
    fn cold_build_notices_new_vanished_and_never_built_chats() {
        let before = listing(&[(1, Some(10))]);
        let added = listing(&[(1, Some(10)), (2, Some(20))]);
        assert!(plan_listed(None::<Vec<_>>, Some(signature_of(&before)), &added).files_changed);
        let vanished = listing(&[(1, None)]);
        assert!(plan_listed(None::<Vec<_>>, Some(signature_of(&before)), &vanished).files_changed);
        let never_built = plan_listed(None::<Vec<_>>, None, &before);
        assert!(never_built.read_all && never_built.files_changed);
    }

    #[test]
    fn cold_build_renders_when_lookups_or_context_changed() {
        for changed in [
            KeepFacts {
                lookups_changed: true,
                ..facts(Mode::Cold, false, true)
            },
            KeepFacts {
                same_context: false,
                ..facts(Mode::Cold, false, true)
            },
        ] {
            assert_eq!(may_keep(changed), Keep::No);
        }
    }

    #[test]
    fn long_lived_builder_reads_only_named_files() {
        let named = [(ts(2), true), (ts(3), true), (ts(1), false)];
        let plan = plan_named(&named);
        assert_eq!(plan.read, vec![ts(2), ts(3)]);
        assert_eq!(plan.forget, vec![ts(1)]);
        assert!(plan.files_changed && !plan.read_all);
    }

    #[test]
    fn long_lived_builder_keeps_chats_the_changes_do_not_touch() {
        let plan = plan_named(&[]);
        assert_eq!(plan, ReadPlan::default());
        assert_eq!(may_keep(facts(Mode::LongLived, true, false)), Keep::Yes);
    }

    #[test]
    fn long_lived_builder_loads_a_chat_it_has_not_read_yet() {
        // Even when unchanged since the last cold build: the first change then costs one file.
        assert_eq!(may_keep(facts(Mode::LongLived, false, true)), Keep::No);
        let listed = listing(&[(1, Some(10)), (2, Some(20))]);
        let plan = plan_listed(None::<Vec<_>>, Some(signature_of(&listed)), &listed);
        assert!(plan.read_all && !plan.files_changed);
        assert_eq!(plan.read, vec![ts(1), ts(2)]);
        assert!(must_list(false, false));
        assert!(!must_list(true, false));
    }

    fn stamps_of(memory: &BTreeMap<Ts, Stamp>) -> impl Iterator<Item = (&Ts, Stamp)> {
        memory.iter().map(|(ts, stamp)| (ts, *stamp))
    }

    #[test]
    fn recheck_after_failure_reads_what_moved_and_renders_again() {
        assert!(must_list(true, true));
        let memory: BTreeMap<Ts, Stamp> =
            [(ts(1), stamp(10)), (ts(2), stamp(20)), (ts(3), stamp(30))].into();
        let listed = listing(&[(1, Some(10)), (2, Some(21)), (4, Some(40))]);
        let plan = plan_listed(Some(stamps_of(&memory)), None, &listed);
        assert_eq!(plan.read, vec![ts(2), ts(4)]);
        assert_eq!(plan.forget, vec![ts(3)]);
        assert!(plan.files_changed);
        // Nothing moved: still rendered again, since the failed build may not have recorded
        // what it wrote.
        let unchanged = listing(&[(1, Some(10)), (2, Some(20)), (3, Some(30))]);
        let plan = plan_listed(Some(stamps_of(&memory)), None, &unchanged);
        assert!(!plan.files_changed && plan.read.is_empty() && plan.forget.is_empty());
        // Gone before the first listed file, vanished after the listing, gone at the end.
        let listed = listing(&[(2, None), (3, Some(31)), (5, None), (6, Some(60))]);
        let memory: BTreeMap<Ts, Stamp> = [
            (ts(1), stamp(10)),
            (ts(2), stamp(20)),
            (ts(3), stamp(30)),
            (ts(7), stamp(70)),
        ]
        .into();
        let plan = plan_listed(Some(stamps_of(&memory)), None, &listed);
        assert_eq!(plan.read, vec![ts(3), ts(6)]);
        assert_eq!(plan.forget, vec![ts(1), ts(2), ts(7)]);
        assert!(plan.files_changed);
        assert_eq!(may_keep(facts(Mode::LongLived, true, true)), Keep::No);
    }

    #[test]
    fn files_signature_sees_names_and_stamps() {
        let a = listing(&[(1, Some(10)), (2, Some(20))]);
        let b = listing(&[(1, Some(10)), (3, Some(20))]);
        let c = listing(&[(1, Some(11)), (2, Some(20))]);
        assert_ne!(signature_of(&a), signature_of(&b));
        assert_ne!(signature_of(&a), signature_of(&c));
        assert_eq!(signature_of(&a), signature_of(&a.clone()));
    }
}
