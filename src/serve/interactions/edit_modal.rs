//! The "Edit published text" modal (`scrollback_edit`): the view `views.open` shows an editor,
//! and reading their answer back. Kept apart from the handler so the view's shape (block and
//! action ids) and the text's round trip through Slack's escaping live in one place.
//!
//! Slack stores message text escaped (`&lt;`, `&gt;`, `&amp;`) with its own markup in angle
//! brackets (`<@U1>`, `<https://…|label>`). The modal shows the text as a person reads it and
//! escapes what they type back the same way, so markup survives an edit and a typed `<b>` stays
//! text.

use serde_json::{Value, json};

/// The modal's `callback_id` (the same as the shortcut's).
pub(super) const CALLBACK_ID: &str = "scrollback_edit";
const TEXT_BLOCK: &str = "text";
const REVERT_BLOCK: &str = "revert";

/// The longest text a `plain_text_input` takes.
const MAX_INPUT: usize = 3000;

/// Which message the modal edits: its `private_metadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Target {
    pub(super) channel: String,
    pub(super) ts: String,
}

impl Target {
    fn metadata(&self) -> String {
        json!({"channel": self.channel, "ts": self.ts}).to_string()
    }

    /// Reads `private_metadata` back.
    pub(super) fn from_metadata(text: &str) -> Option<Target> {
        let v: Value = serde_json::from_str(text).ok()?;
        Some(Target {
            channel: v.get("channel")?.as_str()?.to_owned(),
            ts: v.get("ts")?.as_str()?.to_owned(),
        })
    }
}

/// The modal for `views.open`, holding `current` (the published text, Slack-escaped).
/// `overridden`: an editor's text is published now, so reverting means something.
pub(super) fn view(target: &Target, current: &str, overridden: bool) -> Value {
    let shown: String = unescape(current).chars().take(MAX_INPUT).collect();
    let mut blocks = vec![json!({
        "type": "input",
        "block_id": TEXT_BLOCK,
        "label": {"type": "plain_text", "text": "Published text"},
        "hint": {"type": "plain_text", "text": "Readers see this instead of the message's own text; later edits in Slack do not replace it."},
        "element": {
            "type": "plain_text_input",
            "action_id": TEXT_BLOCK,
            "multiline": true,
            "max_length": MAX_INPUT,
            "initial_value": shown,
        },
    })];
    if overridden {
        blocks.push(json!({
            "type": "input",
            "block_id": REVERT_BLOCK,
            "optional": true,
            "label": {"type": "plain_text", "text": "Author's text"},
            "element": {
                "type": "checkboxes",
                "action_id": REVERT_BLOCK,
                "options": [{
                    "text": {"type": "plain_text", "text": "Publish the author's own text again"},
                    "value": "revert",
                }],
            },
        }));
    }
    json!({
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": target.metadata(),
        "title": {"type": "plain_text", "text": "Edit published text"},
        "submit": {"type": "plain_text", "text": "Publish"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    })
}

/// What the editor asked for in a submitted modal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Answer {
    /// Publish this text (Slack-escaped, ready for `override_text`).
    Text(String),
    Revert,
    /// Nothing to publish: the input block's error for `response_action: errors`.
    Invalid(&'static str),
}

/// Reads a `view_submission`'s `view.state.values`.
pub(super) fn answer(view: &Value) -> Answer {
    let values = &view["state"]["values"];
    let revert = values[REVERT_BLOCK][REVERT_BLOCK]["selected_options"]
        .as_array()
        .is_some_and(|o| !o.is_empty());
    if revert {
        return Answer::Revert;
    }
    let text = values[TEXT_BLOCK][TEXT_BLOCK]["value"]
        .as_str()
        .unwrap_or_default();
    if text.trim().is_empty() {
        return Answer::Invalid("The published text cannot be empty: hide the message instead.");
    }
    Answer::Text(escape(text))
}

/// The error answer Slack shows under the text input.
pub(super) fn errors(message: &str) -> Value {
    json!({"response_action": "errors", "errors": {TEXT_BLOCK: message}})
}

/// Slack's text as a person reads it.
pub(super) fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Typed text as Slack stores it: `&`, `<`, `>` escaped, except Slack's own markup in angle
/// brackets (mentions, channels, special mentions, links), which stays markup.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
            && is_markup(&rest[1..end])
        {
            out.push_str(&rest[..=end]);
            rest = &rest[end + 1..];
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn is_markup(inner: &str) -> bool {
    !inner.contains('<')
        && (inner.starts_with(['@', '#', '!'])
            || ["http://", "https://", "mailto:"]
                .iter()
                .any(|p| inner.starts_with(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_markup_survives_the_round_trip_and_typed_brackets_stay_text() {
        let stored =
            "Polls &amp; results &lt;b&gt; <@U1> <https://x.example/a?b=1&amp;c=2|link> &gt; quote";
        let shown = unescape(stored);
        assert_eq!(
            shown,
            "Polls & results <b> <@U1> <https://x.example/a?b=1&c=2|link> > quote"
        );
        assert_eq!(
            escape(&shown),
            "Polls &amp; results &lt;b&gt; <@U1> <https://x.example/a?b=1&c=2|link> &gt; quote"
        );
        assert_eq!(escape("a < b > c"), "a &lt; b &gt; c");
        assert_eq!(escape("<<@U1>"), "&lt;<@U1>");
    }

    #[test]
    fn the_modal_carries_its_target_and_reads_back() {
        let target = Target {
            channel: "C1".into(),
            ts: "1.000100".into(),
        };
        let v = view(&target, "Polls close at 8", true);
        assert_eq!(v["callback_id"], CALLBACK_ID);
        assert_eq!(
            Target::from_metadata(v["private_metadata"].as_str().unwrap()),
            Some(target.clone())
        );
        assert_eq!(
            v["blocks"][0]["element"]["initial_value"],
            "Polls close at 8"
        );
        assert_eq!(v["blocks"].as_array().unwrap().len(), 2);
        assert_eq!(
            view(&target, "x", false)["blocks"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        let submitted = |text: &str, revert: bool| {
            let options = if revert {
                json!([{"value": "revert"}])
            } else {
                json!([])
            };
            json!({"state": {"values": {
                "text": {"text": {"type": "plain_text_input", "value": text}},
                "revert": {"revert": {"type": "checkboxes", "selected_options": options}},
            }}})
        };
        assert_eq!(
            answer(&submitted("Polls close at 9 & later", false)),
            Answer::Text("Polls close at 9 &amp; later".into())
        );
        assert_eq!(answer(&submitted("anything", true)), Answer::Revert);
        assert!(matches!(
            answer(&submitted("  ", false)),
            Answer::Invalid(_)
        ));
        assert_eq!(errors("no")["errors"]["text"], "no");
    }
}
