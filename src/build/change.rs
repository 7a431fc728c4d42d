//! What callers tell the builder changed, and the [`ChangeSet`] a build works from.
//!
//! `build` names nothing and gets [`Change::Everything`]; `watch` names what its file events
//! point at; `serve` names the messages, chats and users the applied events touched. The builder
//! never trusts a list blindly: a first build, or the first build after a failed one, compares
//! every input whatever the caller said (see [`ChangeSet::new`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::content::{Slug, Ts};

/// A change the caller knows about, for a rebuild of just what depends on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    /// Anything may have changed: compare every input.
    Everything,
    /// `scrollback.toml`.
    Config,
    /// A template, translation table or `theme.toml` of the theme, or a template or translation
    /// table of the site: its path in the
    /// project, so a rebuild line names the template that broke it.
    Theme(String),
    /// A static file of the theme or the site (stylesheets, scripts, images), by its path in the
    /// project.
    Static(String),
    /// `content/users/<id>.json`.
    User(String),
    /// A chat's `channel.toml`, or the chat folder itself (created or removed).
    Chat(Slug),
    /// One message file.
    Message(Slug, Ts),
    /// Custom emoji, kept avatars or re-hosted files.
    Assets,
}

/// How a change is named in one-line reports ("message sotu/1500000000.000100").
impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Everything => f.write_str("everything"),
            Change::Config => f.write_str("config"),
            Change::Theme(path) if path.ends_with("theme.toml") => {
                write!(f, "theme settings {path}")
            }
            Change::Theme(path) if path.contains("i18n/") => write!(f, "translations {path}"),
            Change::Theme(path) => write!(f, "template {path}"),
            Change::Static(path) => write!(f, "static file {path}"),
            Change::User(id) => write!(f, "user {id}"),
            Change::Chat(slug) => write!(f, "chat {slug}"),
            Change::Message(slug, ts) => write!(f, "message {slug}/{ts}"),
            Change::Assets => f.write_str("emoji, avatars or files"),
        }
    }
}

/// The first few changes, named: "config, message a/1.000001, 2 more".
pub fn describe(changes: &[Change]) -> String {
    let mut names: Vec<String> = changes.iter().take(3).map(Change::to_string).collect();
    if changes.len() > 3 {
        names.push(format!("{} more", changes.len() - 3));
    }
    names.join(", ")
}

/// The changes of one build, grouped by what they make the builder look at.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChangeSet {
    /// Compare every input with the last build (a cold build, a re-check).
    pub everything: bool,
    /// Reload the config and the theme.
    pub inputs: bool,
    /// Copy static files again.
    pub statics: bool,
    /// List custom emoji, kept avatars and re-hosted files again.
    pub assets: bool,
    pub users: BTreeSet<String>,
    /// Chats whose settings (or folder) changed.
    pub chats: BTreeSet<Slug>,
    /// Message files the caller saw change, by chat: read again whatever their stamps say.
    pub messages: BTreeMap<Slug, BTreeSet<Ts>>,
}

impl ChangeSet {
    /// The changes to build from. `must_recheck`: the builder has nothing to compare with yet
    /// (its first build) or its last build failed halfway through its bookkeeping; then every
    /// input is compared again, whatever the caller named.
    pub fn new(changes: &[Change], must_recheck: bool) -> ChangeSet {
        let mut set = ChangeSet {
            everything: must_recheck,
            ..ChangeSet::default()
        };
        for change in changes {
            match change {
                Change::Everything => set.everything = true,
                Change::Config | Change::Theme(_) => set.inputs = true,
                Change::Static(_) => set.statics = true,
                Change::Assets => set.assets = true,
                Change::User(id) => {
                    set.users.insert(id.clone());
                }
                Change::Chat(slug) => {
                    set.chats.insert(slug.clone());
                }
                Change::Message(slug, ts) => {
                    set.messages
                        .entry(slug.clone())
                        .or_default()
                        .insert(ts.clone());
                }
            }
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    fn ts(s: &str) -> Ts {
        Ts::parse(s).unwrap()
    }

    #[test]
    fn everything_is_asked_for_by_name_or_forced_by_a_recheck() {
        assert!(ChangeSet::new(&[Change::Everything], false).everything);
        let css = Change::Static("static/site.css".into());
        assert!(ChangeSet::new(std::slice::from_ref(&css), true).everything);
        assert!(!ChangeSet::new(&[css], false).everything);
        assert_eq!(ChangeSet::new(&[], false), ChangeSet::default());
    }

    #[test]
    fn changes_are_named_briefly() {
        let changes = [
            Change::Config,
            Change::Message(slug("a"), ts("1.000001")),
            Change::Static("static/site.css".into()),
            Change::User("U1".into()),
            Change::Assets,
        ];
        assert_eq!(
            describe(&changes),
            "config, message a/1.000001, static file static/site.css, 2 more"
        );
    }

    #[test]
    fn changes_are_grouped_by_what_they_make_the_builder_look_at() {
        let set = ChangeSet::new(
            &[
                Change::Theme("templates/chat.html".into()),
                Change::Message(slug("a"), ts("1.000001")),
                Change::Message(slug("a"), ts("1.000002")),
                Change::Message(slug("a"), ts("1.000001")),
                Change::User("U1".into()),
                Change::Chat(slug("b")),
            ],
            false,
        );
        assert!(set.inputs && !set.statics && !set.assets && !set.everything);
        assert_eq!(set.messages[&slug("a")].len(), 2);
        assert!(set.users.contains("U1"));
        assert!(set.chats.contains(&slug("b")));
    }
}
