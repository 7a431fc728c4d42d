//! `live.json` and `live.jsonp`: what a live chat's page polls, small however long the chat grows.
//!
//! `feed.json` holds the whole chat (megabytes for a long one); a page polling it every few
//! seconds would download it again and again. The live feed holds only what changed recently:
//! the top-level messages most recently active (posted, edited, reacted to, replied to, or with a
//! reply removed), each with its whole thread, and the ts of recently unpublished top-level
//! messages (deleted, comment-tagged, hidden). It stops at [`LIVE_BUDGET`] bytes or the configured
//! number of messages, and says how far back it reaches (`since`), so a page that was away longer
//! knows it may have missed something.
//!
//! "Recently" is read from the content tree alone (a message's ts, its `edited.ts`, the
//! `changed_ts` events record, also for a new message received late: `events::apply`), so the live feed, like every output, is a function of the inputs:
//! an incremental build and a full build give the same bytes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::feeds::FEED_VERSION;
use super::pages::ChatSummary;
use crate::build::chat::messages::{self, Item, Top, Unshown};
use crate::config::LiveFeedConfig;
use crate::content::Ts;

/// The live feed's messages stop once they reach this many bytes (at least one is always in).
pub const LIVE_BUDGET: usize = 48 * 1024;
/// At most this many removed ts are listed.
const MAX_REMOVED: usize = 500;

/// A message the live feed may take, most recently active first.
enum Candidate {
    /// A top-level message the pages show (its index among the chat's tops).
    Shown(usize),
    /// A top-level message they no longer show.
    Removed(Ts),
}

/// The messages the live feed may take, in the order it takes them: made from what the chat
/// index keeps (ts, parents, activity), so a cold build knows which threads to read before it
/// assembles the feed (issue 15).
pub struct Candidates {
    /// (activity, candidate), most recent first; ties by ts, newest first, so the order never
    /// depends on anything else. Only as many as the feed can take: sorting a long chat's every
    /// top-level message on each build was a large share of a live rebuild (issue 15).
    list: Vec<(u64, Candidate)>,
    /// The most recent activity among the candidates left out, if any.
    rest: Option<u64>,
}

impl Candidates {
    pub fn new(tops: &[Top], unshown: &[Unshown], limits: &LiveFeedConfig) -> Candidates {
        // `live_json` stops at the message after its last or the removed ts after its last:
        // within this many candidates, whatever they are.
        let needed = limits
            .messages
            .saturating_add(MAX_REMOVED)
            .saturating_add(2);
        // The `needed` most recent, kept in a heap whose root is the least recent of them: a
        // long chat's other top-level messages cost one comparison each, newest first, where
        // collecting and selecting among all of them was a share of a live rebuild (issue 15).
        // Keys: activity, ts, then shown before removed and the index, so no two are equal.
        type Key = (u64, u64, bool, usize);
        let mut heap: BinaryHeap<Reverse<Key>> = BinaryHeap::with_capacity(needed.min(4096) + 1);
        let mut rest: Option<u64> = None;
        let mut offer = |key: Key| {
            if heap.len() < needed {
                heap.push(Reverse(key));
                return;
            }
            let left_out = match heap.peek_mut() {
                Some(mut least) if key > least.0 => std::mem::replace(&mut least.0, key).0,
                _ => key.0,
            };
            rest = rest.max(Some(left_out));
        };
        for (index, top) in tops.iter().enumerate().rev() {
            offer((top.activity, top.ts.micros(), true, index));
        }
        for (index, u) in unshown.iter().enumerate() {
            offer((u.activity, u.ts.micros(), false, index));
        }
        let mut keyed = heap.into_vec();
        // Most recent first.
        keyed.sort_unstable();
        Candidates {
            list: keyed
                .into_iter()
                .map(|Reverse((activity, _, shown, index))| {
                    let candidate = if shown {
                        Candidate::Shown(index)
                    } else {
                        Candidate::Removed(unshown[index].ts.clone())
                    };
                    (activity, candidate)
                })
                .collect(),
            rest,
        }
    }

    /// The tops (by index) whose threads the feed may show: the first `limits.messages + 1`
    /// shown candidates (one more than it keeps: the one that tells it is full).
    pub fn may_show(&self, limits: &LiveFeedConfig) -> impl Iterator<Item = usize> + '_ {
        self.list
            .iter()
            .filter_map(|(_, c)| match c {
                Candidate::Shown(index) => Some(*index),
                Candidate::Removed(_) => None,
            })
            .take(limits.messages.saturating_add(1))
    }
}

/// The JSON of a live chat's live feed.
pub fn live_json(
    chat: &ChatSummary,
    candidates: &Candidates,
    tops: &[Top],
    items: &BTreeMap<Ts, Item>,
    limits: &LiveFeedConfig,
) -> Vec<u8> {
    let candidates_rest = candidates.rest;
    let candidates = &candidates.list;
    let mut messages: Vec<(&Ts, String)> = Vec::new();
    let mut removed: Vec<&Ts> = Vec::new();
    let mut bytes = 0usize;
    let mut since: Option<u64> = None;
    for (activity, candidate) in candidates {
        match candidate {
            Candidate::Shown(index) => {
                let top = &tops[*index];
                let mut json = String::new();
                messages::nested_json(top, items, &mut json);
                if json.is_empty() {
                    continue;
                }
                let full = messages.len() >= limits.messages
                    || (!messages.is_empty() && bytes + json.len() > LIVE_BUDGET);
                if full {
                    since = Some(*activity);
                    break;
                }
                bytes += json.len() + 1;
                messages.push((&top.ts, json));
            }
            Candidate::Removed(ts) => {
                if removed.len() >= MAX_REMOVED {
                    since = Some(*activity);
                    break;
                }
                removed.push(ts);
            }
        }
    }
    // Ran out of the candidates kept (only when some shown message had no view): the feed
    // reaches no further back than the first left out.
    if since.is_none() && messages.len() < limits.messages {
        since = candidates_rest;
    }
    let updated = candidates.first().map(|c| c.0);
    messages.sort_by(|a, b| a.0.cmp(b.0));
    removed.sort();

    let mut out = String::with_capacity(bytes + 1024);
    out.push_str(&format!(
        "{{\"version\":{FEED_VERSION},\"generator\":\"scrollback\",\"channel\":"
    ));
    out.push_str(&serde_json::to_string(chat).unwrap_or_default());
    out.push_str(&format!(
        ",\"updated\":{},\"since\":{},\"messages\":[",
        json_number(updated),
        json_number(since)
    ));
    for (i, (_, json)) in messages.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(json);
    }
    out.push_str("],\"removed\":[");
    for (i, ts) in removed.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(ts.as_str()).unwrap_or_default());
    }
    out.push_str("]}\n");
    out.into_bytes()
}

fn json_number(n: Option<u64>) -> String {
    n.map_or_else(|| "null".to_owned(), |n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::chat::messages::Visibility;
    use crate::build::chat::names::Names;
    use crate::build::chat::view::{MessageView, ViewContext};
    use crate::build::incremental::deps::TrackingLookup;
    use crate::build::outputs::pages::ChatHeader;
    use crate::content::MessageRecord;
    use crate::file_stamp::Stamp;
    use crate::render::RenderOptions;

    fn item(ts: &str, activity: u64, visibility: Visibility, parent: Option<&str>) -> Item {
        let names = Names::default();
        let render = RenderOptions {
            timezone: jiff::tz::TimeZone::UTC,
            language: crate::locale::Language::English,
        };
        let hosted = std::collections::HashMap::new();
        let cx = ViewContext {
            names: &names,
            render: &render,
            tz: &jiff::tz::TimeZone::UTC,
            hosted_files: &hosted,
        };
        let raw = serde_json::json!({"ts": ts, "text": format!("message {ts}")});
        let record = MessageRecord::new(Ts::parse(ts).unwrap(), raw.as_object().unwrap().clone());
        let view = (visibility != Visibility::Unpublished).then(|| {
            let slack = serde_json::Value::Object(record.slack.clone());
            let v = MessageView::new(&record, &slack, &cx, &TrackingLookup::new(&names));
            let json = serde_json::to_string(&v).unwrap();
            (v, json)
        });
        Item {
            ts: Ts::parse(ts).unwrap(),
            stamp: Stamp {
                len: 0,
                mtime: 0,
                inode: 0,
            },
            visibility,
            parent: parent.map(|p| Ts::parse(p).unwrap()),
            broadcast: false,
            holds_place: visibility != Visibility::Unpublished,
            activity,
            json_hash: view
                .as_ref()
                .map(|(_, j)| crate::build::incremental::signature::hash(j.as_bytes())),
            view: view.map(Box::new),
            pinned: false,
            updated: None,
            deps: None,
            from_index: false,
        }
    }

    fn summary() -> ChatSummary {
        ChatSummary {
            header: ChatHeader {
                id: "C1".into(),
                slug: "s".into(),
                headline: "h".into(),
                description: String::new(),
                description_html: String::new(),
                intro_html: String::new(),
                closing_note_html: String::new(),
                state: "live".into(),
                kind: "public".into(),
                url: "s/".into(),
                image: None,
                first: None,
                coverage_end: None,
            },
            message_count: 0,
            last: None,
            last_ts: None,
            pages: 1,
        }
    }

    /// The live feed of `items`, and the ts of its messages in order.
    fn feed(
        candidates: &Candidates,
        structure: &messages::Structure,
        items: &BTreeMap<Ts, Item>,
        limits: &LiveFeedConfig,
    ) -> (serde_json::Value, Vec<String>) {
        let json: serde_json::Value = serde_json::from_slice(&live_json(
            &summary(),
            candidates,
            &structure.tops,
            items,
            limits,
        ))
        .unwrap();
        let ts = json["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["ts"].as_str().unwrap().to_owned())
            .collect();
        (json, ts)
    }

    #[test]
    fn the_most_recently_active_within_the_limits() {
        let mut items = BTreeMap::new();
        for (ts, activity, vis, parent) in [
            ("1.000000", 1_000_000, Visibility::Published, None),
            ("2.000000", 2_000_000, Visibility::Published, None),
            // An old message with a new reply.
            ("3.000000", 3_000_000, Visibility::Published, None),
            (
                "9.000000",
                9_000_000,
                Visibility::Published,
                Some("3.000000"),
            ),
            // Deleted recently.
            ("4.000000", 8_000_000, Visibility::Unpublished, None),
            ("5.000000", 5_000_000, Visibility::Published, None),
        ] {
            let i = item(ts, activity, vis, parent);
            items.insert(i.ts.clone(), i);
        }
        let structure = messages::structure(&items);
        let limits = LiveFeedConfig {
            messages: 2,
            ..LiveFeedConfig::default()
        };
        let candidates = Candidates::new(&structure.tops, &structure.unshown, &limits);
        let (json, ts) = feed(&candidates, &structure, &items, &limits);
        assert_eq!(ts, ["3.000000", "5.000000"]);
        assert_eq!(json["messages"][0]["thread"][0]["ts"], "9.000000");
        assert_eq!(json["updated"], 9_000_000);
        assert_eq!(json["removed"], serde_json::json!(["4.000000"]));
        // 3 (reply at 9) and 5 were taken; 2 did not fit: the feed reaches back to it.
        assert_eq!(json["since"], 2_000_000);

        // What a cold build reads before assembling it: those two, and the one that told it
        // was full (the removed 4 needs no view).
        let may_show: Vec<&str> = candidates
            .may_show(&limits)
            .map(|i| structure.tops[i].ts.as_str())
            .collect();
        assert_eq!(may_show, ["3.000000", "5.000000", "2.000000"]);
    }

    #[test]
    fn a_long_chat_keeps_only_the_candidates_the_feed_can_take() {
        // Ten published messages, and 600 removed more recently than the five oldest of them.
        let mut items = BTreeMap::new();
        for i in 1..=10u64 {
            let i = item(
                &format!("{i}.000000"),
                i * 1000,
                Visibility::Published,
                None,
            );
            items.insert(i.ts.clone(), i);
        }
        for k in 0..600u64 {
            let i = item(
                &format!("{}.000000", 100 + k),
                5000 + k,
                Visibility::Unpublished,
                None,
            );
            items.insert(i.ts.clone(), i);
        }
        let structure = messages::structure(&items);
        let limits = LiveFeedConfig {
            messages: 10,
            ..LiveFeedConfig::default()
        };
        let candidates = Candidates::new(&structure.tops, &structure.unshown, &limits);
        assert!(candidates.list.len() < 610, "every candidate was kept");
        let (json, ts) = feed(&candidates, &structure, &items, &limits);
        // The five newer ones, then 500 removed (the newest), and the 501st says how far back.
        assert_eq!(
            ts,
            ["6.000000", "7.000000", "8.000000", "9.000000", "10.000000"]
        );
        let removed = json["removed"].as_array().unwrap();
        assert_eq!(removed.len(), MAX_REMOVED);
        assert_eq!(removed[0], "200.000000");
        assert_eq!(removed[MAX_REMOVED - 1], "699.000000");
        assert_eq!(json["since"], 5099);
    }

    #[test]
    fn the_candidates_are_the_most_recent_of_a_whole_sort() {
        let mut seed = 0x9e37_79b9_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..40 {
            let limits = LiveFeedConfig {
                messages: 1 + round % 40,
                ..LiveFeedConfig::default()
            };
            // Activity at the ts mostly, some edited or replied to later, some tied.
            let tops: Vec<Top> = (0..round * 60)
                .map(|i| {
                    let mut top = Top::at(Ts::from_micros(1_000_000 * (i as u64 + 1)), i);
                    top.activity = match next() % 8 {
                        0 => top.ts.micros() + next() % 500_000_000,
                        1 => 7_000_000,
                        _ => top.ts.micros(),
                    };
                    top
                })
                .collect();
            let unshown: Vec<Unshown> = (0..round * 9)
                .map(|i| Unshown {
                    ts: Ts::from_micros(1_000_000 * (i as u64 + 1) + 1),
                    activity: next() % 40_000_000_000,
                })
                .collect();
            let mut all: Vec<(u64, u64, bool, usize)> = tops
                .iter()
                .enumerate()
                .map(|(i, t)| (t.activity, t.ts.micros(), true, i))
                .chain(
                    unshown
                        .iter()
                        .enumerate()
                        .map(|(i, u)| (u.activity, u.ts.micros(), false, i)),
                )
                .collect();
            all.sort_unstable_by(|a, b| b.cmp(a));
            let needed = limits.messages + MAX_REMOVED + 2;
            let c = Candidates::new(&tops, &unshown, &limits);
            let got: Vec<(u64, String)> = c
                .list
                .iter()
                .map(|(a, c)| match c {
                    Candidate::Shown(i) => (*a, format!("shown {i}")),
                    Candidate::Removed(ts) => (*a, format!("removed {ts}")),
                })
                .collect();
            let want: Vec<(u64, String)> = all
                .iter()
                .take(needed)
                .map(|&(a, _, shown, i)| {
                    if shown {
                        (a, format!("shown {i}"))
                    } else {
                        (a, format!("removed {}", unshown[i].ts))
                    }
                })
                .collect();
            assert_eq!(got, want, "round {round}");
            assert_eq!(
                c.rest,
                all.iter().skip(needed).map(|k| k.0).max(),
                "round {round}"
            );
        }
    }
}
