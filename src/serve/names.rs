//! Names for the ids `serve` has no user file for (issue 13, item 4).
//!
//! Slack's events rarely carry a profile, so a live chat would show its authors as `U0EDITOR`.
//! With a token, the publisher hands each id it has not seen before to [`NameLookups::want`];
//! a thread of its own asks Slack (`users.info`, `bots.info`) one id at a time, and the answers
//! come back through [`NameLookups::take_found`] for the publisher to write into
//! `content/users/` (bots too, keyed by their bot id, in a user-like record) and republish.
//!
//! The publisher never waits for Slack: `want` only queues, `take_found` only drains. Slack
//! being down, slow or rate limiting (the client waits out 429s on the look-up thread) delays
//! names, never events. At start, the ids the live chats' messages already name without a file
//! are asked for too ([`super::names_in_content`]), through the same queue. Each id is asked
//! once; a failed one is asked again only when an event brings it back after a growing pause (a
//! minute, doubling, at most a day). Without a token there is no thread and no look-up at all.

use std::collections::HashMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::content::user::is_valid_user_id;
use crate::events::Event;
use crate::project::Project;
use crate::slack::{SlackClient, SlackError};

/// What kind of id: they are looked up with different methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Bot,
}

/// What is known of one id this run.
#[derive(Debug)]
enum Asked {
    /// It has a file, or its record was found.
    Settled,
    /// Asked, no answer yet: not asked again meanwhile.
    Pending { failures: u32 },
    /// Slack could not say: not asked again before `retry_at`.
    Failed { failures: u32, retry_at: Instant },
}

/// One look-up's answer: a user-like record to write, or why not.
type Answer = (String, Result<Map<String, Value>, SlackError>);

/// The publisher's side of the look-ups.
pub struct NameLookups {
    requests: mpsc::Sender<(String, Kind)>,
    answers: mpsc::Receiver<Answer>,
    /// Records made from what a message carried (a bot's `bot_profile`): no call needed.
    carried: Vec<Map<String, Value>>,
    asked: HashMap<String, Asked>,
    /// Error codes already reported this run (one warning each, not one per id).
    reported: std::collections::HashSet<String>,
    /// The ids the content tree names without a file, found once at start.
    scanned: Option<mpsc::Receiver<Vec<Named>>>,
}

impl NameLookups {
    /// Starts the look-up thread with `serve`'s client for background work; `None` without
    /// one (serve's start says once what that costs).
    pub fn start(project: &Project, client: Option<SlackClient>) -> Option<NameLookups> {
        let client = match client?.for_own_runtime() {
            Ok(client) => client,
            Err(e) => {
                tracing::warn!("unknown authors are not looked up: {e:#}");
                return None;
            }
        };
        let (requests, wanted) = mpsc::channel();
        let (answered, answers) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("names".into())
            .spawn(move || look_up(client, wanted, answered));
        if let Err(e) = spawned {
            tracing::warn!("cannot start the name look-ups: {e}");
            return None;
        }
        Some(NameLookups {
            requests,
            answers,
            carried: Vec::new(),
            asked: HashMap::new(),
            reported: Default::default(),
            scanned: super::names_in_content::scan(project),
        })
    }

    /// Notes the ids an applied event brings (authors, bots, reactors, mentions) and queues a
    /// look-up of each one that has no file (`has_file`) and was not asked for already.
    pub fn want_from(&mut self, event: &Event, has_file: impl FnMut(&str) -> bool) {
        self.want(ids_in(event), has_file);
    }

    /// Queues the ids the start-up scan found, once it is done (`has_file` as for events).
    pub fn want_scanned(&mut self, has_file: impl FnMut(&str) -> bool) {
        let Some(scanned) = &self.scanned else {
            return;
        };
        match scanned.try_recv() {
            Ok(batch) => {
                self.scanned = None;
                self.want(batch, has_file);
            }
            Err(mpsc::TryRecvError::Disconnected) => self.scanned = None,
            Err(mpsc::TryRecvError::Empty) => {}
        }
    }

    fn want(&mut self, named: Vec<Named>, mut has_file: impl FnMut(&str) -> bool) {
        for (id, kind, carried) in named {
            let failures = match self.asked.get(&id) {
                None => 0,
                Some(Asked::Failed { failures, retry_at }) if Instant::now() >= *retry_at => {
                    *failures
                }
                Some(_) => continue,
            };
            if !is_valid_user_id(&id) {
                continue;
            }
            if has_file(&id) {
                self.asked.insert(id, Asked::Settled);
            } else if let Some(record) = carried {
                self.asked.insert(id, Asked::Settled);
                self.carried.push(record);
            } else if self.requests.send((id.clone(), kind)).is_ok() {
                self.asked.insert(id, Asked::Pending { failures });
            } else {
                // The thread is gone (it cannot start its runtime): nothing more is asked.
                self.fail(&id, failures, None);
            }
        }
    }

    /// The records found since the last call, to write into `content/users/`.
    pub fn take_found(&mut self) -> Vec<Map<String, Value>> {
        let mut found = std::mem::take(&mut self.carried);
        while let Ok((id, answer)) = self.answers.try_recv() {
            match answer {
                Ok(record) => {
                    self.asked.insert(id, Asked::Settled);
                    found.push(record);
                }
                Err(e) => {
                    let failures = match self.asked.get(&id) {
                        Some(Asked::Pending { failures } | Asked::Failed { failures, .. }) => {
                            *failures
                        }
                        _ => 0,
                    };
                    self.fail(&id, failures, Some(e));
                }
            }
        }
        found
    }

    /// A record that could not be written: asked again when an event brings the id back.
    pub fn not_written(&mut self, id: &str) {
        self.fail(id, 0, None);
    }

    fn fail(&mut self, id: &str, failures: u32, error: Option<SlackError>) {
        let failures = failures + 1;
        let pause = Duration::from_secs(60)
            .saturating_mul(1 << failures.min(11).saturating_sub(1))
            .min(Duration::from_secs(24 * 3600));
        if let Some(e) = error {
            let code = e.code().unwrap_or("unreachable").to_owned();
            if self.reported.insert(code) {
                tracing::warn!(
                    "cannot look up the name of {id} (asked again when it shows up after {}): {e}",
                    crate::human::seconds(pause.as_secs_f64())
                );
            } else {
                tracing::debug!("cannot look up the name of {id}: {e}");
            }
        }
        self.asked.insert(
            id.to_owned(),
            Asked::Failed {
                failures,
                retry_at: Instant::now() + pause,
            },
        );
    }
}

/// The look-up thread: one call at a time, until the publisher drops its side.
fn look_up(
    client: SlackClient,
    wanted: mpsc::Receiver<(String, Kind)>,
    answered: mpsc::Sender<Answer>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("cannot start the name look-ups: {e}");
            return;
        }
    };
    while let Ok((id, kind)) = wanted.recv() {
        let (method, param, key) = match kind {
            Kind::User => ("users.info", "user", "user"),
            Kind::Bot => ("bots.info", "bot", "bot"),
        };
        let answer = runtime
            .block_on(client.call(method, &[(param, id.clone())]))
            .and_then(|mut answer| {
                let record = match (kind, answer.remove(key)) {
                    (Kind::User, Some(Value::Object(user))) => user,
                    (Kind::Bot, Some(Value::Object(bot))) => bot_record(&bot),
                    _ => Map::new(),
                };
                // An answer about another id is not written (it would name another file).
                if record.get("id").and_then(Value::as_str) == Some(id.as_str()) {
                    Ok(record)
                } else {
                    Err(SlackError::Api {
                        method: method.to_owned(),
                        code: "unexpected_answer".to_owned(),
                        needed: None,
                    })
                }
            });
        if answered.send((id, answer)).is_err() {
            break;
        }
    }
}

/// A bot (as `bots.info` answers, or a message's `bot_profile`) as a user-like record for
/// `content/users/<BOT_ID>.json`: the name and icons where the build looks for a user's, the
/// bot object itself kept under `bot`.
pub fn bot_record(bot: &Map<String, Value>) -> Map<String, Value> {
    let name = bot.get("name").cloned().unwrap_or(Value::Null);
    let mut profile = json!({"real_name": name});
    if let (Some(icons), Some(p)) = (
        bot.get("icons").and_then(Value::as_object),
        profile.as_object_mut(),
    ) {
        for (k, v) in icons {
            if k.starts_with("image_") {
                p.insert(k.clone(), v.clone());
            }
        }
    }
    let record = json!({
        "id": bot.get("id"),
        "name": name,
        "real_name": name,
        "is_bot": true,
        "deleted": bot.get("deleted").cloned().unwrap_or(Value::Bool(false)),
        "profile": profile,
        "bot": bot,
    });
    record.as_object().cloned().unwrap_or_default()
}

/// The conversation an event is about, for events that can name someone.
pub fn channel_of(event: &Event) -> Option<&str> {
    match event {
        Event::Message { channel, .. }
        | Event::Changed { channel, .. }
        | Event::Reaction { channel, .. } => Some(channel),
        _ => None,
    }
}

/// An id an event names, its kind and, for a bot whose message carries its `bot_profile`, the
/// record made from that.
pub type Named = (String, Kind, Option<Map<String, Value>>);

/// The ids an event names.
pub fn ids_in(event: &Event) -> Vec<Named> {
    let mut out = Vec::new();
    let message = match event {
        Event::Message { message, .. } | Event::Changed { message, .. } => message,
        Event::Reaction { user, .. } => {
            out.push((user.clone(), Kind::User, None));
            return out;
        }
        _ => return out,
    };
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    for id in [
        s(message.get("user")),
        s(message.get("comment").and_then(|c| c.get("user"))),
    ]
    .into_iter()
    .flatten()
    {
        out.push((id, Kind::User, None));
    }
    if let Some(bot) = s(message.get("bot_id")) {
        let carried = message
            .get("bot_profile")
            .and_then(Value::as_object)
            .filter(|p| p.get("id").and_then(Value::as_str) == Some(bot.as_str()))
            .map(bot_record);
        out.push((bot, Kind::Bot, carried));
    }
    for reaction in message
        .get("reactions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for user in reaction
            .get("users")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = user.as_str() {
                out.push((id.to_owned(), Kind::User, None));
            }
        }
    }
    // Mentions: `<@U123>` or `<@U123|name>` in the text.
    let text = message.get("text").and_then(Value::as_str).unwrap_or("");
    for part in text.split("<@").skip(1) {
        let id: String = part
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            .collect();
        if matches!(part[id.len()..].chars().next(), Some('>' | '|')) {
            out.push((id, Kind::User, None));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(m: Value) -> Event {
        Event::Message {
            channel: "C1".into(),
            message: m.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn ids_come_from_authors_bots_reactions_and_mentions() {
        let event = message(json!({
            "user": "U1", "bot_id": "B1", "text": "hi <@U2> and <@U3|c>, not <@lower> or <@U4",
            "bot_profile": {"id": "B1", "name": "newsbot", "icons": {"image_72": "https://a/b.png"}},
            "reactions": [{"name": "tada", "users": ["U5"]}],
        }));
        let ids: Vec<(String, Kind)> = ids_in(&event)
            .into_iter()
            .map(|(id, kind, _)| (id, kind))
            .collect();
        let expected = [
            ("U1", Kind::User),
            ("B1", Kind::Bot),
            ("U5", Kind::User),
            ("U2", Kind::User),
            ("U3", Kind::User),
        ];
        assert_eq!(ids, expected.map(|(id, k)| (id.to_owned(), k)).to_vec());
        let (_, _, carried) = ids_in(&event).swap_remove(1);
        let record = carried.expect("made from bot_profile");
        assert_eq!(record["id"], "B1");
        assert_eq!(crate::content::user::display_name(&record), Some("newsbot"));
        assert_eq!(
            crate::content::user::avatar_url(&record),
            Some("https://a/b.png")
        );
    }

    #[test]
    fn a_file_comment_names_its_commenter() {
        let event = message(json!({"subtype": "file_comment", "comment": {"user": "U9"}}));
        assert_eq!(ids_in(&event)[0].0, "U9");
    }
}
