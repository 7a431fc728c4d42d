//! The view model: what templates and feeds see of a chat and its messages.
//!
//! Themes know nothing of Slack's wire format: they get these documented structures (see
//! THEMES.md), and `feed.json` is the same structures serialized, so a page and its feed always
//! agree.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::names::{Names, Person};
use crate::build::incremental::deps::TrackingLookup;
use crate::content::{MessageRecord, Ts, avatar};
use crate::locale::Language;
use crate::locale::calendar::DateStyle;
use crate::render::{self, RenderOptions, safe_url};

/// When something happened, in the site's time zone and language.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TimeView {
    /// RFC 3339 with the zone's offset, for `<time datetime>`.
    pub iso: String,
    /// "March 6, 2018" ("6 mars 2018" in French).
    pub date: String,
    /// "3:04 PM" ("15:04" in French): the clock only, see `zone`.
    pub time: String,
    /// The zone's abbreviation at that moment, "EST" or "EDT" ("+0530" where the zone has
    /// none), shown after `time`. Added to the feeds later than the other fields: `time` kept
    /// its meaning so embeds that print it do not print the zone twice.
    #[serde(default)]
    pub zone: String,
    /// "2018-03-06", for grouping by day.
    pub day: String,
    /// Unix seconds.
    pub epoch: i64,
}

/// An instant as pages, feeds and JSON-LD write it: RFC 3339 in the site's time zone, with its
/// offset (`2018-03-06T21:04:05-05:00`).
pub fn iso(zoned: &jiff::Zoned) -> String {
    zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

impl TimeView {
    pub fn new(ts: &Ts, tz: &jiff::tz::TimeZone, lang: Language) -> TimeView {
        let micros = ts.micros() as i64;
        let at = jiff::Timestamp::from_microsecond(micros).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let zoned = at.to_zoned(tz.clone());
        let civil = zoned.datetime();
        TimeView {
            iso: iso(&zoned),
            date: lang.date(&civil, DateStyle::Long),
            time: lang.time(&civil, false),
            zone: zone_abbreviation(&zoned),
            day: zoned.strftime("%Y-%m-%d").to_string(),
            epoch: ts.seconds(),
        }
    }
}

/// "EST": the zone's abbreviation at that instant, from the time zone database.
pub fn zone_abbreviation(zoned: &jiff::Zoned) -> String {
    zoned.strftime("%Z").to_string()
}

/// Who wrote a message.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UserView {
    /// Slack's user id, or the bot id for bots without a user.
    pub id: String,
    pub name: String,
    /// Our copy of the author's picture (`files/avatars/…`, linked as custom emoji are, kept by
    /// `sync users`), or a picture hosted outside Slack (an integration's own icon), or null:
    /// never a URL of Slack's or Gravatar's, so a page asks Slack for nothing (issue 13).
    pub avatar: Option<String>,
    pub is_bot: bool,
}

/// One reaction on a message.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReactionView {
    /// Slack's short name, e.g. `+1` or `point_up::skin-tone-3`.
    pub name: String,
    /// The Unicode emoji, when it is a standard one.
    pub emoji: Option<String>,
    /// The image of a custom emoji, when the content tree has it.
    pub image: Option<String>,
    pub count: u64,
    /// Names of the people who reacted.
    pub users: Vec<String>,
}

/// A file attached to a message.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileView {
    pub id: String,
    pub name: String,
    pub title: String,
    pub mimetype: String,
    /// "PNG", "PDF", ...
    pub kind: String,
    pub size: u64,
    /// Where a reader can get it: the re-hosted copy (`scrollback files`), or the link of an
    /// external file (a Google Doc). Never Slack's own URLs: they ask every reader to sign in to
    /// the workspace (issue 13), so a file not re-hosted has no link.
    pub url: Option<String>,
    /// An image a reader can see: only re-hosted images (Slack's own need a sign-in).
    pub image: Option<String>,
    pub width: Option<u64>,
    pub height: Option<u64>,
    /// A smaller copy of a re-hosted image to show inline (Slack's `thumb_720` or `thumb_360`,
    /// kept beside it), linking to `url`; null when none was kept (show `image`).
    pub thumb: Option<ThumbView>,
    /// False when Slack no longer has the file (deleted, or hidden by the free plan's limit) and
    /// no copy was kept: shown as unavailable, not as a dead link.
    pub available: bool,
}

/// A thumbnail of a re-hosted image, with its own size.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ThumbView {
    pub url: String,
    pub width: u64,
    pub height: u64,
}

/// A re-hosted upload as the build found it in `content/files/<FILE_ID>/`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostedFile {
    /// The URL of the copy.
    pub url: String,
    pub is_image: bool,
    /// URLs of the thumbnails kept beside it, by edge (`thumb_360` → 360).
    pub thumbs: std::collections::BTreeMap<u32, String>,
}

/// Thumbnails pages show, best first: `thumb_720` looks sharp on screens with twice the pixels
/// at the default theme's size, `thumb_360` elsewhere.
const SHOWN_THUMBS: [u32; 2] = [720, 360];

/// A published message.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MessageView {
    pub ts: String,
    /// The element id and URL fragment of the message.
    pub anchor: String,
    pub time: TimeView,
    pub user: UserView,
    /// Safe HTML of the text, blocks and attachments.
    pub html: String,
    /// Plain text.
    pub text: String,
    /// Slack's subtype (`bot_message`, `me_message`, `thread_broadcast`, ...), or null.
    pub subtype: Option<String>,
    /// The ts of the last edit, or null.
    pub edited: Option<String>,
    /// A deleted message kept as a placeholder because its thread lives on.
    pub tombstone: bool,
    /// The parent's ts, for replies (and broadcasts) in a thread.
    pub thread_ts: Option<String>,
    pub reactions: Vec<ReactionView>,
    pub files: Vec<FileView>,
    /// Pinned by an editor: shown above the chat's other messages too. Absent when not (the
    /// feeds gained it within version 1).
    #[serde(skip_serializing_if = "is_false")]
    pub pinned: bool,
    /// Highlighted by an editor as a key message. Absent when not.
    #[serde(skip_serializing_if = "is_false")]
    pub highlighted: bool,
    /// When an editor's text replaced the author's (the latest such edit); absent while the
    /// author's own text is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected: Option<TimeView>,
    /// What editors did to the message, oldest first (its corrections history). Absent when
    /// nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub editorial: Vec<ActView>,
    /// The thread's own page (`thread-….html`, beside the chat's pages), on chat pages only,
    /// for a parent with published replies; absent elsewhere and in the feeds (the view's JSON
    /// is made before it is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_url: Option<String>,
    /// The chat page that shows the message in its place, when a page shows it away from there
    /// (pinned above another page's messages, or a broadcast reply's copy in its thread): its
    /// timestamp links there. On chat pages only, like `thread_url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
    /// Replies, oldest first (top-level messages only). Stays the last field: the build fills
    /// it into each message's JSON (`messages::nested_json`).
    pub thread: Vec<MessageView>,
}

/// One editor's act on a message, as templates and feeds see it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ActView {
    /// `hide`, `show`, `pin`, `unpin`, `highlight`, `unhighlight`, `edit` or `revert`.
    pub act: String,
    /// The editor, named as authors are.
    pub by: EditorView,
    pub at: TimeView,
    /// How: `shortcut`, `reaction`, `command`, `mention`.
    pub via: String,
}

/// An editor: Slack's user id and name.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EditorView {
    pub id: String,
    pub name: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What the build needs to turn records into views.
pub struct ViewContext<'a> {
    pub names: &'a Names,
    pub render: &'a RenderOptions,
    pub tz: &'a jiff::tz::TimeZone,
    /// Re-hosted files by Slack file id.
    pub hosted_files: &'a std::collections::HashMap<String, HostedFile>,
}

impl MessageView {
    /// When the message last changed: its last edit or correction, else its time (Unix
    /// seconds). What Atom's `updated` and the sitemaps' `lastmod` say.
    pub fn updated(&self) -> i64 {
        let edited = self
            .edited
            .as_deref()
            .and_then(|t| Ts::parse(t).ok())
            .map(|t| t.seconds());
        let corrected = self.corrected.as_ref().map(|t| t.epoch);
        [Some(self.time.epoch), edited, corrected]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0)
    }

    /// The view of a record whose Slack message is `slack` (moved out of the record by the
    /// caller: the renderer takes a `Value`, and cloning every message would cost a tenth of a
    /// build); every name it looks up is noted in `lookup`.
    pub fn new(
        record: &MessageRecord,
        slack: &Value,
        cx: &ViewContext<'_>,
        lookup: &TrackingLookup<'_>,
    ) -> MessageView {
        let rendered = match &record.override_text {
            Some(text) => render::render_mrkdwn(text, lookup, cx.render),
            None => render::render_message(slack, lookup, cx.render),
        };
        let subtype = slack.get("subtype").and_then(Value::as_str);
        let tombstone = record.deleted || subtype == Some("tombstone");
        MessageView {
            ts: record.ts.to_string(),
            anchor: record.ts.anchor(),
            time: TimeView::new(&record.ts, cx.tz, cx.render.language),
            user: author(slack, cx.names, lookup),
            html: if tombstone {
                String::new()
            } else {
                rendered.html
            },
            text: if tombstone {
                String::new()
            } else {
                rendered.text
            },
            subtype: subtype.map(str::to_owned),
            edited: slack
                .get("edited")
                .and_then(|e| e.get("ts"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            tombstone,
            thread_ts: slack
                .get("thread_ts")
                .and_then(Value::as_str)
                .and_then(|t| Ts::parse(t).ok())
                .filter(|t| *t != record.ts)
                .map(|t| t.to_string()),
            reactions: if tombstone {
                Vec::new()
            } else {
                reactions(slack, cx.names, lookup)
            },
            files: if tombstone {
                Vec::new()
            } else {
                files(slack, cx, lookup)
            },
            pinned: record.pinned && !tombstone,
            highlighted: record.highlighted && !tombstone,
            corrected: (record.override_text.is_some() && !tombstone)
                .then(|| correction_time(record))
                .map(|ts| TimeView::new(&ts, cx.tz, cx.render.language)),
            editorial: record
                .editorial
                .iter()
                .map(|e| ActView {
                    act: e.act.name().to_owned(),
                    by: EditorView {
                        id: e.by.clone(),
                        name: person(&e.by, cx.names, lookup),
                    },
                    at: TimeView::new(&e.at, cx.tz, cx.render.language),
                    via: e.via.clone(),
                })
                .collect(),
            thread_url: None,
            page_url: None,
            thread: Vec::new(),
        }
    }
}

/// When the published editor's text was set: its latest `edit` in the log, else (a hand edit of
/// the file) the message's last change, else its own time.
fn correction_time(record: &MessageRecord) -> Ts {
    record
        .editorial
        .iter()
        .rev()
        .find(|e| matches!(e.act, crate::content::Act::Edit { .. }))
        .map(|e| e.at.clone())
        .or_else(|| record.changed_ts.clone())
        .unwrap_or_else(|| record.ts.clone())
}

/// A person's name from the content tree's user files, or their id.
fn person(id: &str, names: &Names, lookup: &TrackingLookup<'_>) -> String {
    lookup.note_user(id);
    names
        .people
        .get(id)
        .map_or_else(|| id.to_owned(), |p| p.name.clone())
}

/// A deleted thread parent: Slack replaces it with a `tombstone` so its replies stay.
pub fn is_tombstone(record: &MessageRecord) -> bool {
    record.deleted || record.subtype() == Some("tombstone")
}

/// An http(s) URL from a message, normalized by the renderer's check; anything else is dropped.
fn web_url(url: &str) -> Option<String> {
    safe_url(url)
        .filter(|u| !u.starts_with("mailto:"))
        .map(|u| u.into_owned())
}

fn str_at(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Who wrote a message, named from the best source there is (issue 13, item 4): the content
/// tree's user file (`content/users/`, from an import, `sync users` or `serve`'s look-ups; for a
/// bot, the file keyed by its bot id), then what the message carries (`user_profile`,
/// `bot_profile`, `username`), and only then the id. A bot's per-message `username` wins, as in
/// Slack. A 2016 `file_comment` has no `user`: its author is the comment's.
fn author(slack: &Value, names: &Names, lookup: &TrackingLookup<'_>) -> UserView {
    let is_file_comment = slack.get("subtype").and_then(Value::as_str) == Some("file_comment");
    let user_id = str_at(slack.get("user")).or_else(|| {
        is_file_comment
            .then(|| str_at(slack.get("comment").and_then(|c| c.get("user"))))
            .flatten()
    });
    let bot_id = str_at(slack.get("bot_id"));
    // Misses count: a file that appears later (a look-up by `serve`) must re-render the message.
    for id in user_id.iter().chain(bot_id.iter()) {
        lookup.note_user(id);
    }
    let known = user_id.and_then(|id| names.people.get(id));
    let known_bot = bot_id.and_then(|id| names.people.get(id));
    let profile = slack.get("user_profile");
    let bot_profile = slack.get("bot_profile");
    let username = str_at(slack.get("username")).map(str::to_owned);
    let name = username
        .clone()
        .filter(|_| bot_id.is_some())
        .or_else(|| known.map(|p| p.name.clone()))
        .or_else(|| known_bot.map(|p| p.name.clone()))
        .or_else(|| {
            str_at(profile.and_then(|p| p.get("display_name")))
                .or_else(|| str_at(profile.and_then(|p| p.get("real_name"))))
                .map(str::to_owned)
        })
        .or_else(|| str_at(bot_profile.and_then(|b| b.get("name"))).map(str::to_owned))
        .or(username)
        .or_else(|| user_id.or(bot_id).map(str::to_owned))
        .unwrap_or_else(|| "Unknown".to_owned());
    let icons = slack
        .get("icons")
        .or_else(|| bot_profile.and_then(|b| b.get("icons")));
    // Slack's pictures only through our copies; others (a webhook's own icon) as they are.
    let elsewhere = |u: &str| web_url(u).filter(|u| !avatar::is_slack_hosted(u));
    let kept = |p: &Person| names.kept_avatar(p).map(str::to_owned);
    let avatar = ["image_72", "image_48", "image_64", "image_36"]
        .iter()
        .find_map(|k| str_at(icons.and_then(|i| i.get(*k))))
        .and_then(elsewhere)
        .or_else(|| known.and_then(kept))
        .or_else(|| known_bot.and_then(kept))
        .or_else(|| known.and_then(|p| p.avatar.as_deref()).and_then(elsewhere))
        .or_else(|| {
            known_bot
                .and_then(|p| p.avatar.as_deref())
                .and_then(elsewhere)
        })
        .or_else(|| str_at(profile.and_then(|p| p.get("image_72"))).and_then(elsewhere));
    UserView {
        id: user_id.or(bot_id).unwrap_or("").to_owned(),
        name,
        avatar,
        is_bot: bot_id.is_some() || known.is_some_and(|p| p.is_bot),
    }
}

fn reactions(slack: &Value, names: &Names, lookup: &TrackingLookup<'_>) -> Vec<ReactionView> {
    let Some(list) = slack.get("reactions").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|r| {
            let name = r.get("name")?.as_str()?.to_owned();
            let users: Vec<String> = r
                .get("users")
                .and_then(Value::as_array)
                .map(|u| {
                    u.iter()
                        .filter_map(Value::as_str)
                        .map(|id| {
                            lookup.note_user(id);
                            names
                                .people
                                .get(id)
                                .map_or(id, |p| p.name.as_str())
                                .to_owned()
                        })
                        .collect()
                })
                .unwrap_or_default();
            let count = r
                .get("count")
                .and_then(Value::as_u64)
                .unwrap_or(users.len() as u64);
            let base = name.split("::").next().unwrap_or(&name);
            lookup.note_emoji(base);
            Some(ReactionView {
                emoji: render::emoji::lookup(&name).map(str::to_owned),
                image: names.emoji.get(base).cloned(),
                name,
                count,
                users,
            })
        })
        .filter(|r| r.count > 0)
        .collect()
}

fn files(slack: &Value, cx: &ViewContext<'_>, lookup: &TrackingLookup<'_>) -> Vec<FileView> {
    crate::content::message::attached_files(slack)
        .into_iter()
        .map(|f| {
            let s = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let id = s("id");
            lookup.note_file(&id);
            let hosted = cx.hosted_files.get(&id).cloned();
            // Deleted or hidden-by-limit files carry only an id and a mode.
            let gone = matches!(
                f.get("mode").and_then(Value::as_str),
                Some("tombstone" | "hidden_by_limit")
            ) || f.get("file_access").and_then(Value::as_str) == Some("file_not_found");
            let external = f
                .get("is_external")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            // Our own copies are trusted paths; anything from Slack is checked.
            let url = match &hosted {
                Some(h) => Some(h.url.clone()),
                None if external => f
                    .get("external_url")
                    .and_then(Value::as_str)
                    .and_then(web_url)
                    .filter(|u| !render::is_slack_file_page(u)),
                None => None,
            };
            let image = hosted
                .as_ref()
                .filter(|h| h.is_image)
                .map(|h| h.url.clone());
            // A thumbnail with its own size, from the file object (`thumb_360_w`, `_h`).
            let thumb = hosted.as_ref().filter(|h| h.is_image).and_then(|h| {
                SHOWN_THUMBS.iter().find_map(|edge| {
                    let size = |axis: &str| {
                        f.get(format!("thumb_{edge}_{axis}"))
                            .and_then(Value::as_u64)
                    };
                    Some(ThumbView {
                        url: h.thumbs.get(edge)?.clone(),
                        width: size("w")?,
                        height: size("h")?,
                    })
                })
            });
            let name = s("name");
            let title = Some(s("title"))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| name.clone());
            FileView {
                id,
                title,
                name,
                mimetype: s("mimetype"),
                kind: Some(s("pretty_type"))
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| s("filetype").to_uppercase()),
                size: f.get("size").and_then(Value::as_u64).unwrap_or(0),
                url,
                image,
                width: f.get("original_w").and_then(Value::as_u64),
                height: f.get("original_h").and_then(Value::as_u64),
                thumb,
                available: hosted.is_some() || !gone,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ts: &str, lang: Language) -> TimeView {
        let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
        TimeView::new(&Ts::parse(ts).unwrap(), &tz, lang)
    }

    #[test]
    fn times_follow_the_language_and_the_zone_with_daylight_saving() {
        // 2018-03-07 02:04:05 UTC: 9:04 PM the day before in New York, standard time.
        let winter = at("1520388245.000100", Language::English);
        assert_eq!(
            (
                winter.date.as_str(),
                winter.time.as_str(),
                winter.zone.as_str()
            ),
            ("March 6, 2018", "9:04 PM", "EST")
        );
        assert_eq!(winter.iso, "2018-03-06T21:04:05-05:00");
        assert_eq!(winter.day, "2018-03-06");
        // 2018-07-14 19:30 UTC: 3:30 PM in New York, daylight time.
        let summer = at("1531596600.000000", Language::French);
        assert_eq!(
            (
                summer.date.as_str(),
                summer.time.as_str(),
                summer.zone.as_str()
            ),
            ("14 juillet 2018", "15:30", "EDT")
        );
        assert_eq!(summer.iso, "2018-07-14T15:30:00-04:00");
    }

    #[test]
    fn feeds_written_before_the_zone_field_still_read() {
        let old = r#"{"iso":"2018-03-06T21:04:05-05:00","date":"March 6, 2018","time":"9:04 PM","day":"2018-03-06","epoch":1520388245}"#;
        let view: TimeView = serde_json::from_str(old).unwrap();
        assert_eq!(view.zone, "");
    }
}
