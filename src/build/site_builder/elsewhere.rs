//! Messages a chat page shows away from their place, and the page their place is on: pinned
//! messages (above every page's own) and a broadcast reply's copy in its parent's thread (the
//! reply's place is its top-level copy, which may be on a later page). Their timestamps link
//! to that page, since `#m…` alone points at nothing on this one.
//!
//! The page's signature covers these links ([`away`] is signed and rendered from), so a page
//! renders again when a place it links to moves to another page.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::build::chat::messages::{Item, Top};
use crate::build::chat::paging::Paging;
use crate::build::chat::view::MessageView;
use crate::build::incremental::signature::Signature;
use crate::build::outputs::urls::{Landing, chat_page_link};
use crate::content::Ts;

/// Messages shown away from their place on one page, each with the page of its place.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Away(Vec<(Ts, usize)>);

/// The index among `tops` (in ts order) of the top that shows message `ts` with its id: the
/// message itself when it is at the top level (a broadcast reply too), else its thread's parent.
fn home(tops: &[Top], ts: &Ts, parent: Option<&Ts>) -> Option<usize> {
    let find = |ts: &Ts| tops.binary_search_by(|t| t.ts.cmp(ts)).ok();
    find(ts).or_else(|| find(parent?))
}

/// Where each pinned message's place is, for [`away`]: computed once per chat.
pub(super) fn pinned_homes(
    tops: &[Top],
    pinned: &[Ts],
    items: &BTreeMap<Ts, Item>,
) -> Vec<(Ts, usize)> {
    pinned
        .iter()
        .filter_map(|ts| {
            let parent = items.get(ts).and_then(|i| i.parent.as_ref());
            Some((ts.clone(), home(tops, ts, parent)?))
        })
        .collect()
}

/// What the page showing `tops[shown]` shows away from its place: pinned messages whose place is
/// on no top it shows, and broadcast replies in its threads whose top-level copy it does not show.
pub(super) fn away(
    tops: &[Top],
    paging: &Paging,
    shown: Range<usize>,
    pinned_homes: &[(Ts, usize)],
) -> Away {
    let mut away: Vec<(Ts, usize)> = pinned_homes
        .iter()
        .filter(|(_, home)| !shown.contains(home))
        .map(|(ts, home)| (ts.clone(), paging.page_of(*home)))
        .collect();
    // A reply's top-level copy comes after its parent; one no newer than the page's last top is on
    // the page, so only newer replies need looking up (few: threads are mostly answered soon).
    if let Some(last) = shown.end.checked_sub(1).and_then(|i| tops.get(i)) {
        for top in &tops[shown.clone()] {
            for reply in top.replies.iter().filter(|r| **r > last.ts) {
                if let Some(index) = home(tops, reply, None) {
                    away.push((reply.clone(), paging.page_of(index)));
                }
            }
        }
    }
    away.sort_unstable();
    away.dedup();
    Away(away)
}

impl Away {
    /// Signs the links, for the page's signature.
    pub(super) fn sign(&self, sig: &mut Signature) {
        for (ts, page) in &self.0 {
            sig.push(ts.as_str());
            sig.push_u64(*page as u64);
        }
    }

    /// Points `view`'s timestamp, and those of the replies in its thread, at their place when it
    /// is on another page.
    pub(super) fn link(&self, view: &mut MessageView, landing: Landing) {
        if self.0.is_empty() {
            return;
        }
        let set = |v: &mut MessageView| {
            if let Some((_, page)) = self.0.iter().find(|(ts, _)| ts.as_str() == v.ts) {
                v.page_url = Some(chat_page_link(*page, landing));
            }
        };
        set(view);
        view.thread.iter_mut().for_each(set);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(n: usize) -> Ts {
        Ts::parse(&format!("{}.000100", 1_500_000_000 + n)).unwrap()
    }

    /// Five tops in pages of two; the second's thread holds the fifth, a broadcast reply, and a
    /// plain reply sent before the page's last top.
    fn chat() -> (Vec<Top>, Paging) {
        let tops: Vec<Top> = (0..5)
            .map(|place| Top {
                replies: if place == 1 {
                    vec![ts(15), ts(40)]
                } else {
                    vec![]
                },
                ..Top::at(ts(place * 10), place)
            })
            .collect();
        let paging = Paging::cut(&tops, 5, 2);
        (tops, paging)
    }

    #[test]
    fn a_page_links_what_it_shows_away_from_its_place_to_the_page_of_that_place() {
        let (tops, paging) = chat();
        let pinned = vec![(ts(0), 0)];
        // Page 1 holds the pin and the broadcast's parent: the broadcast is on page 3.
        assert_eq!(
            away(&tops, &paging, paging.range(1), &pinned),
            Away(vec![(ts(40), 3)])
        );
        // Pages 2 and 3 show the pin away from page 1; page 3 holds the broadcast itself.
        for n in [2, 3] {
            assert_eq!(
                away(&tops, &paging, paging.range(n), &pinned),
                Away(vec![(ts(0), 1)])
            );
        }
        // A live chat's latest two (pages 2 and 3's tops): the pin is away, the broadcast not.
        assert_eq!(away(&tops, &paging, 3..5, &pinned), Away(vec![(ts(0), 1)]));
    }

    #[test]
    fn a_reply_lives_with_its_parent_and_a_broadcast_at_the_top_level() {
        let (tops, _) = chat();
        assert_eq!(home(&tops, &ts(15), Some(&ts(10))), Some(1));
        assert_eq!(home(&tops, &ts(40), Some(&ts(10))), Some(4));
        assert_eq!(home(&tops, &ts(20), None), Some(2));
        // Neither it nor its parent shown: no place to link.
        assert_eq!(home(&tops, &ts(99), Some(&ts(98))), None);
    }
}
