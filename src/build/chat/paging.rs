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
        let ranges = (0..count)
            .map(|k| {
                let start = tops.partition_point(|t| t.place < k * size);
                let end = tops.partition_point(|t| t.place < (k + 1) * size);
                start..end
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
    fn an_empty_chat_has_one_empty_page() {
        let p = Paging::cut(&[], 0, 200);
        assert_eq!(p.count(), 1);
        assert_eq!(p.range(1), 0..0);
    }
}
