//! The JSON-LD a chat page carries (issue 16, requirement 3), and the image of its social cards.
//!
//! A live chat is schema.org `LiveBlogPosting` with its page's latest messages as
//! `liveBlogUpdate`s; any other chat is a `DiscussionForumPosting` whose `comment`s are the
//! page's messages, replies nested under their parent, as Google documents for forums. Only the
//! messages the page shows appear, so the JSON-LD changes exactly when the page does. URLs are
//! absolute or absent: without a `base_url` the document has no `url` fields at all.
//!
//! The result is a string ready to sit inside `<script type="application/ld+json">`: `<`, `>`,
//! `&`, U+2028 and U+2029 are escaped, so no text can close the element or start a comment.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::pages::ChatHeader;
use crate::build::chat::view::MessageView;

/// `liveBlogUpdate` entries: the page's newest messages, newest first.
pub const MAX_UPDATES: usize = 20;
/// `comment` entries, replies included, in reading order.
pub const MAX_COMMENTS: usize = 40;
/// Google shows headlines up to 110 characters.
const HEADLINE_CHARS: usize = 110;

/// What a chat page's JSON-LD is made from.
pub struct PageFacts<'a> {
    pub chat: &'a ChatHeader,
    /// The messages the page shows, oldest first, replies in `thread`.
    pub messages: &'a [MessageView],
    /// The page's description (`page.description`).
    pub description: &'a str,
    /// The site's title: the publisher, and the forum posting's author.
    pub site_title: &'a str,
    /// This page's absolute URL (none without a `base_url`).
    pub page_url: Option<&'a str>,
    /// The chat's absolute address, `<base>/<slug>/` (none without a `base_url`).
    pub chat_url: Option<&'a str>,
    /// The social card's image, absolute (see [`card_image`]).
    pub image: Option<&'a str>,
}

/// The JSON-LD document of a chat page, escaped for a `<script>` element.
pub fn chat_page_json_ld(facts: &PageFacts<'_>) -> String {
    let doc = if facts.chat.state == "live" {
        live_blog(facts)
    } else {
        forum_posting(facts)
    };
    script_safe(&Value::Object(doc).to_string())
}

/// JSON made safe to sit inside `<script>`: the characters that could end the element, open an
/// HTML comment or break a JavaScript string are written as `\uXXXX` escapes. They only occur
/// inside JSON strings, where the escape means the same character.
pub fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The image of a page's social cards, absolute or none: the chat's own image (an http(s) URL,
/// or a path under the site made absolute with `base_url`), else the first re-hosted image a
/// message on the page carries. `FileView::image` is only ever our copy, never Slack's.
pub fn card_image(chat: &ChatHeader, messages: &[MessageView], base_url: &str) -> Option<String> {
    if let Some(image) = chat
        .image
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        if is_absolute(image) {
            return Some(image.to_owned());
        }
        if !base_url.is_empty() && !image.contains("://") {
            return Some(format!("{base_url}/{}", image.trim_start_matches('/')));
        }
        return None;
    }
    flatten(messages)
        .flat_map(|m| &m.files)
        .filter_map(|f| f.image.as_deref())
        .find(|u| is_absolute(u))
        .map(str::to_owned)
}

/// The image of a thread page's social cards: the parent's own first re-hosted image, else
/// what [`card_image`] finds for the whole thread (the chat's image, then the replies').
pub fn thread_card_image(
    chat: &ChatHeader,
    thread: &[MessageView],
    base_url: &str,
) -> Option<String> {
    thread
        .first()
        .into_iter()
        .flat_map(|parent| &parent.files)
        .filter_map(|f| f.image.as_deref())
        .find(|u| is_absolute(u))
        .map(str::to_owned)
        .or_else(|| card_image(chat, thread, base_url))
}

fn is_absolute(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// Top-level messages and their replies, in reading order.
fn flatten(messages: &[MessageView]) -> impl Iterator<Item = &MessageView> {
    messages
        .iter()
        .flat_map(|m| std::iter::once(m).chain(m.thread.iter()))
}

/// What a message says, for `articleBody`/`text`: its text, else the titles of its files;
/// `None` for a deleted parent kept for its thread, or a message with nothing to say.
fn said(m: &MessageView) -> Option<String> {
    if m.tombstone {
        return None;
    }
    let text = m.text.trim();
    if !text.is_empty() {
        return Some(text.to_owned());
    }
    let titles: Vec<&str> = m
        .files
        .iter()
        .map(|f| f.title.as_str())
        .filter(|t| !t.is_empty())
        .collect();
    (!titles.is_empty()).then(|| titles.join(", "))
}

fn headline(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= HEADLINE_CHARS {
        return one_line;
    }
    let cut: String = one_line.chars().take(HEADLINE_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

fn person(name: &str) -> Value {
    json!({"@type": "Person", "name": name})
}

/// The message's address: its anchor on this page, or on the page that shows it in its place
/// when this one shows it away from there (`page_url`: a pinned message, a broadcast reply's copy
/// in its thread), since the anchor is only there.
fn message_url(facts: &PageFacts<'_>, m: &MessageView) -> Option<String> {
    let here = facts.page_url?;
    Some(match (&m.page_url, facts.chat_url) {
        (Some(page), Some(chat)) => {
            format!("{chat}{}#{}", page.trim_start_matches("./"), m.anchor)
        }
        _ => format!("{here}#{}", m.anchor),
    })
}

/// The newest message on the page (by its time, then its ts), replies included.
fn newest(messages: &[MessageView]) -> Option<&MessageView> {
    flatten(messages).max_by(|a, b| (a.time.epoch, &a.ts).cmp(&(b.time.epoch, &b.ts)))
}

/// The fields both types share: headline, description, dates, URLs, image, publisher.
fn common(facts: &PageFacts<'_>, kind: &str, url: Option<&str>) -> Map<String, Value> {
    let mut doc = Map::new();
    doc.insert("@context".into(), "https://schema.org".into());
    doc.insert("@type".into(), kind.into());
    doc.insert("headline".into(), headline(&facts.chat.headline).into());
    if !facts.description.trim().is_empty() {
        doc.insert("description".into(), facts.description.into());
    }
    let started = facts
        .chat
        .first
        .as_ref()
        .map(|t| t.iso.clone())
        .or_else(|| flatten(facts.messages).next().map(|m| m.time.iso.clone()));
    if let Some(started) = started {
        doc.insert("datePublished".into(), started.into());
    }
    if let Some(m) = newest(facts.messages) {
        doc.insert("dateModified".into(), m.time.iso.clone().into());
    }
    if let Some(url) = url {
        doc.insert("url".into(), url.into());
    }
    if let Some(page) = facts.page_url {
        doc.insert("mainEntityOfPage".into(), page.into());
    }
    if let Some(image) = facts.image {
        doc.insert("image".into(), image.into());
    }
    if !facts.site_title.trim().is_empty() {
        doc.insert(
            "publisher".into(),
            json!({"@type": "Organization", "name": facts.site_title}),
        );
    }
    doc
}

/// A live chat: coverage started with its first message and ends when the editors said it
/// would (`coverage_end`; without it, no `coverageEndTime`: the end is not known); the updates
/// are the page's newest messages, newest first.
fn live_blog(facts: &PageFacts<'_>) -> Map<String, Value> {
    let mut doc = common(facts, "LiveBlogPosting", facts.page_url);
    if let Some(started) = doc.get("datePublished").cloned() {
        doc.insert("coverageStartTime".into(), started);
    }
    if let Some(end) = &facts.chat.coverage_end {
        doc.insert("coverageEndTime".into(), end.as_str().into());
    }
    let mut shown: Vec<&MessageView> = flatten(facts.messages).collect();
    shown.sort_by(|a, b| (b.time.epoch, &b.ts).cmp(&(a.time.epoch, &a.ts)));
    // A broadcast reply shows twice, in its thread and at the top level: one update.
    shown.dedup_by(|a, b| a.ts == b.ts);
    let updates: Vec<Value> = shown
        .into_iter()
        .filter_map(|m| {
            let text = said(m)?;
            let mut update = Map::new();
            update.insert("@type".into(), "BlogPosting".into());
            update.insert("headline".into(), headline(&text).into());
            update.insert("articleBody".into(), text.into());
            update.insert("datePublished".into(), m.time.iso.clone().into());
            update.insert("author".into(), person(&m.user.name));
            if let Some(url) = message_url(facts, m) {
                update.insert("url".into(), url.into());
            }
            Some(Value::Object(update))
        })
        .take(MAX_UPDATES)
        .collect();
    doc.insert("liveBlogUpdate".into(), updates.into());
    doc
}

/// An archived chat: one discussion at the chat's address (every page names it, as Google asks
/// of forums split over pages), by the site, with the page's messages as its comments.
fn forum_posting(facts: &PageFacts<'_>) -> Map<String, Value> {
    let mut doc = common(facts, "DiscussionForumPosting", facts.chat_url);
    let text = Some(facts.description.trim())
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| facts.chat.headline.clone());
    doc.insert("text".into(), text.into());
    let author = if facts.site_title.trim().is_empty() {
        facts.chat.headline.as_str()
    } else {
        facts.site_title
    };
    doc.insert(
        "author".into(),
        json!({"@type": "Organization", "name": author}),
    );
    // A broadcast reply whose parent is on the page shows twice, in its thread and at the top
    // level: one comment, in its thread (the live blog's updates are deduplicated the same way).
    let in_threads: HashSet<&str> = facts
        .messages
        .iter()
        .flat_map(|m| &m.thread)
        .map(|r| r.ts.as_str())
        .collect();
    let mut budget = MAX_COMMENTS;
    let mut comments = Vec::new();
    for m in facts
        .messages
        .iter()
        .filter(|m| !in_threads.contains(m.ts.as_str()))
    {
        if budget == 0 {
            break;
        }
        let mut replies = Vec::new();
        let parent = comment(facts, m, &mut budget);
        for r in &m.thread {
            if budget == 0 {
                break;
            }
            replies.extend(comment(facts, r, &mut budget));
        }
        match parent {
            Some(mut parent) => {
                if !replies.is_empty() {
                    parent.insert("comment".into(), replies.into());
                }
                comments.push(Value::Object(parent));
            }
            // A deleted parent: its replies still belong to the discussion.
            None => comments.extend(replies.into_iter().map(Value::Object)),
        }
    }
    if !comments.is_empty() {
        doc.insert("commentCount".into(), comments_in(&comments).into());
        doc.insert("comment".into(), comments.into());
    }
    doc
}

/// The JSON-LD document of a thread's page, escaped for a `<script>` element: a
/// `DiscussionForumPosting` that is the parent message itself (its author, its text, its time;
/// `headline` the page's title) at the thread page's URL, with every published reply as a
/// `Comment`. `facts.messages` is the parent alone, its replies in `thread`; a thread page is
/// the one place its whole discussion is, so no reply is left out.
pub fn thread_page_json_ld(facts: &PageFacts<'_>, title: &str) -> String {
    let Some(parent) = facts.messages.first() else {
        return String::new();
    };
    let mut doc = common(facts, "DiscussionForumPosting", facts.page_url);
    doc.insert("headline".into(), headline(title).into());
    doc.insert(
        "text".into(),
        said(parent).unwrap_or_else(|| title.to_owned()).into(),
    );
    doc.insert("author".into(), person(&parent.user.name));
    doc.insert("datePublished".into(), parent.time.iso.clone().into());
    let mut budget = usize::MAX;
    let comments: Vec<Value> = parent
        .thread
        .iter()
        .filter_map(|r| comment(facts, r, &mut budget))
        .map(Value::Object)
        .collect();
    doc.insert("commentCount".into(), comments.len().into());
    if !comments.is_empty() {
        doc.insert("comment".into(), comments.into());
    }
    script_safe(&Value::Object(doc).to_string())
}

fn comment(
    facts: &PageFacts<'_>,
    m: &MessageView,
    budget: &mut usize,
) -> Option<Map<String, Value>> {
    let text = said(m)?;
    *budget -= 1;
    let mut c = Map::new();
    c.insert("@type".into(), "Comment".into());
    c.insert("text".into(), text.into());
    c.insert("author".into(), person(&m.user.name));
    c.insert("datePublished".into(), m.time.iso.clone().into());
    if let Some(url) = message_url(facts, m) {
        c.insert("url".into(), url.into());
    }
    Some(c)
}

/// Comments in the document, nested ones included.
fn comments_in(comments: &[Value]) -> usize {
    comments
        .iter()
        .map(|c| {
            1 + c
                .get("comment")
                .and_then(Value::as_array)
                .map_or(0, |r| comments_in(r))
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::chat::view::{FileView, TimeView, UserView};

    fn header(state: &str) -> ChatHeader {
        ChatHeader {
            id: "C1".into(),
            slug: "sotu".into(),
            headline: "State of the Union".into(),
            description: "Live </script> & more".into(),
            description_html: String::new(),
            intro_html: String::new(),
            closing_note_html: String::new(),
            state: state.into(),
            kind: "public".into(),
            url: "https://x.org/sotu/".into(),
            image: None,
            first: Some(time(1000)),
            coverage_end: None,
        }
    }

    fn time(epoch: i64) -> TimeView {
        TimeView {
            iso: format!(
                "2018-01-01T00:{:02}:{:02}+00:00",
                epoch / 60 % 60,
                epoch % 60
            ),
            date: String::new(),
            time: String::new(),
            zone: String::new(),
            day: "2018-01-01".into(),
            epoch,
        }
    }

    fn message(epoch: i64, text: &str) -> MessageView {
        MessageView {
            ts: format!("{epoch}.000100"),
            anchor: format!("m{epoch}-000100"),
            time: time(epoch),
            user: UserView {
                id: "U1".into(),
                name: "Ann".into(),
                avatar: None,
                is_bot: false,
            },
            html: String::new(),
            text: text.into(),
            subtype: None,
            edited: None,
            tombstone: false,
            thread_ts: None,
            reactions: vec![],
            files: vec![],
            pinned: false,
            highlighted: false,
            corrected: None,
            editorial: vec![],
            thread_url: None,
            page_url: None,
            thread: vec![],
        }
    }

    fn facts<'a>(chat: &'a ChatHeader, messages: &'a [MessageView], base: bool) -> PageFacts<'a> {
        PageFacts {
            chat,
            messages,
            description: &chat.description,
            site_title: "News",
            page_url: base.then_some("https://x.org/sotu/page-2.html"),
            chat_url: base.then_some("https://x.org/sotu/"),
            image: None,
        }
    }

    fn parse(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn escapes_what_could_end_the_script_element() {
        let chat = header("archived");
        let messages = [message(1000, "a </script><!-- & \u{2028}\u{2029} b")];
        let out = chat_page_json_ld(&facts(&chat, &messages, true));
        for raw in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!out.contains(raw), "{raw:?} in {out}");
        }
        assert!(out.contains("\\u003c/script\\u003e"), "{out}");
        // The escapes decode to the text as written.
        let doc = parse(&out);
        assert_eq!(
            doc["comment"][0]["text"],
            "a </script><!-- & \u{2028}\u{2029} b"
        );
        assert_eq!(doc["description"], "Live </script> & more");
    }

    #[test]
    fn a_live_chat_is_a_live_blog_of_its_newest_messages() {
        let chat = header("live");
        let messages: Vec<MessageView> = (0..30)
            .map(|i| message(2000 + i, &format!("update {i}")))
            .collect();
        let doc = parse(&chat_page_json_ld(&facts(&chat, &messages, true)));
        assert_eq!(doc["@type"], "LiveBlogPosting");
        assert_eq!(doc["coverageStartTime"], time(1000).iso);
        assert_eq!(doc["datePublished"], time(1000).iso);
        assert_eq!(doc["dateModified"], time(2029).iso);
        assert!(doc.get("coverageEndTime").is_none());
        assert_eq!(doc["url"], "https://x.org/sotu/page-2.html");
        let updates = doc["liveBlogUpdate"].as_array().unwrap();
        assert_eq!(updates.len(), MAX_UPDATES);
        assert_eq!(updates[0]["@type"], "BlogPosting");
        assert_eq!(updates[0]["articleBody"], "update 29");
        assert_eq!(updates[0]["headline"], "update 29");
        assert_eq!(updates[0]["author"]["name"], "Ann");
        assert_eq!(
            updates[0]["url"],
            "https://x.org/sotu/page-2.html#m2029-000100"
        );
        assert_eq!(updates[19]["articleBody"], "update 10");
    }

    #[test]
    fn a_broadcast_reply_is_one_update_and_a_copy_away_from_its_place_links_there() {
        let chat = header("live");
        // On this page: the parent, its broadcast reply's top-level copy too.
        let mut parent = message(2000, "question");
        let mut broadcast = message(2001, "answer, also sent to the channel");
        broadcast.subtype = Some("thread_broadcast".into());
        parent.thread = vec![broadcast.clone()];
        let on_page = [parent.clone(), broadcast];
        let doc = parse(&chat_page_json_ld(&facts(&chat, &on_page, true)));
        let updates = doc["liveBlogUpdate"].as_array().unwrap();
        assert_eq!(updates.len(), 2, "{updates:?}");
        assert_eq!(
            updates[0]["url"],
            "https://x.org/sotu/page-2.html#m2001-000100"
        );
        // Its top-level copy on page 3: the copy in the thread links there.
        parent.thread[0].page_url = Some("page-3.html".into());
        let doc = parse(&chat_page_json_ld(&facts(&chat, &[parent], true)));
        assert_eq!(
            doc["liveBlogUpdate"][0]["url"],
            "https://x.org/sotu/page-3.html#m2001-000100"
        );
        assert_eq!(
            doc["liveBlogUpdate"][1]["url"],
            "https://x.org/sotu/page-2.html#m2000-000100"
        );
    }

    #[test]
    fn an_archived_chat_is_a_discussion_with_nested_comments() {
        let chat = header("archived");
        let mut parent = message(1000, "question");
        parent.thread = vec![message(1001, "answer")];
        let mut gone = message(1002, "");
        gone.tombstone = true;
        gone.thread = vec![message(1003, "orphan reply")];
        let messages = [parent, gone];
        let doc = parse(&chat_page_json_ld(&facts(&chat, &messages, true)));
        assert_eq!(doc["@type"], "DiscussionForumPosting");
        assert!(doc.get("liveBlogUpdate").is_none());
        assert!(doc.get("coverageStartTime").is_none());
        assert_eq!(doc["url"], "https://x.org/sotu/");
        assert_eq!(doc["mainEntityOfPage"], "https://x.org/sotu/page-2.html");
        assert_eq!(doc["author"]["name"], "News");
        assert_eq!(doc["text"], "Live </script> & more");
        let comments = doc["comment"].as_array().unwrap();
        assert_eq!(comments.len(), 2);
        assert_eq!(comments[0]["text"], "question");
        assert_eq!(comments[0]["comment"][0]["text"], "answer");
        assert_eq!(comments[1]["text"], "orphan reply");
        assert_eq!(doc["commentCount"], 3);
        // Only the page's messages: nothing else is named.
        let all = doc.to_string();
        assert_eq!(all.matches("\"Comment\"").count(), 3);
    }

    #[test]
    fn an_archived_chats_broadcast_reply_is_one_comment_in_its_thread() {
        let chat = header("archived");
        let mut parent = message(2000, "question");
        let mut broadcast = message(2001, "answer, also sent to the channel");
        broadcast.subtype = Some("thread_broadcast".into());
        parent.thread = vec![broadcast.clone()];
        // Its parent on the page: once, nested under the parent.
        let on_page = [parent, broadcast.clone()];
        let doc = parse(&chat_page_json_ld(&facts(&chat, &on_page, true)));
        let comments = doc["comment"].as_array().unwrap();
        assert_eq!(comments.len(), 1, "{comments:?}");
        assert_eq!(
            comments[0]["comment"][0]["text"],
            "answer, also sent to the channel"
        );
        assert_eq!(doc["commentCount"], 2);
        // Its parent on an earlier page: the top-level copy is this page's only one.
        let doc = parse(&chat_page_json_ld(&facts(&chat, &[broadcast], true)));
        assert_eq!(doc["commentCount"], 1);
        assert_eq!(
            doc["comment"][0]["text"],
            "answer, also sent to the channel"
        );
    }

    #[test]
    fn a_thread_page_is_its_parents_discussion_with_every_reply() {
        let chat = header("archived");
        let mut parent = message(1000, "Who won </script> the debate?");
        parent.user.name = "Bea".into();
        parent.thread = (0..50)
            .map(|i| message(1001 + i, &format!("reply {i}")))
            .collect();
        let messages = [parent];
        let mut f = facts(&chat, &messages, true);
        f.page_url = Some("https://x.org/sotu/thread-1000-000100.html");
        let out = thread_page_json_ld(&f, "Who won the debate?");
        assert!(!out.contains('<'), "{out}");
        let doc = parse(&out);
        assert_eq!(doc["@type"], "DiscussionForumPosting");
        assert_eq!(doc["headline"], "Who won the debate?");
        assert_eq!(doc["text"], "Who won </script> the debate?");
        assert_eq!(doc["author"]["@type"], "Person");
        assert_eq!(doc["author"]["name"], "Bea");
        assert_eq!(doc["datePublished"], time(1000).iso);
        assert_eq!(doc["dateModified"], time(1050).iso);
        assert_eq!(doc["url"], "https://x.org/sotu/thread-1000-000100.html");
        assert_eq!(doc["mainEntityOfPage"], doc["url"]);
        let comments = doc["comment"].as_array().unwrap();
        assert_eq!(comments.len(), 50, "no cap on a thread's own page");
        assert_eq!(doc["commentCount"], 50);
        assert_eq!(comments[0]["text"], "reply 0");
        assert_eq!(
            comments[0]["url"],
            "https://x.org/sotu/thread-1000-000100.html#m1001-000100"
        );
        // Without a base_url: no URLs at all.
        let out = thread_page_json_ld(&facts(&chat, &messages, false), "t");
        assert!(!out.contains("\"url\""), "{out}");
    }

    #[test]
    fn comments_are_capped() {
        let chat = header("archived");
        let messages: Vec<MessageView> = (0..100)
            .map(|i| message(1000 + i, &format!("m{i}")))
            .collect();
        let doc = parse(&chat_page_json_ld(&facts(&chat, &messages, false)));
        assert_eq!(doc["comment"].as_array().unwrap().len(), MAX_COMMENTS);
        assert_eq!(doc["comment"][0]["text"], "m0");
    }

    #[test]
    fn without_a_base_url_there_are_no_urls() {
        for state in ["live", "archived"] {
            let chat = header(state);
            let messages = [message(1000, "hello")];
            let out = chat_page_json_ld(&facts(&chat, &messages, false));
            let doc = parse(&out);
            assert!(doc.get("url").is_none(), "{out}");
            assert!(doc.get("mainEntityOfPage").is_none(), "{out}");
            assert!(!out.contains("\"url\""), "{out}");
        }
    }

    #[test]
    fn long_texts_make_short_headlines() {
        let chat = header("live");
        let long = "word ".repeat(100);
        let messages = [message(1000, &long)];
        let doc = parse(&chat_page_json_ld(&facts(&chat, &messages, true)));
        let h = doc["liveBlogUpdate"][0]["headline"].as_str().unwrap();
        assert!(h.chars().count() <= HEADLINE_CHARS, "{h}");
        assert!(h.ends_with('…'));
    }

    #[test]
    fn card_images_are_absolute_and_never_slacks() {
        let mut chat = header("archived");
        let mut m = message(1000, "photo");
        m.files = vec![FileView {
            id: "F1".into(),
            name: "a.png".into(),
            title: "a".into(),
            mimetype: "image/png".into(),
            kind: "PNG".into(),
            size: 1,
            url: Some("https://x.org/files/F1/a.png".into()),
            image: Some("https://x.org/files/F1/a.png".into()),
            width: None,
            height: None,
            thumb: None,
            available: true,
        }];
        let messages = [m];
        assert_eq!(
            card_image(&chat, &messages, "https://x.org").as_deref(),
            Some("https://x.org/files/F1/a.png")
        );
        // Without a base_url, re-hosted files are relative: no card image.
        let mut relative = messages.clone();
        relative[0].files[0].image = Some("../files/F1/a.png".into());
        assert_eq!(card_image(&chat, &relative, ""), None);
        // The chat's own image wins; a path is made absolute.
        chat.image = Some("/cards/sotu.png".into());
        assert_eq!(
            card_image(&chat, &messages, "https://x.org").as_deref(),
            Some("https://x.org/cards/sotu.png")
        );
        assert_eq!(card_image(&chat, &messages, ""), None);
        chat.image = Some("https://cdn.example/c.png".into());
        assert_eq!(
            card_image(&chat, &messages, "").as_deref(),
            Some("https://cdn.example/c.png")
        );
    }
}
