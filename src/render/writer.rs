//! Writes the HTML and the plain text of a message side by side, so the two never disagree.
//!
//! Line breaks are held back until content follows them: Slack text often ends with a newline
//! (rich_text sections before a list, messages ending in `\n`), and a `<br>` with nothing after it
//! would only add an empty line. A block element (quote, pre, list) takes the place of one
//! pending break, since it starts on a new line anyway.
//!
//! Spacing is kept as Slack shows it (its clients render message text with `white-space:
//! pre-wrap`): outside `<pre>`, a space after another space or at the start of a line becomes a
//! no-break space and a tab an em space, so indentation and runs of spaces survive in any page or
//! feed reader without depending on CSS. The plain text keeps the original characters.

use super::Rendered;
use super::escape::{push_decoded_wire, push_escaped, push_wire_as_html};

/// Lengths to return to; only valid for the writer that made it, with nothing removed since.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checkpoint {
    html: usize,
    text: usize,
    pending_breaks: usize,
}

#[derive(Debug)]
pub(crate) struct Writer {
    html: String,
    text: String,
    pending_breaks: usize,
    in_pre: bool,
    /// Nothing visible written since the last line start (a break or a block boundary).
    line_start: bool,
    /// The last text written ended in a space or tab.
    after_space: bool,
}

impl Default for Writer {
    fn default() -> Self {
        Writer {
            html: String::new(),
            text: String::new(),
            pending_breaks: 0,
            in_pre: false,
            line_start: true,
            after_space: false,
        }
    }
}

impl Writer {
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        Writer {
            html: String::with_capacity(bytes + bytes / 2),
            text: String::with_capacity(bytes),
            ..Writer::default()
        }
    }

    /// A line break, emitted when (and if) content follows.
    pub(crate) fn newline(&mut self) {
        self.pending_breaks += 1;
    }

    fn flush_breaks(&mut self) {
        for _ in 0..self.pending_breaks {
            self.html.push_str("<br>");
            self.text.push('\n');
            self.line_start = true;
            self.after_space = false;
        }
        self.pending_breaks = 0;
    }

    /// Text as it is (rich_text, plain_text, names): escaped in HTML, unchanged in plain text.
    pub(crate) fn text(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        self.flush_breaks();
        self.push_html_text(raw, push_escaped);
        self.text.push_str(raw);
    }

    /// Text in Slack's wire format (only `&amp;` `&lt;` `&gt;` are entities).
    pub(crate) fn wire_text(&mut self, wire: &str) {
        if wire.is_empty() {
            return;
        }
        self.flush_breaks();
        self.push_html_text(wire, push_wire_as_html);
        push_decoded_wire(&mut self.text, wire);
    }

    /// Escapes `s` with `escape`, keeping its spacing visible (see the module docs). Entities
    /// hold no spaces, so spaces can be handled around the escaper.
    fn push_html_text(&mut self, s: &str, escape: fn(&mut String, &str)) {
        let space_before = self.line_start || self.after_space;
        let plain = self.in_pre
            || !(s.contains("  ") || s.contains('\t') || (space_before && s.starts_with(' ')));
        if plain {
            escape(&mut self.html, s);
        } else {
            let mut previous_space = space_before;
            let mut rest = s;
            while !rest.is_empty() {
                let word_len = rest.find([' ', '\t']).unwrap_or(rest.len());
                if word_len > 0 {
                    escape(&mut self.html, &rest[..word_len]);
                    previous_space = false;
                    rest = &rest[word_len..];
                    continue;
                }
                let c = if rest.starts_with('\t') {
                    '\u{2003}'
                } else if previous_space {
                    '\u{a0}'
                } else {
                    ' '
                };
                self.html.push(c);
                previous_space = true;
                rest = &rest[1..];
            }
        }
        self.line_start = false;
        self.after_space = s.ends_with([' ', '\t']);
    }

    /// A line break unless one is already pending (consecutive rich_text sections).
    pub(crate) fn ensure_newline(&mut self) {
        self.pending_breaks = self.pending_breaks.max(1);
    }

    /// Opening inline markup (`<b>`, the start of `<a ...>`): comes after any pending break.
    pub(crate) fn open(&mut self, html: &str) {
        self.flush_breaks();
        self.html.push_str(html);
    }

    /// The start of a visible inline object (an image): like [`open`](Self::open), and the
    /// object counts as content on its line.
    pub(crate) fn open_object(&mut self, html: &str) {
        self.open(html);
        self.line_start = false;
        self.after_space = false;
    }

    /// Closing inline markup: a pending break stays pending, so it lands after the close.
    pub(crate) fn close(&mut self, html: &str) {
        self.html.push_str(html);
    }

    /// An attribute value, escaped; HTML only.
    pub(crate) fn attr(&mut self, value: &str) {
        push_escaped(&mut self.html, value);
    }

    /// Markup with no counterpart in plain text, written as is (the rest of a tag).
    pub(crate) fn markup(&mut self, html: &str) {
        self.html.push_str(html);
    }

    /// Plain text with no counterpart in HTML (list bullets, separators).
    pub(crate) fn text_only(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Starts a block element on its own line.
    pub(crate) fn open_block(&mut self, html: &str) {
        // One break is implied by the block itself; more mean blank lines the author typed.
        if self.pending_breaks > 1 {
            self.flush_breaks();
        }
        self.pending_breaks = 0;
        self.html.push_str(html);
        self.end_text_line();
    }

    /// Ends a block element; breaks pending inside it are trailing and dropped.
    pub(crate) fn close_block(&mut self, html: &str) {
        self.pending_breaks = 0;
        self.html.push_str(html);
        self.end_text_line();
    }

    /// `<pre>`: spacing inside is kept by the element itself.
    pub(crate) fn open_pre(&mut self) {
        self.open_block("<pre>");
        self.in_pre = true;
    }

    pub(crate) fn close_pre(&mut self) {
        self.in_pre = false;
        self.close_block("</pre>");
    }

    /// Makes the plain text continue on a new line.
    pub(crate) fn end_text_line(&mut self) {
        self.line_start = true;
        self.after_space = false;
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
    }

    /// A point to [`rollback`](Self::rollback) to when something turns out to be empty.
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            html: self.html.len(),
            text: self.text.len(),
            pending_breaks: self.pending_breaks,
        }
    }

    pub(crate) fn rollback(&mut self, to: Checkpoint) {
        self.html.truncate(to.html);
        self.text.truncate(to.text);
        self.pending_breaks = to.pending_breaks;
    }

    pub(crate) fn html_len(&self) -> usize {
        self.html.len()
    }

    pub(crate) fn finish(mut self) -> Rendered {
        let trimmed = self.text.trim_end().len();
        self.text.truncate(trimmed);
        let leading = self.text.len() - self.text.trim_start().len();
        self.text.drain(..leading);
        Rendered {
            html: self.html,
            text: self.text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_wait_for_content() {
        let mut w = Writer::default();
        w.text("a");
        w.newline();
        w.newline();
        w.text("b");
        w.newline();
        let out = w.finish();
        assert_eq!(out.html, "a<br><br>b");
        assert_eq!(out.text, "a\n\nb");
    }

    #[test]
    fn breaks_land_after_closing_markup() {
        let mut w = Writer::default();
        w.open("<b>");
        w.text("a");
        w.newline();
        w.close("</b>");
        w.text("b");
        assert_eq!(w.finish().html, "<b>a</b><br>b");
    }

    #[test]
    fn a_block_absorbs_one_break() {
        let mut w = Writer::default();
        w.text("a");
        w.newline();
        w.open_pre();
        w.text("x");
        w.close_pre();
        w.text("b");
        let out = w.finish();
        assert_eq!(out.html, "a<pre>x</pre>b");
        assert_eq!(out.text, "a\nx\nb");
    }

    #[test]
    fn blank_lines_before_a_block_are_kept() {
        let mut w = Writer::default();
        w.text("a");
        w.newline();
        w.newline();
        w.open_pre();
        w.close_pre();
        assert_eq!(w.finish().html, "a<br><br><pre></pre>");
    }

    #[test]
    fn spacing_is_kept_visible_outside_pre() {
        let mut w = Writer::default();
        w.text("  indented  twice\tand tab ");
        w.text(" after");
        w.newline();
        w.wire_text(" &amp;  x");
        w.open_pre();
        w.text("  code  ");
        w.close_pre();
        let out = w.finish();
        assert_eq!(
            out.html,
            "\u{a0}\u{a0}indented \u{a0}twice\u{2003}and tab \u{a0}after<br>\u{a0}&amp; \u{a0}x<pre>  code  </pre>"
        );
        assert_eq!(out.text, "indented  twice\tand tab  after\n &  x\n  code");
    }

    #[test]
    fn wire_text_decodes_for_plain_text_only() {
        let mut w = Writer::default();
        w.wire_text("a &amp; b &lt;c&gt; &quot;");
        let out = w.finish();
        assert_eq!(out.html, "a &amp; b &lt;c&gt; &amp;quot;");
        assert_eq!(out.text, "a & b <c> &quot;");
    }
}
