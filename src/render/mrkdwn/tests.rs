//! mrkdwn in, HTML and plain text out, checked against what Slack's clients show.

use crate::render::test_support::render_mrkdwn_str;

fn html(text: &str) -> String {
    render_mrkdwn_str(text).html
}

fn text(text: &str) -> String {
    render_mrkdwn_str(text).text
}

#[test]
fn bold_italic_strike_code() {
    assert_eq!(
        html("*bold* _italic_ ~strike~ `code`"),
        "<b>bold</b> <i>italic</i> <s>strike</s> <code>code</code>"
    );
    assert_eq!(html("*_both_*"), "<b><i>both</i></b>");
    assert_eq!(html("(*parens*)."), "(<b>parens</b>).");
    assert_eq!(
        text("*bold* _italic_ ~strike~ `code`"),
        "bold italic strike code"
    );
}

#[test]
fn markers_do_not_open_or_close_inside_words() {
    assert_eq!(html("snake_case_name"), "snake_case_name");
    assert_eq!(html("foo*bar*baz"), "foo*bar*baz");
    assert_eq!(html("_this is italic_regular"), "_this is italic_regular");
    assert_eq!(html("~this~that"), "~this~that");
    assert_eq!(html("2 * 3 * 4"), "2 * 3 * 4");
    assert_eq!(html("this ~ is a ~ test"), "this ~ is a ~ test");
    assert_eq!(html("**"), "**");
    assert_eq!(html("a * b*"), "a * b*");
    assert_eq!(html("café*x*"), "café*x*");
}

#[test]
fn markers_do_not_span_lines() {
    assert_eq!(
        html("*Multiple lines\nof bold text.*"),
        "*Multiple lines<br>of bold text.*"
    );
}

#[test]
fn unbalanced_and_crossed_markers_stay_nested() {
    assert_eq!(html("*a _b* c_"), "<b>a _b</b> c_");
    assert_eq!(html("*a *b* c*"), "<b>a <b>b</b> c</b>");
    assert_eq!(html("_*_*"), "<i>*</i>*");
    assert_eq!(html("*unclosed _also"), "*unclosed _also");
}

#[test]
fn code_is_literal_but_resolves_control_sequences() {
    assert_eq!(
        html("`*not bold* :tada: &lt;x&gt;`"),
        "<code>*not bold* :tada: &lt;x&gt;</code>"
    );
    assert_eq!(
        html("`see <https://example.com|*docs*>`"),
        "<code>see <a href=\"https://example.com\" rel=\"noopener nofollow ugc\">*docs*</a></code>"
    );
    assert_eq!(
        html("`<@U1>`"),
        "<code><span class=\"slack-mention\">@Alice Smith</span></code>"
    );
    assert_eq!(html("a ` ` b"), "a ` ` b");
    assert_eq!(html("``"), "``");
    assert_eq!(html("*`+0.79%`*"), "<b><code>+0.79%</code></b>");
}

#[test]
fn pre_blocks() {
    assert_eq!(
        html("```multiple\n*lines* of\ncode```"),
        "<pre>multiple\n*lines* of\ncode</pre>"
    );
    assert_eq!(
        html("text\n```code\nblock```\nmore text"),
        "text<pre>code\nblock</pre>more text"
    );
    assert_eq!(html("```\nfenced\n```"), "<pre>fenced</pre>");
    assert_eq!(
        html("```codeblock `backtick````"),
        "<pre>codeblock `backtick`</pre>"
    );
    // After a block the line starts anew, so its leading space is kept visible.
    assert_eq!(html("a ```b``` c"), "a <pre>b</pre>\u{a0}c");
    assert_eq!(html("```<>```"), "<pre>&lt;&gt;</pre>");
    assert_eq!(
        html("```&lt;b&gt; <https://x.example|x>```"),
        "<pre>&lt;b&gt; <a href=\"https://x.example\" rel=\"noopener nofollow ugc\">x</a></pre>"
    );
    assert_eq!(html("a\n\n```b```\n\nc"), "a<br><br><pre>b</pre><br>c");
    assert_eq!(text("x\n```a\n  b```\ny"), "x\na\n  b\ny");
}

#[test]
fn unclosed_fence_is_text() {
    assert_eq!(
        html("```not closed\n*bold*"),
        "```not closed<br><b>bold</b>"
    );
}

#[test]
fn quotes() {
    assert_eq!(
        html("&gt; Someone said this."),
        "<blockquote>Someone said this.</blockquote>"
    );
    assert_eq!(
        html("&gt; one\n&gt; two"),
        "<blockquote>one<br>two</blockquote>"
    );
    assert_eq!(
        html("hey\n&gt; text\nhere"),
        "hey<blockquote>text</blockquote>here"
    );
    assert_eq!(
        html("&gt; text\n&gt; \n&gt; here"),
        "<blockquote>text<br><br>here</blockquote>"
    );
    assert_eq!(html("&gt; a\n\nb"), "<blockquote>a</blockquote><br>b");
    assert_eq!(
        html("&gt;*bold quote*"),
        "<blockquote><b>bold quote</b></blockquote>"
    );
    assert_eq!(html("a &gt; b"), "a &gt; b");
    assert_eq!(text("&gt; quoted &amp; more"), "quoted & more");
}

#[test]
fn rest_of_message_quote() {
    assert_eq!(
        html("&gt;&gt;&gt; Someone else\nsaid this."),
        "<blockquote>Someone else<br>said this.</blockquote>"
    );
    assert_eq!(
        html("before\n&gt;&gt;&gt;\nall\nof this"),
        "before<blockquote>all<br>of this</blockquote>"
    );
    assert_eq!(
        html("&gt; A couple of\n&gt;&gt;&gt; Blockquotes until\nthe end of the message."),
        "<blockquote>A couple of<br>Blockquotes until<br>the end of the message.</blockquote>"
    );
}

#[test]
fn raw_quote_markers_from_block_kit_text() {
    assert_eq!(html("> quoted\nnot"), "<blockquote>quoted</blockquote>not");
    assert_eq!(
        html(">>> all\nquoted"),
        "<blockquote>all<br>quoted</blockquote>"
    );
}

#[test]
fn pre_inside_quote() {
    assert_eq!(
        html("&gt; ```code\nmore```\nafter"),
        "<blockquote><pre>code\nmore</pre></blockquote>after"
    );
}

#[test]
fn newlines_and_bullets() {
    assert_eq!(html("new\nline"), "new<br>line");
    assert_eq!(
        html("• item 1\n• item 2\n- dash\n1. one"),
        "• item 1<br>• item 2<br>- dash<br>1. one"
    );
    assert_eq!(html("trailing\n\n"), "trailing");
    assert_eq!(text("a\nb"), "a\nb");
}

#[test]
fn links() {
    assert_eq!(
        html("<https://example.com>"),
        "<a href=\"https://example.com\" rel=\"noopener nofollow ugc\">https://example.com</a>"
    );
    assert_eq!(
        html("<https://example.org?a=1&amp;b=2|this is *awesome*>"),
        "<a href=\"https://example.org?a=1&amp;b=2\" rel=\"noopener nofollow ugc\">this is <b>awesome</b></a>"
    );
    assert_eq!(
        html("<mailto:desk@example.com|Email the desk>"),
        "<a href=\"mailto:desk@example.com\" rel=\"noopener nofollow ugc\">Email the desk</a>"
    );
    assert_eq!(
        html("<HTTPS://EXAMPLE.COM|x>"),
        "<a href=\"https://EXAMPLE.COM\" rel=\"noopener nofollow ugc\">x</a>"
    );
    assert_eq!(
        text("see <https://example.com|the report> and <https://example.com/b>"),
        "see the report and https://example.com/b"
    );
    assert_eq!(
        html("Hey _beep <https://example.org|hmm_yeah>"),
        "Hey _beep <a href=\"https://example.org\" rel=\"noopener nofollow ugc\">hmm_yeah</a>"
    );
}

#[test]
fn unsafe_links_become_text() {
    assert_eq!(html("<javascript:alert(1)|x>"), "x");
    assert_eq!(html("<javascript:alert(1)>"), "javascript:alert(1)");
    assert_eq!(html("<data:text/html,&lt;script&gt;|y>"), "y");
    assert_eq!(
        html("<java\tscript:alert(1)|z>"),
        "&lt;java\u{2003}script:alert(1)|z&gt;"
    );
    assert_eq!(html("<//evil.example|rel>"), "&lt;//evil.example|rel&gt;");
    assert_eq!(html("<http://a\" onmouseover=\"x|y>"), "y");
    assert_eq!(
        html("<http://a.example/\"onmouseover=\"x|y>"),
        "<a href=\"http://a.example/&quot;onmouseover=&quot;x\" rel=\"noopener nofollow ugc\">y</a>"
    );
}

#[test]
fn script_words_inside_safe_urls_are_fine() {
    // Found by fuzzing (the checker was too strict): the scheme is what matters.
    assert_eq!(
        html("<https://github.com/a-vbscript:/pull/3>"),
        "<a href=\"https://github.com/a-vbscript:/pull/3\" rel=\"noopener nofollow ugc\">https://github.com/a-vbscript:/pull/3</a>"
    );
}

#[test]
fn user_mentions() {
    assert_eq!(
        html("<@U1>"),
        "<span class=\"slack-mention\">@Alice Smith</span>"
    );
    assert_eq!(text("<@U1|old name>"), "@Alice Smith");
    assert_eq!(text("hey <@U404|user>!"), "hey @user!");
    assert_eq!(text("<@W404>"), "@W404");
    assert_eq!(
        html("<@U2>"),
        "<span class=\"slack-mention\">@&lt;b&gt;Bob&lt;/b&gt; &amp; &quot;co&quot;</span>"
    );
    assert_eq!(text("<@U404|@already>"), "@already");
}

#[test]
fn channel_mentions() {
    assert_eq!(
        html("<#C1>"),
        "<a class=\"slack-channel\" href=\"/general/\">#general</a>"
    );
    assert_eq!(
        html("<#C1|old-name>"),
        "<a class=\"slack-channel\" href=\"/general/\">#general</a>"
    );
    assert_eq!(
        html("<#C2>"),
        "<span class=\"slack-channel\">#private-desk</span>"
    );
    assert_eq!(html("<#C3>"), "<span class=\"slack-channel\">#evil</span>");
    assert_eq!(text("hey <#C404|chan>!"), "hey #chan!");
    assert_eq!(text("<#C404>"), "#C404");
}

#[test]
fn usergroups_and_broadcasts() {
    assert_eq!(text("<!subteam^S404|@handle>"), "@handle");
    assert_eq!(text("<!subteam^S404|usergroup>"), "@usergroup");
    assert_eq!(text("<!subteam^S1|@old>"), "@desk");
    assert_eq!(text("<!subteam^S404>"), "@S404");
    assert_eq!(
        html("<!here>"),
        "<span class=\"slack-mention slack-broadcast\">@here</span>"
    );
    assert_eq!(
        text("<!here|@here> <!channel> <!everyone>"),
        "@here @channel @everyone"
    );
}

#[test]
fn dates() {
    assert_eq!(
        html("<!date^1392734382^Posted {date_num} {time_secs}|Posted 2014-02-18 6:39:42 AM PST>"),
        "<time datetime=\"2014-02-18T14:39:42Z\">Posted 2014-02-18 6:39:42 AM</time>"
    );
    assert_eq!(
        html("<!date^1392734382^{date_short}^https://example.com/|Feb 18>"),
        "<a href=\"https://example.com/\" rel=\"noopener nofollow ugc\"><time datetime=\"2014-02-18T14:39:42Z\">Feb 18, 2014</time></a>"
    );
    assert_eq!(
        text("<!date^1392734382^{date_pretty} at {time}|x>"),
        "February 18th, 2014 at 6:39 AM"
    );
    assert_eq!(
        text("<!date^1392734382^{ago}|x>"),
        "Feb 18, 2014 at 6:39 AM"
    );
    assert_eq!(
        text("<!date^not-a-number^{date}|the fallback &amp; more>"),
        "the fallback & more"
    );
    assert_eq!(text("<!date^1392734382^{nonsense}|fb>"), "fb");
    assert_eq!(text("<!date^99999999999999999^{date}|fb>"), "fb");
    assert_eq!(text("<!date^1392734382>"), "<!date^1392734382>");
}

#[test]
fn other_control_sequences_are_text() {
    assert_eq!(html("<b>test</b>"), "&lt;b&gt;test&lt;/b&gt;");
    assert_eq!(html("<!foo|label>"), "label");
    assert_eq!(html("<!foo>"), "&lt;!foo&gt;");
    assert_eq!(html("<>"), "&lt;&gt;");
    assert_eq!(html("a < b > c"), "a &lt; b &gt; c");
    assert_eq!(html("a & b < c"), "a &amp; b &lt; c");
}

#[test]
fn entities() {
    assert_eq!(
        html("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "&lt;script&gt;alert(1)&lt;/script&gt;"
    );
    assert_eq!(text("&lt;script&gt; &amp;amp;"), "<script> &amp;");
    assert_eq!(
        html("&quot;x&quot; &nbsp; &#39; &copy;"),
        "&amp;quot;x&amp;quot; &amp;nbsp; &amp;#39; &amp;copy;"
    );
    assert_eq!(text("&quot;x&quot;"), "&quot;x&quot;");
    assert_eq!(
        html("\"quotes\" 'single'"),
        "&quot;quotes&quot; &#39;single&#39;"
    );
}

#[test]
fn emoji() {
    assert_eq!(
        html("blah :fox_face: :+1: :flag-us: blah"),
        "blah \u{1F98A} \u{1F44D} \u{1F1FA}\u{1F1F8} blah"
    );
    assert_eq!(html(":point_up::skin-tone-3:"), "\u{261D}\u{1F3FC}");
    assert_eq!(html(":tada::skin-tone-9:"), "\u{1F389}:skin-tone-9:");
    assert_eq!(html("blah :asdf: blah"), "blah :asdf: blah");
    assert_eq!(html("12:30:45"), "12:30:45");
    assert_eq!(
        html(":partyparrot:"),
        "<img class=\"emoji\" alt=\":partyparrot:\" src=\"https://emoji.example/parrot.gif\">"
    );
    assert_eq!(text(":partyparrot: :smile:"), ":partyparrot: \u{1F604}");
    assert_eq!(html(":evil:"), ":evil:");
    assert_eq!(html(":white_check_mark:_x_"), "\u{2705}<i>x</i>");
}

#[test]
fn shrug_keeps_its_arms_and_backslashes_stay() {
    assert_eq!(html("¯\\_(ツ)_/¯"), "¯\\_(ツ)_/¯");
    assert_eq!(
        html("The \\*unbolded\\* text is not *bold*."),
        "The \\*unbolded\\* text is not <b>bold</b>."
    );
    assert_eq!(
        html("f(*x*) [_y_] {~z~}"),
        "f(<b>x</b>) [<i>y</i>] {<s>z</s>}"
    );
    assert_eq!(html("“*quoted*” — _dash_"), "“<b>quoted</b>” — <i>dash</i>");
}

#[test]
fn hostile_inputs_stay_safe() {
    let long_markers = "*a _b ~c `d ".repeat(5_000);
    let long_controls = "<<<<>>>><@U1|<x>>".repeat(2_000);
    let long_emoji = ":a:".repeat(10_000) + &":".repeat(10_000);
    let nested_quotes = "&gt;".repeat(10_000);
    let fences = "```".repeat(3_001);
    for input in [
        long_markers.as_str(),
        long_controls.as_str(),
        long_emoji.as_str(),
        nested_quotes.as_str(),
        fences.as_str(),
        "<http://a\" onmouseover=\"x|y>",
        "<https://x.example|<script>alert(1)</script>>",
        "`unterminated <https://x.example|",
        "\u{0}\u{1}\u{7f}\u{202e}",
        "*\n*\n_\n_",
        "&",
        "&g",
        "&gt",
        "<",
        ">",
        "`",
        ":",
        "<@>",
        "<#>",
        "<!>",
        "<|>",
        "<!date^^^^|>",
        "<!subteam^>",
    ] {
        let out = render_mrkdwn_str(input);
        assert!(!out.html.to_ascii_lowercase().contains("<script"));
    }
}

#[test]
fn huge_input_is_linear() {
    let big = "word *bold* _it_ <https://example.com|link> :tada: &amp; `code`\n".repeat(20_000);
    let started = std::time::Instant::now();
    let out = render_mrkdwn_str(&big);
    assert!(out.html.len() > big.len());
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}
