//! rich_text blocks: what Slack's composer sends for every message typed by a person.
//!
//! A rich_text block is a flat list of sections, lists, quotes and preformatted runs, each holding
//! inline elements (`text` with a `style`, `link`, `user`, `emoji`, ...). Unlike mrkdwn, text here
//! is raw (not entity-escaped). Nested lists are not nested in the JSON: Slack sends consecutive
//! `rich_text_list` elements with an `indent`, and the nesting is rebuilt here.
//!
//! This module lays out the blocks (sections, quotes, preformatted runs, nested lists);
//! [`inline`] renders the elements inside them.

mod inline;
#[cfg(test)]
mod tests;

use serde_json::Value;

use super::json::{array, str_field, type_of};
use super::{Cx, Writer};
use inline::write_inline;

/// Slack's composer allows list indents 0..=8; deeper values are treated as 8.
const MAX_LIST_INDENT: u64 = 8;

pub(crate) fn write_rich_text(w: &mut Writer, elements: &[Value], cx: &Cx) {
    let mut i = 0;
    let mut after_inline = false;
    while i < elements.len() {
        let element = &elements[i];
        match type_of(element) {
            "rich_text_list" => {
                let run = elements[i..]
                    .iter()
                    .take_while(|e| type_of(e) == "rich_text_list")
                    .count();
                write_lists(w, &elements[i..i + run], cx);
                i += run;
                after_inline = false;
                continue;
            }
            "rich_text_quote" => {
                w.open_block("<blockquote>");
                write_inline(w, array(element, "elements"), cx, false);
                w.close_block("</blockquote>");
                after_inline = false;
            }
            "rich_text_preformatted" => {
                w.open_pre();
                write_inline(w, array(element, "elements"), cx, true);
                w.close_pre();
                after_inline = false;
            }
            "rich_text_section" => {
                if after_inline {
                    w.ensure_newline();
                }
                write_inline(w, array(element, "elements"), cx, false);
                after_inline = true;
            }
            // An inline element where a section was expected: render it as one.
            _ => {
                write_inline(w, std::slice::from_ref(element), cx, false);
                after_inline = true;
            }
        }
        i += 1;
    }
}

/// One open list level while rebuilding nesting.
struct Level {
    ordered: bool,
    indent: u64,
    /// Number of the next item, for the plain text.
    next_number: u64,
    item_open: bool,
}

impl Level {
    fn close(&self, w: &mut Writer) {
        if self.item_open {
            w.close_block("</li>");
        }
        w.close_block(if self.ordered { "</ol>" } else { "</ul>" });
    }
}

/// A run of consecutive `rich_text_list` elements, as nested `<ul>`/`<ol>`: a list with a larger
/// `indent` than the one before nests inside that one's last item; a smaller one goes back out
/// and continues the outer list where it left off.
fn write_lists(w: &mut Writer, lists: &[Value], cx: &Cx) {
    let mut levels: Vec<Level> = Vec::new();
    for list in lists {
        let ordered = str_field(list, "style") == Some("ordered");
        let indent = list
            .get("indent")
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .min(MAX_LIST_INDENT);
        while levels.last().is_some_and(|top| top.indent > indent) {
            if let Some(level) = levels.pop() {
                level.close(w);
            }
        }
        if levels
            .last()
            .is_some_and(|top| top.indent == indent && top.ordered != ordered)
            && let Some(level) = levels.pop()
        {
            level.close(w);
        }
        if levels.last().is_none_or(|top| top.indent != indent) {
            if let Some(parent) = levels.last_mut()
                && !parent.item_open
            {
                // A list with no items of its own still needs an item to nest in.
                w.open_block("<li>");
                parent.item_open = true;
            }
            let offset = list
                .get("offset")
                .and_then(Value::as_u64)
                .unwrap_or(0)
                .min(u64::from(u32::MAX));
            if ordered && offset > 0 {
                w.open_block(&format!("<ol start=\"{}\">", offset + 1));
            } else {
                w.open_block(if ordered { "<ol>" } else { "<ul>" });
            }
            levels.push(Level {
                ordered,
                indent,
                next_number: offset + 1,
                item_open: false,
            });
        }
        let depth = levels.len().saturating_sub(1);
        let Some(level) = levels.last_mut() else {
            continue;
        };
        for item in array(list, "elements") {
            if level.item_open {
                w.close_block("</li>");
            }
            w.open_block("<li>");
            level.item_open = true;
            for _ in 0..depth {
                w.text_only("  ");
            }
            if level.ordered {
                w.text_only(&format!("{}. ", level.next_number));
                level.next_number += 1;
            } else {
                w.text_only("• ");
            }
            if type_of(item) == "rich_text_section" {
                write_inline(w, array(item, "elements"), cx, false);
            } else {
                write_inline(w, std::slice::from_ref(item), cx, false);
            }
        }
    }
    while let Some(level) = levels.pop() {
        level.close(w);
    }
}
