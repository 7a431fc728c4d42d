//! Who may act from Slack, and which reactions are editorial acts (issue 14): the top-level keys
//! `editors = ["U…"]`, `editor_groups = ["S…"]` and the `[reactions]` table of `scrollback.toml`.
//!
//! Nobody is an editor by default: until the list is filled, slash commands that change a chat,
//! message shortcuts and reactions change nothing.

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use crate::content::Act;
use crate::events::EditorialPolicy;

/// The default `[reactions]`: what POLITICO's editors used.
pub fn default_reactions() -> BTreeMap<String, String> {
    [
        ("pushpin", "pin"),
        ("no_entry_sign", "hide"),
        ("star", "highlight"),
    ]
    .into_iter()
    .map(|(emoji, act)| (emoji.to_owned(), act.to_owned()))
    .collect()
}

/// Checks the keys; every message names the key and the value.
pub fn validate(
    editors: &[String],
    groups: &[String],
    reactions: &BTreeMap<String, String>,
) -> Result<()> {
    for id in editors {
        if !is_slack_id(id, &['U', 'W']) {
            bail!(
                "editors: {id:?} is not a Slack user id (such as \"U0123ABCD\"; in Slack, a person's profile → ⋮ → Copy member ID)"
            );
        }
    }
    for id in groups {
        if !is_slack_id(id, &['S']) {
            bail!("editor_groups: {id:?} is not a Slack user group id (such as \"S0123ABCD\")");
        }
    }
    for (emoji, act) in reactions {
        let valid_name = !emoji.is_empty()
            && emoji
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-+'".contains(c));
        if !valid_name {
            bail!("[reactions] {emoji:?} is not an emoji name (such as pushpin, without colons)");
        }
        if Act::from_reaction_name(act).is_none() {
            bail!(
                "[reactions] {emoji} = {act:?}: a reaction can be \"pin\", \"hide\" or \"highlight\""
            );
        }
    }
    Ok(())
}

/// The policy the publisher applies: the configured editors (groups' members are added by
/// `serve` as it finds them) and the reaction table.
pub fn policy(editors: &[String], reactions: &BTreeMap<String, String>) -> EditorialPolicy {
    let reactions = reactions
        .iter()
        .filter_map(|(emoji, act)| Some((emoji.clone(), Act::from_reaction_name(act)?)))
        .collect();
    EditorialPolicy::new(editors, reactions)
}

fn is_slack_id(id: &str, prefixes: &[char]) -> bool {
    id.len() >= 2
        && id.len() <= 24
        && id.starts_with(prefixes)
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_reactions_are_checked_by_name() {
        let ok = validate(
            &["U0EDITOR1".to_owned(), "W012ABC".to_owned()],
            &["S0DESK".to_owned()],
            &default_reactions(),
        );
        assert!(ok.is_ok(), "{ok:?}");
        let err = validate(&["@maria".to_owned()], &[], &BTreeMap::new()).unwrap_err();
        assert!(err.to_string().contains("editors: \"@maria\""), "{err}");
        let err = validate(&[], &["U0X".to_owned()], &BTreeMap::new()).unwrap_err();
        assert!(err.to_string().contains("editor_groups"), "{err}");
        let bad = [("star".to_owned(), "delete".to_owned())].into();
        let err = validate(&[], &[], &bad).unwrap_err();
        assert!(
            err.to_string().contains("[reactions] star = \"delete\""),
            "{err}"
        );
        let policy = policy(&["U0EDITOR1".to_owned()], &default_reactions());
        assert_eq!(
            policy.reaction_act("star", "U0EDITOR1", true),
            Some(Act::Highlight)
        );
    }
}
