//! `sync users`, second step: every user's avatar kept in `content/users/avatars/`, so pages
//! show our copy and never ask Slack's CDN (issue 13, item 3).
//!
//! Every user file is looked at, not only those `users.list` named: bots written by `serve`'s
//! look-ups (`bots.info` icons) and people from an import get their avatars too. A copy is named
//! after its URL ([`avatar::stem`]), so an avatar already kept is known without a request, and a
//! second sync downloads and writes nothing. Downloads go through [`SlackClient::download`]: an
//! HTML answer is refused, the size is capped, and the token goes only to Slack's own hosts,
//! never to its CDN or Gravatar. A copy superseded by a new picture is removed once the new one
//! landed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use crate::content::transaction::WriteCounts;
use crate::content::{ContentLayout, ContentPath, UserId, avatar, user};
use crate::project::Project;
use crate::slack::SlackClient;

/// The largest avatar kept: Slack's 72 px pictures weigh a few kilobytes.
const MAX_AVATAR_BYTES: u64 = 1024 * 1024;
/// Downloads at once: a workspace of thousands of people syncs in minutes, not an hour.
const AT_ONCE: usize = 8;

/// What keeping avatars did.
#[derive(Debug, Default, Clone)]
pub struct AvatarReport {
    /// Users whose record names an avatar.
    pub users: usize,
    pub downloaded: usize,
    /// Files written (`unchanged`: kept already, or downloaded with the same bytes).
    pub written: WriteCounts,
    /// Copies of pictures users no longer have, removed.
    pub removed: usize,
    /// Avatars that could not be kept, with why.
    pub skipped: Vec<String>,
}

/// Downloads the avatars `content/users/` names that `content/users/avatars/` lacks.
pub async fn keep_avatars(project: &Project, client: &SlackClient) -> Result<AvatarReport> {
    let layout = project.content_layout();
    let mut report = AvatarReport::default();
    let wanted = wanted_avatars(&layout)?;
    report.users = wanted.len();
    let kept = kept_avatars(&layout)?;
    let missing: Vec<(UserId, String)> = wanted
        .iter()
        .filter(|(id, (stem, _))| !kept.get(*id).is_some_and(|files| files.contains_key(stem)))
        .map(|(id, (_, url))| (id.clone(), url.clone()))
        .collect();
    report.written.unchanged = wanted.len() - missing.len();

    let mut fetched = download_all(client, missing).await;
    fetched.sort_by(|a, b| a.0.cmp(&b.0));
    let mut store = project.open_store()?;
    let mut batch = store.begin()?;
    let mut landed: BTreeSet<UserId> = BTreeSet::new();
    for (id, url, result) in fetched {
        let download = match result {
            Ok(d) => d,
            Err(e) => {
                report.skipped.push(format!("avatar of {id}: {e:#}"));
                continue;
            }
        };
        report.downloaded += 1;
        let Some(extension) = avatar::extension_of(&download.content_type) else {
            report.skipped.push(format!(
                "avatar of {id}: {} is not an image",
                download.content_type
            ));
            continue;
        };
        report
            .written
            .add(batch.put_avatar(&id, &url, extension, &download.bytes)?);
        landed.insert(id);
    }
    batch.commit()?;

    // Older pictures of users whose current one is kept.
    for (id, files) in &kept {
        let Some((stem, _)) = wanted.get(id) else {
            continue;
        };
        if !(files.contains_key(stem) || landed.contains(id)) {
            continue;
        }
        for (old, name) in files {
            if old != stem {
                let path = layout.avatars_dir().join(name);
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
                report.removed += 1;
            }
        }
    }
    Ok(report)
}

/// Each user's wanted copy, (stem, URL), from every user file with an http(s) avatar URL.
fn wanted_avatars(layout: &ContentLayout) -> Result<BTreeMap<UserId, (String, String)>> {
    let mut out = BTreeMap::new();
    for entry in crate::fsio::dir_entries(&layout.users_dir())? {
        let rel = crate::content::layout::relative::users_dir().join(entry.file_name());
        let Some(ContentPath::User(id)) = ContentPath::parse(&rel) else {
            continue;
        };
        let path = entry.path();
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let record: Map<String, Value> = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a valid user file", path.display()))?;
        let Some(url) = user::avatar_url(&record) else {
            continue;
        };
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            continue;
        }
        out.insert(id.clone(), (avatar::stem(&id, url), url.to_owned()));
    }
    Ok(out)
}

/// The kept copies, by user: stem → file name.
fn kept_avatars(layout: &ContentLayout) -> Result<BTreeMap<UserId, BTreeMap<String, String>>> {
    let mut out: BTreeMap<UserId, BTreeMap<String, String>> = BTreeMap::new();
    for entry in crate::fsio::dir_entries(&layout.avatars_dir())? {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if let Some((id, stem)) = avatar::parse_file_name(&name) {
            let stem = stem.to_owned();
            out.entry(id).or_default().insert(stem, name);
        }
    }
    Ok(out)
}

type Fetched = (
    UserId,
    String,
    Result<crate::slack::client::Download, anyhow::Error>,
);

/// Downloads `(user, url)` pairs, [`AT_ONCE`] at a time; the results in no particular order.
async fn download_all(client: &SlackClient, avatars: Vec<(UserId, String)>) -> Vec<Fetched> {
    let permits = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
    let mut tasks = tokio::task::JoinSet::new();
    for (id, url) in avatars {
        let (client, permits) = (client.clone(), Arc::clone(&permits));
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let result = client.download(&url, MAX_AVATAR_BYTES).await;
            (id, url, result)
        });
    }
    let mut out = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(fetched) => out.push(fetched),
            Err(e) => tracing::warn!("an avatar download stopped: {e}"),
        }
    }
    out
}
