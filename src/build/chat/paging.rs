//! Cutting a chat into pages (HTML pages and feed pages alike) by top-level places.
//!
//! A page holds a fixed number of *places* ([`Item::holds_place`](super::messages::Item)): the
//! chat's top-level messages, shown or not, so pages never move. A new message lands on the
//! newest page, and a deletion or an editor's hide empties its place on its own page instead of
//! pulling every later message back one (issue 15); a page may then show fewer messages than its
//! size. Only a comment tag added or removed by an edit, or a reply's parent arriving after the
//! reply, moves places.

use std::ops::Range;

use super::messages::Top;

/// The pages of one chat: which of its shown top-level messages each page holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    /// Page n (1-based) holds `tops[ranges[n - 1]]`.
    ranges: Vec<Range<usize>>,
}

impl Paging {
    /// Cuts `tops` (in ts order, with their places) into pages of `size` places out of
    /// `places`. An empty chat still has one (empty) page.
    pub fn cut(tops: &[Top], places: usize, size: usize) -> Paging {
        let size = size.max(1);
        let count = places.div_ceil(size).max(1);
        let mut start = first_place_at(tops, 0, 0);
        let ranges = (1..=count)
            .map(|k| {
                let end = first_place_at(tops, start, k.saturating_mul(size));
                let range = start..end;
                start = end;
                range
            })
            .collect();
        Paging { ranges }
    }

    /// How many pages there are (at least one).
    pub fn count(&self) -> usize {
        self.ranges.len()
    }

    /// The indexes into the chat's tops that page `n` (1-based) holds.
    pub fn range(&self, n: usize) -> Range<usize> {
        n.checked_sub(1)
            .and_then(|i| self.ranges.get(i))
            .cloned()
            .unwrap_or(0..0)
    }

    /// The page (1-based) that holds the top at `index`.
    pub fn page_of(&self, index: usize) -> usize {
        self.ranges.partition_point(|r| r.end <= index) + 1
    }
}

/// The index of the first top at or after `from` whose place is `bound` or more (places never
/// decrease along `tops`). Galloping from `from`: a page ends a page's length after it starts, so
/// this reads a few tops near each other where a binary search over the whole chat read far
/// apart ones, twice per page (4,000 searches of 100,000 tops per rebuild: issue 15).
fn first_place_at(tops: &[Top], from: usize, bound: usize) -> usize {
    let rest = &tops[from.min(tops.len())..];
    // Every top before `end / 2` is below the bound once the loop has run.
    let mut end = 1;
    while end < rest.len() && rest[end - 1].place < bound {
        end *= 2;
    }
    let low = (end / 2).min(rest.len());
    let high = end.min(rest.len());
    from + low + rest[low..high].partition_point(|t| t.place < bound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Ts;

    fn tops(places: &[usize]) -> Vec<Top> {
        places
            .iter()
            .map(|&place| {
                Top::at(
                    Ts::parse(&format!("{}.000000", 1_500_000_000 + place)).unwrap(),
                    place,
                )
            })
            .collect()
    }

    #[test]
    fn pages_are_cut_by_places_not_by_what_shows() {
        // Places 2 and 5 are deleted messages: pages keep their bounds.
        let t = tops(&[0, 1, 3, 4, 6]);
        let p = Paging::cut(&t, 7, 3);
        assert_eq!(p.count(), 3);
        assert_eq!(p.range(1), 0..2);
        assert_eq!(p.range(2), 2..4);
        assert_eq!(p.range(3), 4..5);
        assert_eq!(p.range(4), 0..0);
        assert_eq!(
            (0..5).map(|i| p.page_of(i)).collect::<Vec<_>>(),
            [1, 1, 2, 2, 3]
        );
    }

    #[test]
    fn a_deletion_changes_no_other_page() {
        let before = Paging::cut(&tops(&[0, 1, 2, 3, 4, 5, 6]), 7, 3);
        let after = Paging::cut(&tops(&[0, 1, 2, 4, 5, 6]), 7, 3);
        assert_eq!(before.range(1), after.range(1));
        assert_eq!(before.count(), after.count());
        // Page 2 lost one message; page 3 holds the same message (index moved, place did not).
        assert_eq!(after.range(2), 3..5);
        assert_eq!(after.range(3), 5..6);
    }

    #[test]
    fn pages_are_cut_as_a_search_of_the_whole_chat_would() {
        // Places with gaps of every length (deleted runs), in pages of several sizes.
        let mut seed = 0x2545_f491_u64;
        for round in 0..200 {
            let mut places = Vec::new();
            let mut place = 0;
            for _ in 0..(round * 7) % 400 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                place += [1, 1, 1, 2, 5, 40][(seed % 6) as usize];
                places.push(place);
            }
            let t = tops(&places);
            let total = place + 1 + round % 3;
            for size in [1, 3, 50, 200] {
                let p = Paging::cut(&t, total, size);
                for n in 1..=p.count() {
                    let start = t.partition_point(|x| x.place < (n - 1) * size);
                    let end = t.partition_point(|x| x.place < n * size);
                    assert_eq!(
                        p.range(n),
                        start..end,
                        "round {round}, size {size}, page {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_empty_chat_has_one_empty_page() {
        let p = Paging::cut(&[], 0, 200);
        assert_eq!(p.count(), 1);
        assert_eq!(p.range(1), 0..0);
    }
}
