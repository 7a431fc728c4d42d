//! `scrollback import`: a Slack export archive (official or slackdump, zipped or unpacked) into the
//! content tree.
//!
//! The archive is read entry by entry (never extracted, never held whole in memory). Every write is
//! staged in one [`Batch`](crate::content::Batch) and committed only when the whole archive has been
//! read without error, so a corrupt day file leaves `content/` exactly as it was. Importing the
//! same archive twice changes no byte.

pub mod archive;
pub mod avatars;
pub mod backfill;
pub mod conversations;
pub mod files;
pub mod keep_upload;
pub mod sync;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use crate::content::{
    ChannelDescription, ConversationKind, Slug, Ts, WriteCounts, WriteOutcome, user,
};
use crate::fsio;
use crate::progress::{Progress, ProgressMode};
use crate::project::Project;
use archive::Archive;
use conversations::{Conversation, FolderIndex, parse_list};

/// What to import and how to treat bad entries.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Only these conversations (names, ids); all when empty.
    pub channels: Vec<String>,
    /// Skip bad entries (saying so) instead of refusing the archive.
    pub keep_going: bool,
    pub progress: Option<ProgressMode>,
    /// The most one entry of the archive may inflate to.
    pub max_entry_bytes: u64,
    /// Note the uploads of public channels, with their URLs' export tokens, in
    /// [`ImportReport::export_files`] (`import --files`).
    pub files: bool,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            channels: Vec::new(),
            keep_going: false,
            progress: None,
            max_entry_bytes: archive::DEFAULT_MAX_ENTRY_BYTES,
            files: false,
        }
    }
}

/// What an import did.
#[derive(Debug, Default, Clone)]
pub struct ImportReport {
    pub conversations: usize,
    /// Chats this import made, with the kind of conversation each comes from (private ones are
    /// drafts, off the site).
    pub new_chats: Vec<(Slug, ConversationKind)>,
    pub messages: usize,
    pub written: WriteCounts,
    pub users: usize,
    /// Entries or messages skipped with `--keep-going`, with the reason.
    pub skipped: Vec<String>,
    pub seconds: f64,
    /// With [`ImportOptions::files`]: the uploads of the public channels, read before their
    /// tokens were stripped, for [`files::keep_export_files`].
    pub export_files: files::ExportFiles,
}

/// The lists of conversations an export may hold, with the kind each implies.
const LISTS: &[(&str, ConversationKind)] = &[
    ("channels.json", ConversationKind::Public),
    ("groups.json", ConversationKind::Private),
    ("dms.json", ConversationKind::Dm),
    ("mpims.json", ConversationKind::Mpim),
];

pub fn import(project: &Project, path: &Path, options: &ImportOptions) -> Result<ImportReport> {
    let started = Instant::now();
    let mut archive = Archive::open(path, options.max_entry_bytes)?;
    let label = path.display().to_string();
    let prefix = export_root(&archive).with_context(|| {
        format!("{label}: channels.json is missing: this is not a Slack export")
    })?;

    let mut report = ImportReport::default();
    let mut problems = Problems {
        keep_going: options.keep_going,
        skipped: Vec::new(),
    };

    // Conversations.
    let mut conversations: Vec<Conversation> = Vec::new();
    for (list, kind) in LISTS {
        let name = format!("{prefix}{list}");
        let Some(index) = archive.find(&name) else {
            continue;
        };
        let bytes = archive
            .read(index)
            .with_context(|| format!("{label}: {name}"))?;
        conversations.extend(parse_list(&name, &bytes, *kind).with_context(|| label.clone())?);
    }
    if !options.channels.is_empty() {
        for wanted in &options.channels {
            if !conversations.iter().any(|c| c.matches(wanted)) {
                let hint = closest(wanted, conversations.iter().map(|c| c.info.name.as_str()))
                    .map(|name| format!("; did you mean {name:?}?"))
                    .unwrap_or_default();
                bail!("{label}: no conversation called {wanted:?} in this export{hint}");
            }
        }
        conversations.retain(|c| options.channels.iter().any(|w| c.matches(w)));
    }
    let folders = FolderIndex::new(&conversations);

    // Day files, grouped by conversation, in name order so the result never depends on the
    // order of the zip's entries.
    let mut day_files: Vec<(usize, usize)> = Vec::new(); // (conversation, entry)
    for (index, name) in archive.names().iter().enumerate() {
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let Some((folder, file)) = rest.split_once('/') else {
            continue;
        };
        if file.contains('/') || !file.ends_with(".json") {
            continue;
        }
        if let Some(c) = folders.get(folder) {
            day_files.push((c, index));
        }
    }
    day_files.sort_by(|a, b| (a.0, &archive.names()[a.1]).cmp(&(b.0, &archive.names()[b.1])));

    let mut store = project.open_store()?;
    let mut batch = store.begin()?;

    // Users first, so message profiles never shadow real records.
    let mut user_names: HashMap<String, String> = HashMap::new();
    for list in ["users.json", "org_users.json"] {
        let name = format!("{prefix}{list}");
        let Some(index) = archive.find(&name) else {
            continue;
        };
        let bytes = archive
            .read(index)
            .with_context(|| format!("{label}: {name}"))?;
        let users: Vec<Value> = match serde_json::from_slice(&bytes) {
            Ok(u) => u,
            Err(e) => {
                problems.skip(format!("{name}: not a JSON array of users ({e})"))?;
                continue;
            }
        };
        for (i, u) in users.into_iter().enumerate() {
            let Value::Object(u) = u else {
                problems.skip(format!("{name}: user {} is not an object", i + 1))?;
                continue;
            };
            let id = u.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
            if let Some(n) = user::display_name(&u) {
                user_names.insert(id.clone(), n.to_owned());
            }
            match batch.put_user(u) {
                Ok(_) => report.users += 1,
                Err(e) => problems.not_written(format!("{name}: user {} ({id:?})", i + 1), e)?,
            }
        }
    }

    // Chats, for conversations that have messages in this archive.
    let with_files: HashSet<usize> = day_files.iter().map(|(c, _)| *c).collect();
    let mut slugs: HashMap<usize, Slug> = HashMap::new();
    let mut ordered: Vec<usize> = with_files.into_iter().collect();
    ordered.sort();
    for c in ordered {
        let conv = &conversations[c];
        let existed = batch_has_chat(&batch, &conv.id);
        let slug = batch.ensure_channel(&ChannelDescription {
            channel_id: conv.id.clone(),
            slack: conv.info.clone(),
            slug: None,
            headline: Some(headline(conv, &user_names)),
            description: None,
            state: None,
        })?;
        if !existed {
            report.new_chats.push((slug.clone(), conv.info.kind));
        }
        slugs.insert(c, slug);
    }
    report.conversations = slugs.len();

    let progress = Progress::new(
        options.progress.unwrap_or(ProgressMode::Quiet),
        "importing",
        day_files.len() as u64,
    );
    let mut seen: HashMap<usize, HashMap<u64, usize>> = HashMap::new();
    let mut missing_users: HashMap<String, Map<String, Value>> = HashMap::new();
    // Reading and parsing the next day file overlaps with staging the current one.
    let names: Vec<String> = archive.names().to_vec();
    let load = |archive: &mut Archive, index: usize| -> std::result::Result<Vec<Value>, String> {
        let bytes = archive.read(index).map_err(|e| format!("{e:#}"))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a JSON array of messages ({e})", names[index]))
    };
    let mut next = day_files
        .first()
        .map(|&(_, index)| load(&mut archive, index));
    for (k, &(c, index)) in day_files.iter().enumerate() {
        progress.inc(1);
        let current = next
            .take()
            .unwrap_or_else(|| Err("internal: day file not read".to_owned()));
        let following = day_files.get(k + 1).map(|&(_, i)| i);
        let entry = &names[index];
        let slug = &slugs[&c];
        let seen = seen.entry(c).or_default();
        let note_files = options.files && conversations[c].info.kind == ConversationKind::Public;
        let (staged, loaded) = rayon::join(
            || -> Result<()> {
                let messages = match current {
                    Ok(m) => m,
                    Err(problem) => return problems.skip(problem),
                };
                let mut valid = Vec::with_capacity(messages.len());
                for (i, message) in messages.into_iter().enumerate() {
                    let at = || format!("{entry}: message {}", i + 1);
                    let Value::Object(message) = message else {
                        problems.skip(format!("{}: not a JSON object", at()))?;
                        continue;
                    };
                    let ts = match message.get("ts").and_then(Value::as_str).map(Ts::parse) {
                        Some(Ok(ts)) => ts,
                        Some(Err(e)) => {
                            problems.skip(format!("{}: {e}", at()))?;
                            continue;
                        }
                        None => {
                            problems.skip(format!("{}: it has no `ts`", at()))?;
                            continue;
                        }
                    };
                    if let Some(first) = seen.insert(ts.micros(), index) {
                        problems.skip(format!(
                            "{}: ts {ts} appears twice (also in {})",
                            at(),
                            names[first]
                        ))?;
                        continue;
                    }
                    if let (Some(id), Some(profile)) = (
                        message.get("user").and_then(Value::as_str),
                        message.get("user_profile").and_then(Value::as_object),
                    ) && user::is_valid_user_id(id)
                        && !batch.has_user(id)
                    {
                        missing_users
                            .entry(id.to_owned())
                            .or_insert_with(|| user::from_message_profile(id, profile));
                    }
                    if let Some(bot) = user::bot_from_integration_notice(&message)
                        && let Some(id) = bot.get("id").and_then(Value::as_str).map(str::to_owned)
                        && !batch.has_user(&id)
                    {
                        missing_users.entry(id).or_insert(bot);
                    }
                    if note_files {
                        report.export_files.add_message(slug, &message);
                    }
                    valid.push((i, message));
                }
                // Checked one by one above; written together, in parallel.
                let (positions, messages): (Vec<usize>, Vec<_>) = valid.into_iter().unzip();
                for (i, outcome) in positions
                    .into_iter()
                    .zip(batch.upsert_messages(slug, messages))
                {
                    match outcome {
                        Ok((_, outcome)) => {
                            report.messages += 1;
                            report.written.add(outcome);
                        }
                        Err(e) => {
                            problems.not_written(format!("{entry}: message {}", i + 1), e)?;
                        }
                    }
                }
                Ok(())
            },
            || following.map(|i| load(&mut archive, i)),
        );
        staged?;
        next = loaded;
    }
    progress.finish();

    // Users missing from users.json, from the profile snapshot their messages carry.
    let mut missing: Vec<_> = missing_users.into_iter().collect();
    missing.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, u) in missing {
        if batch.put_user(u)? == WriteOutcome::Created {
            report.users += 1;
        }
    }

    batch.commit_bulk()?;
    report.skipped = problems.skipped;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn batch_has_chat(batch: &crate::content::Batch<'_>, channel_id: &str) -> bool {
    batch.slug_for_channel(channel_id).is_some()
}

/// Where `channels.json` sits: the export's root, `""` or a top folder such as `export/`.
fn export_root(archive: &Archive) -> Option<String> {
    archive
        .names()
        .iter()
        .filter_map(|n| n.strip_suffix("channels.json"))
        .filter(|p| p.is_empty() || p.ends_with('/'))
        .min_by_key(|p| p.len())
        .map(str::to_owned)
}

fn headline(conv: &Conversation, names: &HashMap<String, String>) -> String {
    match conv.info.kind {
        ConversationKind::Dm | ConversationKind::Mpim => {
            let people: Vec<&str> = conv
                .members
                .iter()
                .map(|m| names.get(m).map(String::as_str).unwrap_or(m))
                .collect();
            if people.is_empty() {
                format!("Direct messages {}", conv.id)
            } else {
                format!("Direct messages: {}", people.join(", "))
            }
        }
        _ => conv.info.name.clone(),
    }
}

/// The name closest to `wanted`, if one is close enough to be a slip of the keyboard.
fn closest<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = wanted.trim_start_matches('#');
    let within = (wanted.chars().count() / 3).clamp(1, 3);
    names
        .map(|name| (strsim::damerau_levenshtein(wanted, name), name))
        .filter(|(distance, _)| *distance <= within)
        .min()
        .map(|(_, name)| name)
}

/// Bad entries: an error, or with `--keep-going` a note and a skip.
struct Problems {
    keep_going: bool,
    skipped: Vec<String>,
}

impl Problems {
    fn skip(&mut self, what: String) -> Result<()> {
        if self.keep_going {
            self.skipped.push(what);
            Ok(())
        } else {
            bail!(
                "{what}\nnothing was imported; fix the archive or pass --keep-going to skip bad entries"
            )
        }
    }

    /// An entry that could not be written: a bad entry, unless the disk refused (full,
    /// read-only, not permitted), which no skipping would help and no archive fix would cure.
    fn not_written(&mut self, what: String, e: anyhow::Error) -> Result<()> {
        if fsio::is_disk_error(&e) {
            bail!(
                "{what}: {e:#}\nnothing was imported: content/ is as it was; make room or fix the \
                 folder, then import again"
            )
        }
        self.skip(format!("{what}: {e:#}"))
    }
}
