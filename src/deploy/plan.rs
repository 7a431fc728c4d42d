//! Comparing `site/` with what the target already serves: a [`Plan`] of what to upload (new or
//! changed files, in publishing order) and what to delete, and the guard that refuses a
//! `--delete` that would empty most of the target, which usually means the wrong bucket or
//! prefix.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};

use super::scan::LocalFile;
use super::upload::order_uploads;

/// A file the target already serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    pub path: String,
    pub size: Option<u64>,
    /// Lowercase hex of the same [`DigestKind`](super::scan::DigestKind) as the local files;
    /// `None` when the target's digest is not a plain one (an S3 multipart ETag), so the file is
    /// uploaded again.
    pub digest: Option<String>,
}

/// Why a file is uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadReason {
    New,
    Changed,
}

/// What a deploy does.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// In publishing order (see [`publish_rank`](super::upload::publish_rank)).
    pub uploads: Vec<(LocalFile, UploadReason)>,
    pub unchanged: usize,
    /// Site paths the target has and `site/` has not, sorted: with `--delete` all of them,
    /// without it those of chats the site no longer has (see [`withdrawn_chats`]).
    pub deletes: Vec<String>,
    /// Site paths the target has and `site/` has not, left in place (no `--delete`).
    pub stale: usize,
    /// How many files the target had.
    pub remote_count: usize,
}

/// How the plan compares.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Remove what `site/` no longer has.
    pub delete: bool,
    /// Upload every file, changed or not (after changing cache rules, say).
    pub force_upload: bool,
}

/// Compares the local files with the target's.
pub fn plan(local: Vec<LocalFile>, remote: &[RemoteFile], options: PlanOptions) -> Plan {
    let remote_by_path: BTreeMap<&str, &RemoteFile> =
        remote.iter().map(|r| (r.path.as_str(), r)).collect();
    let local_paths: BTreeSet<String> = local.iter().map(|f| f.path.clone()).collect();
    let mut plan = Plan {
        remote_count: remote.len(),
        ..Plan::default()
    };
    for file in local {
        match remote_by_path.get(file.path.as_str()) {
            None => plan.uploads.push((file, UploadReason::New)),
            Some(r) => {
                let same = r.digest.as_deref() == Some(file.digest.as_str())
                    && r.size.is_none_or(|s| s == file.size);
                if same && !options.force_upload {
                    plan.unchanged += 1;
                } else {
                    plan.uploads.push((file, UploadReason::Changed));
                }
            }
        }
    }
    let withdrawn = withdrawn_chats(remote, &local_paths);
    for gone in remote_by_path.keys().filter(|p| !local_paths.contains(**p)) {
        let in_withdrawn_chat = chat_folder(gone).is_some_and(|chat| withdrawn.contains(chat));
        if options.delete || in_withdrawn_chat {
            plan.deletes.push((*gone).to_owned());
        } else {
            plan.stale += 1;
        }
    }
    order_uploads(&mut plan.uploads);
    plan
}

/// The chat a site path may belong to: its top-level folder, or for the search index's files
/// (`search/<slug>/…`, docs/search.md) the chat folder under it.
fn chat_folder(path: &str) -> Option<&str> {
    let (folder, rest) = path.split_once('/')?;
    if folder == crate::build::outputs::search::DIR {
        return rest.split_once('/').map(|(chat, _)| chat);
    }
    Some(folder)
}

/// The chats the target serves and `site/` no longer has: top-level folders with a `feed.json`
/// or a `feed-index.json` (the paged feed's head, there whatever `[feeds] whole_chat` says) on
/// the target and nothing in `site/`. An unpublished chat (a DM published by mistake, say)
/// must leave the target on the next deploy, `--delete` or not (issue 12); the delete guard
/// still stops a mass deletion.
fn withdrawn_chats<'a>(remote: &'a [RemoteFile], local: &BTreeSet<String>) -> BTreeSet<&'a str> {
    let local_folders: BTreeSet<&str> = local
        .iter()
        .filter_map(|p| p.split_once('/').map(|(folder, _)| folder))
        .collect();
    remote
        .iter()
        .filter_map(|r| {
            r.path
                .strip_suffix("/feed.json")
                .or_else(|| r.path.strip_suffix("/feed-index.json"))
        })
        .filter(|folder| !folder.contains('/') && !local_folders.contains(folder))
        .collect()
}

impl Plan {
    pub fn upload_bytes(&self) -> u64 {
        self.uploads.iter().map(|(f, _)| f.size).sum()
    }

    /// Refuses a `--delete` that removes more than `threshold` (a share) of the target's files,
    /// unless forced.
    pub fn check_delete_guard(&self, threshold: f64, force: bool) -> Result<()> {
        let n = self.deletes.len();
        if force || n == 0 || (n as f64) <= threshold * self.remote_count as f64 {
            return Ok(());
        }
        bail!(
            "--delete would remove {n} of the {} files there ({:.0}%), more than delete_guard = {threshold} allows: check the target (a wrong bucket or path?), and if this is really meant, run again with --force-delete",
            self.remote_count,
            100.0 * n as f64 / self.remote_count.max(1) as f64
        );
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn local(path: &str, digest: &str) -> LocalFile {
        LocalFile {
            path: path.to_owned(),
            abs: PathBuf::from(path),
            size: digest.len() as u64,
            digest: digest.to_owned(),
        }
    }

    fn remote(path: &str, digest: &str) -> RemoteFile {
        RemoteFile {
            path: path.to_owned(),
            size: Some(digest.len() as u64),
            digest: Some(digest.to_owned()),
        }
    }

    #[test]
    fn plan_uploads_new_and_changed_and_orders_them() {
        let locals = vec![
            local("index.html", "i2"),
            local("a/index.html", "ai"),
            local("a/page-2.html", "a2"),
            local("a/feed.json", "af"),
            local("assets/style.css", "css"),
            local("b/feed.json", "bf"),
        ];
        let remotes = vec![
            remote("index.html", "i1"),
            remote("a/index.html", "ai"),
            remote("b/feed.json", "bf"),
            remote("old/index.html", "o"),
        ];
        let p = plan(locals, &remotes, PlanOptions::default());
        let order: Vec<(&str, UploadReason)> = p
            .uploads
            .iter()
            .map(|(f, c)| (f.path.as_str(), *c))
            .collect();
        assert_eq!(
            order,
            vec![
                ("assets/style.css", UploadReason::New),
                ("a/feed.json", UploadReason::New),
                ("a/page-2.html", UploadReason::New),
                ("index.html", UploadReason::Changed),
            ]
        );
        assert_eq!(p.unchanged, 2);
        assert!(p.deletes.is_empty());
        assert_eq!(p.stale, 1);
        assert_eq!(p.waves().len(), 4);
        let d = plan(
            vec![local("index.html", "i1")],
            &remotes,
            PlanOptions {
                delete: true,
                force_upload: false,
            },
        );
        assert_eq!(
            d.deletes,
            vec!["a/index.html", "b/feed.json", "old/index.html"]
        );
        assert!(d.uploads.is_empty());
    }

    #[test]
    fn a_chat_the_site_no_longer_has_leaves_the_target_without_delete() {
        let remotes = vec![
            remote("index.html", "i"),
            remote("dm/index.html", "d"),
            remote("dm/feed.json", "f"),
            remote("dm/feed.jsonp", "p"),
            remote("live/feed.json", "l"),
            remote("old.html", "o"),
            remote("notes/readme.txt", "n"),
            remote("notes/sub/feed.json", "s"),
        ];
        let locals = vec![local("index.html", "i"), local("live/feed.json", "l")];
        let p = plan(locals, &remotes, PlanOptions::default());
        assert_eq!(
            p.deletes,
            ["dm/feed.json", "dm/feed.jsonp", "dm/index.html"]
        );
        // Files that are not a chat's stay without --delete.
        assert_eq!(p.stale, 3);

        // A chat that publishes only the paged feed (`[feeds] whole_chat = false`) too.
        let remotes = vec![
            remote("dm/index.html", "d"),
            remote("dm/feed-index.json", "h"),
            remote("dm/feed-page-1.json", "p"),
        ];
        let p = plan(Vec::new(), &remotes, PlanOptions::default());
        assert_eq!(
            p.deletes,
            ["dm/feed-index.json", "dm/feed-page-1.json", "dm/index.html"]
        );

        // Its part of the search index goes with it; the site's search files and other chats'
        // parts stay.
        let remotes = vec![
            remote("dm/feed-index.json", "h"),
            remote("search/index.json", "m"),
            remote("search/dm/docs-1.json", "d"),
            remote("search/dm/s1/b7.json", "b"),
            remote("search/live/docs-1.json", "l"),
        ];
        let locals = vec![
            local("search/index.json", "m"),
            local("live/feed-index.json", "l"),
        ];
        let p = plan(locals, &remotes, PlanOptions::default());
        assert_eq!(
            p.deletes,
            [
                "dm/feed-index.json",
                "search/dm/docs-1.json",
                "search/dm/s1/b7.json"
            ]
        );
        assert_eq!(p.stale, 1, "search/live/docs-1.json is no withdrawn chat's");
    }

    #[test]
    fn unknown_digest_or_other_size_means_upload_again_and_force_uploads_all() {
        let mut multipart = remote("a.bin", "xx");
        multipart.digest = None;
        let mut resized = remote("b.bin", "yy");
        resized.size = Some(99);
        let p = plan(
            vec![local("a.bin", "xx"), local("b.bin", "yy"), local("c", "zz")],
            &[multipart, resized, remote("c", "zz")],
            PlanOptions::default(),
        );
        assert_eq!(p.uploads.len(), 2);
        assert_eq!(p.unchanged, 1);
        let forced = plan(
            vec![local("c", "zz")],
            &[remote("c", "zz")],
            PlanOptions {
                delete: false,
                force_upload: true,
            },
        );
        assert_eq!(forced.uploads.len(), 1);
    }

    #[test]
    fn delete_guard() {
        let remotes: Vec<RemoteFile> = (0..10).map(|i| remote(&format!("f{i}"), "x")).collect();
        let keep =
            |n: usize| -> Vec<LocalFile> { (0..n).map(|i| local(&format!("f{i}"), "x")).collect() };
        let opts = PlanOptions {
            delete: true,
            force_upload: false,
        };
        let half = plan(keep(5), &remotes, opts);
        assert!(half.check_delete_guard(0.5, false).is_ok());
        let most = plan(keep(4), &remotes, opts);
        let err = format!("{:#}", most.check_delete_guard(0.5, false).unwrap_err());
        assert!(err.contains("6 of the 10") && err.contains("--force-delete"));
        assert!(most.check_delete_guard(0.5, true).is_ok());
        assert!(most.check_delete_guard(0.7, false).is_ok());
    }
}
