//! What each message and each template depends on, so a change re-renders exactly the outputs
//! that use it: a renamed user re-renders the chats that mention or quote them, `chat.html`
//! re-renders chat pages but not the index, `base.html` re-renders everything.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::build::chat::names::Names;
use crate::render::{ChannelRef, Lookup};

/// The names a message (or a whole chat) looked up while rendering. Misses count too: a user
/// who is unknown today renders as their id, and must re-render when their file appears.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deps {
    pub users: BTreeSet<String>,
    pub channels: BTreeSet<String>,
    pub emoji: BTreeSet<String>,
    pub files: BTreeSet<String>,
}

impl Deps {
    pub fn extend(&mut self, other: &Deps) {
        // A chat's deps are the union of its messages' on every build: names it already has
        // (nearly all of them) are not copied again.
        fn union(into: &mut BTreeSet<String>, from: &BTreeSet<String>) {
            for name in from {
                if !into.contains(name) {
                    into.insert(name.clone());
                }
            }
        }
        union(&mut self.users, &other.users);
        union(&mut self.channels, &other.channels);
        union(&mut self.emoji, &other.emoji);
        union(&mut self.files, &other.files);
    }

    /// Whether anything this depends on is among `changed`.
    pub fn touches(&self, changed: &Deps) -> bool {
        fn any(a: &BTreeSet<String>, b: &BTreeSet<String>) -> bool {
            let (small, big) = if a.len() < b.len() { (a, b) } else { (b, a) };
            small.iter().any(|x| big.contains(x))
        }
        any(&self.users, &changed.users)
            || any(&self.channels, &changed.channels)
            || any(&self.emoji, &changed.emoji)
            || any(&self.files, &changed.files)
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.channels.is_empty()
            && self.emoji.is_empty()
            && self.files.is_empty()
    }
}

/// A [`Lookup`] that records every name it is asked for.
pub struct TrackingLookup<'a> {
    pub names: &'a Names,
    pub deps: RefCell<Deps>,
}

impl<'a> TrackingLookup<'a> {
    pub fn new(names: &'a Names) -> TrackingLookup<'a> {
        TrackingLookup {
            names,
            deps: RefCell::new(Deps::default()),
        }
    }

    pub fn note_user(&self, id: &str) {
        self.deps.borrow_mut().users.insert(id.to_owned());
    }

    pub fn note_emoji(&self, name: &str) {
        self.deps.borrow_mut().emoji.insert(name.to_owned());
    }

    pub fn note_file(&self, id: &str) {
        self.deps.borrow_mut().files.insert(id.to_owned());
    }

    pub fn into_deps(self) -> Deps {
        self.deps.into_inner()
    }
}

impl Lookup for TrackingLookup<'_> {
    fn user_name(&self, id: &str) -> Option<&str> {
        self.note_user(id);
        self.names.user_name(id)
    }

    fn channel(&self, id: &str) -> Option<ChannelRef<'_>> {
        self.deps.borrow_mut().channels.insert(id.to_owned());
        self.names.channel(id)
    }

    fn custom_emoji(&self, name: &str) -> Option<&str> {
        self.note_emoji(name);
        self.names.custom_emoji(name)
    }
}

/// The templates `root` uses: itself and, transitively, what it extends, includes or imports.
pub fn template_closure(root: &str, sources: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![root.to_owned()];
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(text) = sources.get(&name) {
            todo.extend(referenced_templates(text));
        }
    }
    seen
}

/// Names in `{% extends "x" %}`, `{% include "x" %}` (or a list) and `{% import "x" as m %}`.
fn referenced_templates(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{%") {
        let tail = &rest[start + 2..];
        let Some(end) = tail.find("%}") else { break };
        let tag = tail[..end]
            .trim()
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        let keyword = tag.split_whitespace().next().unwrap_or("");
        if matches!(keyword, "extends" | "include" | "import") {
            // Every quoted string in the tag: `include ["a.html", "b.html"] ignore missing`.
            let mut parts = tag.split(['"', '\'']);
            parts.next();
            for (i, part) in parts.enumerate() {
                if i % 2 == 0 {
                    out.push(part.to_owned());
                }
            }
        }
        rest = &tail[end + 2..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closure_follows_extends_and_includes() {
        let sources: BTreeMap<String, String> = [
            ("base.html", "<html>{% block content %}{% endblock %}"),
            ("chat.html", "{% extends \"base.html\" %}{% include 'message.html' %}{%- include [\"a.html\", \"b.html\"] ignore missing -%}"),
            ("index.html", "{% extends \"base.html\" %}{% import \"macros.html\" as m %}"),
            ("message.html", "<p>{{ message.html }}</p>"),
            ("macros.html", ""),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
        let chat = template_closure("chat.html", &sources);
        assert_eq!(
            chat.into_iter().collect::<Vec<_>>(),
            ["a.html", "b.html", "base.html", "chat.html", "message.html"]
        );
        let index = template_closure("index.html", &sources);
        assert!(!index.contains("message.html"));
        assert!(index.contains("macros.html") && index.contains("base.html"));
    }
}
