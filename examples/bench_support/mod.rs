//! What the bench examples share: the chat they measure and the message they add to it.

use std::path::PathBuf;

use anyhow::Context;
use scrollback::content::{ContentStore, Slug, Ts};

/// The published chat with the most message files: the one a benchmark's figures are about.
pub fn biggest_chat(store: &ContentStore) -> anyhow::Result<Slug> {
    let chats = store.load_channels()?;
    chats
        .iter()
        .filter(|c| c.settings.state.is_published())
        .max_by_key(|c| {
            std::fs::read_dir(store.layout().messages_dir(&c.slug))
                .map(|d| d.count())
                .unwrap_or(0)
        })
        .map(|c| c.slug.clone())
        .context("the project has no published chat")
}

/// Writes a message at `ts` in the chat `slug`, as Slack would send a reporter's line (some
/// markup and a link), and returns its file.
pub fn write_message(store: &ContentStore, slug: &Slug, ts: &Ts) -> anyhow::Result<PathBuf> {
    let path = store.layout().message_file(slug, ts);
    let record = serde_json::json!({"ts": ts.as_str(), "slack": {"type": "message", "user": "U00001000",
        "text": "Breaking: a *new* message with a <https://example.org|link>", "ts": ts.as_str()}});
    std::fs::write(&path, serde_json::to_vec_pretty(&record)?)?;
    Ok(path)
}
