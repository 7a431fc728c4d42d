//! `scrollback sync users` and `sync emoji`: the workspace's people and custom emoji from Slack's
//! Web API into content/ (issue 13, item 5).
//!
//! Users come from `users.list`, page by page, and land in one commit: a rename shows on the
//! next build, and a deactivated user (`deleted: true`) is kept, so their messages keep their
//! name. Then each user's avatar is kept in `content/users/avatars/` (see [`super::avatars`]).
//! Emoji come from `emoji.list`; each image is downloaded into `content/emoji/<name>.<ext>`,
//! an alias (`alias:other`) gets its target's image under its own name, so `:alias:` renders.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::Value;

use super::avatars::{AvatarReport, keep_avatars};
use crate::content::WriteCounts;
use crate::project::Project;
use crate::slack::SlackClient;
use crate::slack::client::{next_cursor, take_array};

/// The largest custom emoji image kept (Slack's own limit is 128 KB).
const MAX_EMOJI_BYTES: u64 = 2 * 1024 * 1024;

/// What a sync did.
#[derive(Debug, Default, Clone)]
pub struct SyncReport {
    /// Users or emoji Slack listed.
    pub listed: usize,
    pub written: WriteCounts,
    /// Emoji that could not be kept, with why.
    pub skipped: Vec<String>,
    /// What `sync users` did with avatars.
    pub avatars: Option<AvatarReport>,
    pub requests: usize,
    pub seconds: f64,
}

/// Refreshes `content/users/` from `users.list`, then keeps every user's avatar.
pub async fn sync_users(project: &Project, client: &SlackClient) -> Result<SyncReport> {
    let started = Instant::now();
    let mut report = SyncReport::default();
    let mut users = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut params = vec![("limit", "200".to_owned())];
        if let Some(c) = &cursor {
            params.push(("cursor", c.clone()));
        }
        let mut answer = client.call("users.list", &params).await?;
        report.requests += 1;
        users.extend(take_array(&mut answer, "members"));
        cursor = next_cursor(&answer);
        if cursor.is_none() {
            break;
        }
    }
    report.listed = users.len();
    let mut store = project.open_store()?;
    let mut batch = store.begin()?;
    for user in users {
        let Value::Object(user) = user else { continue };
        let id = user
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned();
        let outcome = batch
            .put_user(user)
            .with_context(|| format!("users.list gave a user scrollback cannot store ({id})"))?;
        report.written.add(outcome);
    }
    batch.commit()?;
    report.avatars = Some(keep_avatars(project, client).await?);
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Downloads every custom emoji of `emoji.list` into `content/emoji/`.
pub async fn sync_emoji(project: &Project, client: &SlackClient) -> Result<SyncReport> {
    let started = Instant::now();
    let mut report = SyncReport::default();
    let answer = client.call("emoji.list", &[]).await?;
    report.requests += 1;
    let listed: BTreeMap<String, String> = answer
        .get("emoji")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    report.listed = listed.len();
    // An alias's image is its target's (one hop, as Slack resolves them).
    let image_of = |name: &str| -> Option<String> {
        let value = listed.get(name)?;
        match value.strip_prefix("alias:") {
            Some(target) => listed
                .get(target)
                .filter(|v| !v.starts_with("alias:"))
                .cloned(),
            None => Some(value.clone()),
        }
    };
    let mut downloaded: BTreeMap<String, (Vec<u8>, String)> = BTreeMap::new();
    let mut images: Vec<(String, String, Vec<u8>)> = Vec::new();
    for name in listed.keys() {
        let Some(url) = image_of(name) else {
            report.skipped.push(format!(
                "{name}: an alias of an emoji this workspace does not have (a standard emoji?)"
            ));
            continue;
        };
        if !downloaded.contains_key(&url) {
            match client.download(&url, MAX_EMOJI_BYTES).await {
                Ok(d) => {
                    let Some(extension) = crate::content::avatar::extension_of(&d.content_type)
                    else {
                        report
                            .skipped
                            .push(format!("{name}: {} is not an image", d.content_type));
                        continue;
                    };
                    downloaded.insert(url.clone(), (d.bytes, extension.to_owned()));
                }
                Err(e) => {
                    report.skipped.push(format!("{name}: {e:#}"));
                    continue;
                }
            }
        }
        let (bytes, extension) = &downloaded[&url];
        images.push((name.clone(), extension.clone(), bytes.clone()));
    }
    let mut store = project.open_store()?;
    let mut batch = store.begin()?;
    for (name, extension, bytes) in images {
        match batch.put_emoji(&name, &extension, &bytes) {
            Ok(outcome) => report.written.add(outcome),
            Err(e) => report.skipped.push(format!("{name}: {e:#}")),
        }
    }
    batch.commit()?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
