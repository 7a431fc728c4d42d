//! Where things live in `site/`, and how pages link to them.
//!
//! Every chat page sits one folder deep (`<slug>/index.html`, `<slug>/page-2.html`), as do the
//! feeds, so message HTML, rendered once, links correctly from all of them with `../`. When the
//! config has a `base_url`, links are absolute instead, so feeds embedded elsewhere work too.

use crate::content::{ChatState, Slug, Ts};

/// Where re-hosted Slack uploads are published: `files/<FILE_ID>/<name>`.
pub const FILES_DIR: &str = "files";
/// Where custom emoji are published: `emoji/<name>.<ext>`.
pub const EMOJI_DIR: &str = "emoji";
/// Where kept avatars are published: `files/avatars/<ID>.<hash>.<ext>`. Under `files/`, which
/// no chat can be named (a slug `avatars` can), and where no upload can be (their folders are
/// Slack file ids, `F…`).
pub const AVATARS_DIR: &str = "files/avatars";

/// Whether a site path is a copy of a Slack upload, a kept avatar or a custom emoji. Their names
/// are Slack's (a file id, an emoji name, a user id and a hash of Slack's URL), not a hash of their
/// bytes: a redacted or replaced file keeps its name.
pub fn is_copied_upload(site_path: &str) -> bool {
    [FILES_DIR, EMOJI_DIR].iter().any(|dir| {
        site_path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Where a chat's readers land (issue 15): a live chat's address opens on its latest messages,
/// which follow the chat; any other chat reads from its first page, like an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landing {
    /// `index.html` is page 1 (a copy of `page-1.html`, whose canonical address it is).
    FirstPage,
    /// `index.html` shows the newest messages; every page, the first too, is `page-N.html`.
    Latest,
}

impl Landing {
    pub fn of(state: ChatState) -> Landing {
        if state == ChatState::Live {
            Landing::Latest
        } else {
            Landing::FirstPage
        }
    }
}

/// The absolute URL of the page at site path `path`, `base_url` without a trailing `/`: a
/// folder's `index.html` is the folder (`https://x.org/c/sotu/`), as the pages' canonical links
/// name it.
pub fn page_url(base_url: &str, path: &str) -> String {
    // Pushed into one allocation: the sitemaps take one for each of a chat's thousands of
    // thread pages on every rebuild (issue 15).
    let path = path.strip_suffix("index.html").unwrap_or(path);
    let mut url = String::with_capacity(base_url.len() + 1 + path.len());
    url.push_str(base_url);
    url.push('/');
    url.push_str(path);
    url
}

/// Site-relative path of page `n` (1-based) of a chat. Every page has one, page 1 too, so a
/// link made while a chat was live still works once it is archived.
pub fn chat_page_path(slug: &Slug, n: usize) -> String {
    format!("{slug}/page-{}.html", n.max(1))
}

/// Site-relative path of the page a chat's address opens (see [`Landing`]).
pub fn chat_landing_path(slug: &Slug) -> String {
    format!("{slug}/index.html")
}

/// Link from one page of a chat to page `n` of the same chat: its canonical address.
pub fn chat_page_link(n: usize, landing: Landing) -> String {
    if n <= 1 && landing == Landing::FirstPage {
        "./".to_owned()
    } else {
        format!("page-{}.html", n.max(1))
    }
}

/// Site-relative canonical path of page `n` (what [`chat_page_link`] names).
pub fn chat_page_canonical(slug: &Slug, n: usize, landing: Landing) -> String {
    match chat_page_link(n, landing).as_str() {
        "./" => format!("{slug}/"),
        link => format!("{slug}/{link}"),
    }
}

/// A thread's page, as linked from its chat's pages (they share a folder): `thread-` and the
/// parent's ts with `.` as `-`, as in its anchor (`thread-1520348645-000100.html`). Made of
/// the ts alone, so it stays when pages shift, the chat is renamed or the parent is edited; one
/// folder deep like every chat page, so the messages' HTML (rendered once, linking `../`) is
/// right on it too.
pub fn thread_page_link(parent: &Ts) -> String {
    let mut link = String::with_capacity(THREAD_PAGE_LINK_EXTRA + parent.as_str().len());
    push_thread_page_link(&mut link, parent);
    link
}

/// Site-relative path (and canonical path) of a thread's page. Made in one allocation: a rebuild
/// of a long chat makes it for each of its thousands of threads (issue 15).
pub fn thread_page_path(slug: &str, parent: &Ts) -> String {
    let mut path =
        String::with_capacity(slug.len() + 1 + THREAD_PAGE_LINK_EXTRA + parent.as_str().len());
    path.push_str(slug);
    path.push('/');
    push_thread_page_link(&mut path, parent);
    path
}

/// The parent of the thread whose page in the chat `slug` is at `rel`, if `rel` is a thread
/// page's path: the inverse of [`thread_page_path`].
pub fn thread_page_parent(slug: &str, rel: &str) -> Option<Ts> {
    let name = rel.strip_prefix(slug)?.strip_prefix('/')?;
    let dashed = name.strip_prefix("thread-")?.strip_suffix(".html")?;
    let (seconds, micros) = dashed.split_once('-')?;
    Ts::parse(&format!("{seconds}.{micros}")).ok()
}

/// The absolute URL of a thread's page ([`page_url`] of [`thread_page_path`]), in one
/// allocation: the sitemaps take one for each of a chat's thousands of threads on every rebuild.
pub fn thread_page_url(base_url: &str, slug: &Slug, parent: &Ts) -> String {
    let slug = slug.as_str();
    let mut url = String::with_capacity(
        base_url.len() + 2 + slug.len() + THREAD_PAGE_LINK_EXTRA + parent.as_str().len(),
    );
    url.push_str(base_url);
    url.push('/');
    url.push_str(slug);
    url.push('/');
    push_thread_page_link(&mut url, parent);
    url
}

/// `thread-` and `.html` around the ts.
const THREAD_PAGE_LINK_EXTRA: usize = "thread-".len() + ".html".len();

fn push_thread_page_link(out: &mut String, parent: &Ts) {
    out.push_str("thread-");
    parent.push_dashed(out);
    out.push_str(".html");
}

/// Link from a thread's page (or any page of the chat) to a message on numbered page `n`: the
/// page's canonical address and the message's anchor.
pub fn message_link(n: usize, landing: Landing, anchor: &str) -> String {
    format!("{}#{anchor}", chat_page_link(n, landing))
}

/// How links from chat pages and feeds reach the top of the site.
#[derive(Debug, Clone)]
pub struct LinkBase {
    /// `https://example.org/chats/` or `../`.
    pub from_chat: String,
    /// `https://example.org/chats/` or `""`.
    pub from_root: String,
    pub absolute: bool,
}

impl LinkBase {
    pub fn new(base_url: &str) -> LinkBase {
        if base_url.is_empty() {
            LinkBase {
                from_chat: "../".to_owned(),
                from_root: String::new(),
                absolute: false,
            }
        } else {
            let b = format!("{}/", base_url.trim_end_matches('/'));
            LinkBase {
                from_chat: b.clone(),
                from_root: b,
                absolute: true,
            }
        }
    }

    /// A chat's page, as linked from another chat's messages.
    pub fn chat_from_chat(&self, slug: &Slug) -> String {
        format!("{}{slug}/", self.from_chat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_stay_one_folder_deep() {
        let s = Slug::parse("sotu").unwrap();
        assert_eq!(chat_page_path(&s, 1), "sotu/page-1.html");
        assert_eq!(chat_page_path(&s, 3), "sotu/page-3.html");
        assert_eq!(chat_landing_path(&s), "sotu/index.html");
        // Page 1's canonical address is the chat's unless the chat is live.
        assert_eq!(chat_page_canonical(&s, 1, Landing::FirstPage), "sotu/");
        assert_eq!(
            chat_page_canonical(&s, 1, Landing::Latest),
            "sotu/page-1.html"
        );
        assert_eq!(
            chat_page_canonical(&s, 2, Landing::FirstPage),
            "sotu/page-2.html"
        );
        assert_eq!(LinkBase::new("").chat_from_chat(&s), "../sotu/");
        assert_eq!(
            page_url("https://x.org/c", "sotu/index.html"),
            "https://x.org/c/sotu/"
        );
        assert_eq!(
            page_url("https://x.org/c", "index.html"),
            "https://x.org/c/"
        );
        assert_eq!(
            page_url("https://x.org/c", "sotu/page-3.html"),
            "https://x.org/c/sotu/page-3.html"
        );
        assert_eq!(
            LinkBase::new("https://x.org/c/").chat_from_chat(&s),
            "https://x.org/c/sotu/"
        );
    }

    #[test]
    fn thread_pages_sit_beside_the_chat_pages_named_by_their_parent() {
        let s = Slug::parse("sotu").unwrap();
        let ts = Ts::parse("1520348645.000100").unwrap();
        assert_eq!(thread_page_link(&ts), "thread-1520348645-000100.html");
        assert_eq!(
            thread_page_path(s.as_str(), &ts),
            "sotu/thread-1520348645-000100.html"
        );
        assert_eq!(
            thread_page_parent("sotu", &thread_page_path(s.as_str(), &ts)),
            Some(ts.clone())
        );
        assert_eq!(
            thread_page_parent("sotu", "sotu/thread-1520348645.000100.html"),
            None
        );
        assert_eq!(
            thread_page_url("https://x.org/c", &s, &ts),
            page_url("https://x.org/c", &thread_page_path(s.as_str(), &ts))
        );
        // The anchor and the page name carry the same ts.
        assert_eq!(
            format!("thread-{}.html", &ts.anchor()[1..]),
            thread_page_link(&ts)
        );
        assert_eq!(
            message_link(1, Landing::FirstPage, "m1-000100"),
            "./#m1-000100"
        );
        assert_eq!(
            message_link(1, Landing::Latest, "m1-000100"),
            "page-1.html#m1-000100"
        );
        assert_eq!(
            message_link(3, Landing::FirstPage, "m1-000100"),
            "page-3.html#m1-000100"
        );
    }

    #[test]
    fn uploads_and_emoji_are_known_by_their_folders() {
        assert!(is_copied_upload("files/F0ABCDEF12/chart.3f9a1c0b7e.css"));
        assert!(is_copied_upload("emoji/party.gif"));
        assert!(is_copied_upload("files/avatars/U0EDITOR.3f9a1c0b7e.jpg"));
        assert!(!is_copied_upload("filesystem/x.png"));
        assert!(!is_copied_upload("assets/files/x.png"));
        assert!(!is_copied_upload("files"));
    }
}
