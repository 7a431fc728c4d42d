//! Mentions of users, user groups and channels, and `@here`-style broadcasts: shared by mrkdwn
//! (`<@U123|name>`) and rich_text (`{"type": "user", "user_id": "U123"}`).
//!
//! Names come from the build's [`Lookup`](super::Lookup) first, so a rename shows everywhere;
//! the label Slack stored with the mention is the fallback (it is the name at posting time), and
//! the bare ID is the last resort.

use super::url::safe_site_url;
use super::{Cx, Writer};

/// Text that came with a mention, in the encoding it came in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Label<'a> {
    /// From mrkdwn: Slack's wire format, with `&amp;` `&lt;` `&gt;`.
    Wire(&'a str),
}

impl Label<'_> {
    fn write(self, w: &mut Writer) {
        match self {
            Label::Wire(s) => w.wire_text(s),
        }
    }

    /// Without the sigil the label may already carry: legacy `<@U123|alice>` has none, while
    /// `<!subteam^S1|@desk>` has one.
    fn without_sigil(self, sigil: char) -> Option<Self> {
        let Label::Wire(s) = self;
        let s = s.strip_prefix(sigil).unwrap_or(s);
        (!s.is_empty()).then_some(Label::Wire(s))
    }
}

const MENTION_OPEN: &str = "<span class=\"slack-mention\">";

pub(crate) fn write_user(w: &mut Writer, cx: &Cx, id: &str, label: Option<Label>) {
    w.open(MENTION_OPEN);
    w.text("@");
    match (
        cx.lookup.user_name(id),
        label.and_then(|l| l.without_sigil('@')),
    ) {
        (Some(name), _) => w.text(name.strip_prefix('@').unwrap_or(name)),
        (None, Some(label)) => label.write(w),
        (None, None) => w.text(id),
    }
    w.close("</span>");
}

pub(crate) fn write_usergroup(w: &mut Writer, cx: &Cx, id: &str, label: Option<Label>) {
    w.open(MENTION_OPEN);
    w.text("@");
    match (
        cx.lookup.usergroup_handle(id),
        label.and_then(|l| l.without_sigil('@')),
    ) {
        (Some(handle), _) => w.text(handle.strip_prefix('@').unwrap_or(handle)),
        (None, Some(label)) => label.write(w),
        (None, None) => w.text(id),
    }
    w.close("</span>");
}

/// `@here`, `@channel`, `@everyone`; `None` for any other range.
pub(crate) fn broadcast_name(range: &str) -> Option<&'static str> {
    match range {
        "here" => Some("@here"),
        "channel" => Some("@channel"),
        "everyone" => Some("@everyone"),
        _ => None,
    }
}

pub(crate) fn write_broadcast(w: &mut Writer, name: &str) {
    w.open("<span class=\"slack-mention slack-broadcast\">");
    w.text(name);
    w.close("</span>");
}

/// A channel links to its page when the build publishes it; otherwise it is `#name` text.
pub(crate) fn write_channel(w: &mut Writer, cx: &Cx, id: &str, label: Option<Label>) {
    let known = cx.lookup.channel(id);
    let href = known.and_then(|c| c.url).and_then(safe_site_url);
    match &href {
        Some(href) => {
            // The chat's own page on this site: navigation, not user-supplied, so no `rel`.
            w.open("<a class=\"slack-channel\" href=\"");
            w.attr(href);
            w.markup("\">");
        }
        None => w.open("<span class=\"slack-channel\">"),
    }
    w.text("#");
    match (known, label.and_then(|l| l.without_sigil('#'))) {
        (Some(channel), _) => w.text(channel.name),
        (None, Some(label)) => label.write(w),
        (None, None) => w.text(id),
    }
    w.close(if href.is_some() { "</a>" } else { "</span>" });
}
