//! Atom feeds (RFC 4287): `<slug>/atom.xml`, a chat's newest [`ENTRIES`] published top-level
//! messages, and `atom.xml`, the newest across the site.
//!
//! An entry's `id` is a tag URI (RFC 4151) made of what never changes about the message: the
//! site's host, the message's date, the chat's Slack channel id and the message's ts. Pages
//! shifting, a chat renamed or an edit leave it as it is. Its `updated` is the message's last
//! edit (the author's or an editor's correction), else its time.
//!
//! The site's feed is made of the chats' own entries, byte for byte: each entry is written
//! whole between `<entry>` and `</entry>` (text is escaped, so no `<entry>` can appear inside
//! one), and [`entries_of`] takes them back out of a chat's feed, so the site's feed never reads
//! a chat's messages.

use serde::{Deserialize, Serialize};

use super::xml::{escape, escape_into, text_into, utc};
use crate::build::chat::view::MessageView;

/// Entries per feed: enough for a reader polling every few minutes, and small, as every new
/// message rewrites its chat's feed and the site's (issue 15 keeps a message's cost under 300 KB).
pub const ENTRIES: usize = 25;
/// The site's feed, at the top of the site; each chat's is `<slug>/atom.xml`.
pub const FILE: &str = "atom.xml";
/// The longest entry title, in characters, before it is cut at a word.
const TITLE_CHARS: usize = 100;

/// An entry as the site's feed picks it: its message's ts (newest first) and `updated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryKey {
    /// The message's ts, in microseconds.
    pub ts: u64,
    /// Unix seconds.
    pub updated: i64,
}

/// A feed's own elements.
pub struct FeedHead<'a> {
    /// The feed's id: its chat's or the site's URL (the page it stands for).
    pub id: &'a str,
    pub title: &'a str,
    pub subtitle: &'a str,
    /// The feed's own URL.
    pub self_url: &'a str,
    /// The page it stands for.
    pub alternate: &'a str,
    /// `xml:lang` (empty: none).
    pub language: &'a str,
}

/// The chat an entry comes from.
pub struct EntryChat<'a> {
    /// Slack's channel id: in entry ids, so they outlive a renamed chat.
    pub id: &'a str,
    pub slug: &'a str,
    pub headline: &'a str,
}

/// The tag URI authority for a site: `base_url`'s host, without port or user.
pub fn authority(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = host.split(':').next().unwrap_or(host);
    let host: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect::<String>()
        .to_ascii_lowercase();
    if host.is_empty() {
        "localhost".to_owned()
    } else {
        host
    }
}

/// `tag:example.org,2018-03-06:C024BE91L/1520348645.000100`.
pub fn entry_id(authority: &str, chat: &EntryChat<'_>, view: &MessageView) -> String {
    let date = utc(view.time.epoch);
    let channel: String = if chat.id.is_empty() {
        chat.slug
    } else {
        chat.id
    }
    .chars()
    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    .collect();
    format!("tag:{authority},{}:{channel}/{}", &date[..10], view.ts)
}

/// A one-line title from the message's text, cut at a word; else its first file's title; else
/// who wrote it.
pub fn title(view: &MessageView) -> String {
    let text = view.text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !text.is_empty() {
        if text.chars().count() <= TITLE_CHARS {
            return text;
        }
        let cut: String = text.chars().take(TITLE_CHARS).collect();
        return match cut.rfind(' ') {
            Some(i) if i > TITLE_CHARS / 2 => format!("{}…", &cut[..i]),
            _ => format!("{cut}…"),
        };
    }
    if let Some(file) = view.files.first() {
        let name = if file.title.is_empty() {
            &file.name
        } else {
            &file.title
        };
        if !name.trim().is_empty() {
            return name.trim().to_owned();
        }
    }
    format!("Message from {}", author(view))
}

fn author(view: &MessageView) -> &str {
    if view.user.name.trim().is_empty() {
        &view.user.id
    } else {
        view.user.name.trim()
    }
}

/// One `<entry>`, on one line: the message at `link` (its anchor on its page).
pub fn entry(authority: &str, chat: &EntryChat<'_>, view: &MessageView, link: &str) -> String {
    let mut out = String::with_capacity(400 + view.html.len() * 5 / 4);
    out.push_str("<entry><id>");
    escape_into(&entry_id(authority, chat, view), &mut out);
    out.push_str("</id><title type=\"text\">");
    text_into(&title(view), &mut out);
    out.push_str("</title><link rel=\"alternate\" type=\"text/html\" href=\"");
    escape_into(link, &mut out);
    out.push_str("\"/><author><name>");
    escape_into(author(view), &mut out);
    out.push_str("</name></author><category term=\"");
    escape_into(chat.slug, &mut out);
    out.push_str("\" label=\"");
    escape_into(chat.headline, &mut out);
    out.push_str("\"/><published>");
    out.push_str(&utc(view.time.epoch));
    out.push_str("</published><updated>");
    out.push_str(&utc(view.updated()));
    out.push_str("</updated><content type=\"html\">");
    text_into(&view.html, &mut out);
    out.push_str("</content></entry>");
    out
}

/// A feed of `entries` (newest first), `updated` when its newest entry was (Unix seconds;
/// `None`: no entries, the epoch).
pub fn feed(head: &FeedHead<'_>, entries: &[&str], updated: Option<i64>) -> Vec<u8> {
    let mut out = String::with_capacity(600 + entries.iter().map(|e| e.len() + 1).sum::<usize>());
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"",
    );
    if !head.language.is_empty() {
        out.push_str(" xml:lang=\"");
        escape_into(head.language, &mut out);
        out.push('"');
    }
    out.push_str(">\n<id>");
    escape_into(head.id, &mut out);
    out.push_str("</id>\n<title type=\"text\">");
    escape_into(head.title, &mut out);
    out.push_str("</title>\n");
    if !head.subtitle.trim().is_empty() {
        out.push_str("<subtitle type=\"text\">");
        escape_into(head.subtitle.trim(), &mut out);
        out.push_str("</subtitle>\n");
    }
    out.push_str(&format!(
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<updated>{}</updated>\n<generator>scrollback</generator>\n",
        escape(head.self_url),
        escape(head.alternate),
        utc(updated.unwrap_or(0)),
    ));
    for e in entries {
        out.push_str(e);
        out.push('\n');
    }
    out.push_str("</feed>\n");
    out.into_bytes()
}

/// The entries of a feed this module wrote, in order.
pub fn entries_of(feed: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = feed;
    while let Some(start) = rest.find("<entry>") {
        let Some(len) = rest[start..].find("</entry>") else {
            break;
        };
        let end = start + len + "</entry>".len();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::chat::view::{TimeView, UserView};
    use crate::content::Ts;

    fn view(ts: &str, text: &str) -> MessageView {
        let t = Ts::parse(ts).unwrap();
        MessageView {
            ts: ts.to_owned(),
            anchor: t.anchor(),
            time: TimeView::new(
                &t,
                &jiff::tz::TimeZone::UTC,
                crate::locale::Language::from_tag_or_english("en"),
            ),
            user: UserView {
                id: "U1".to_owned(),
                name: "Ana <the editor>".to_owned(),
                avatar: None,
                is_bot: false,
            },
            html: "<p>Tom &amp; Jerry</p>".to_owned(),
            text: text.to_owned(),
            subtype: None,
            edited: None,
            tombstone: false,
            thread_ts: None,
            reactions: Vec::new(),
            files: Vec::new(),
            pinned: false,
            highlighted: false,
            corrected: None,
            editorial: Vec::new(),
            thread_url: None,
            page_url: None,
            thread: Vec::new(),
        }
    }

    const CHAT: EntryChat<'static> = EntryChat {
        id: "C024BE91L",
        slug: "sotu",
        headline: "State & Union",
    };

    #[test]
    fn ids_are_tag_uris_of_what_never_changes() {
        let v = view("1520348645.000100", "hi");
        assert_eq!(
            entry_id("x.org", &CHAT, &v),
            "tag:x.org,2018-03-06:C024BE91L/1520348645.000100"
        );
        assert_eq!(
            authority("https://User@News.Example:8443/chats/"),
            "news.example"
        );
        assert_eq!(authority("http://[::1]:8000"), "localhost");
        assert_eq!(authority(""), "localhost");
    }

    #[test]
    fn updated_is_the_last_edit_or_the_time() {
        let mut v = view("1520348645.000100", "hi");
        assert_eq!(v.updated(), 1_520_348_645);
        v.edited = Some("1520349000.000000".to_owned());
        assert_eq!(v.updated(), 1_520_349_000);
        v.corrected = Some(TimeView::new(
            &Ts::parse("1520350000.000000").unwrap(),
            &jiff::tz::TimeZone::UTC,
            crate::locale::Language::from_tag_or_english("en"),
        ));
        assert_eq!(v.updated(), 1_520_350_000);
    }

    #[test]
    fn titles_are_one_line_and_never_empty() {
        assert_eq!(title(&view("1.000001", "a\n b\tc")), "a b c");
        let long = "word ".repeat(40);
        let t = title(&view("1.000001", &long));
        assert!(
            t.ends_with('…') && t.chars().count() <= TITLE_CHARS + 1,
            "{t}"
        );
        assert_eq!(
            title(&view("1.000001", " ")),
            "Message from Ana <the editor>"
        );
    }

    #[test]
    fn entries_are_escaped_and_come_back_out_of_the_feed_whole() {
        let a = entry(
            "x.org",
            &CHAT,
            &view("1520348645.000100", "<script>&"),
            "https://x.org/c/sotu/#m1",
        );
        let b = entry(
            "x.org",
            &CHAT,
            &view("1520348646.000100", "</entry><entry>"),
            "https://x.org/c/sotu/#m2",
        );
        assert!(
            a.contains("<title type=\"text\">&lt;script&gt;&amp;</title>"),
            "{a}"
        );
        assert!(
            a.contains("<content type=\"html\">&lt;p&gt;Tom &amp;amp; Jerry&lt;/p&gt;</content>")
        );
        assert!(a.contains("label=\"State &amp; Union\""));
        let head = FeedHead {
            id: "https://x.org/c/sotu/",
            title: "T",
            subtitle: "",
            self_url: "https://x.org/c/sotu/atom.xml",
            alternate: "https://x.org/c/sotu/",
            language: "en",
        };
        let bytes = feed(&head, &[&b, &a], Some(1_520_348_646));
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(entries_of(&text), [b.as_str(), a.as_str()]);
        assert!(text.contains("<updated>2018-03-06T15:04:06Z</updated>\n<generator>"));
    }
}
