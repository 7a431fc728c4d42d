//! Slack's date formatting (`<!date^1392734382^{date_short} at {time}|fallback>` in mrkdwn, and
//! rich_text `date` elements).
//!
//! Slack shows these in each reader's own time zone; a static page has one zone for everyone, the
//! site's (`RenderOptions::timezone`). The relative tokens (`{date_pretty}` says "today",
//! `{ago}` says "3 minutes ago") depend on when the page is read, and rendering has no clock (a
//! page built once is read for years), so they render as the absolute date they stand for. The
//! `<time datetime>` attribute carries the exact instant for scripts that want to do better.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::Writer;
use super::url::safe_url;
use crate::locale::Language;
use crate::locale::calendar::DateStyle;

/// A date formatted for display, and its instant in RFC 3339 for `<time datetime>`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FormattedDate {
    pub text: String,
    pub datetime: String,
}

/// Formats `epoch` (seconds) with Slack's tokens in `tz`. `None` when the epoch is out of range or
/// the format names an unknown token: the caller then shows Slack's fallback text, as a Slack
/// client would for a format it cannot read.
pub(crate) fn format_slack_date(
    epoch: i64,
    format: &str,
    tz: &TimeZone,
    lang: Language,
) -> Option<FormattedDate> {
    let timestamp = Timestamp::from_second(epoch).ok()?;
    let dt = tz.to_datetime(timestamp);
    let mut text = String::with_capacity(format.len() + 16);
    let mut rest = format;
    while let Some(open) = rest.find('{') {
        text.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                push_token(&mut text, &after[..close], &dt, lang)?;
                rest = &after[close + 1..];
            }
            None => {
                // No `}` after this `{`, so none after any later one either: the rest is text.
                // (Searching again from each `{` was quadratic: 800k braces took 23 s.)
                text.push('{');
                text.push_str(after);
                rest = "";
            }
        }
    }
    text.push_str(rest);
    Some(FormattedDate {
        text,
        datetime: timestamp.to_string(),
    })
}

fn push_token(out: &mut String, token: &str, dt: &DateTime, lang: Language) -> Option<()> {
    use std::fmt::Write;
    let (year, day) = (dt.year(), dt.day());
    let english = lang == Language::English;
    let result = match token {
        // Slack's examples: 2014-02-18 / February 18th, 2014 / Feb 18, 2014 /
        // Tuesday, February 18th, 2014. The *_pretty forms would say "yesterday" or "today".
        // Other languages write the same dates their own way ("18 février 2014").
        "date_num" => write!(out, "{year:04}-{:02}-{day:02}", dt.month()),
        "date" | "date_pretty" if english => {
            write!(
                out,
                "{} {day}{}, {year}",
                lang.month(dt),
                ordinal_suffix(day)
            )
        }
        "date_long" | "date_long_pretty" if english => write!(
            out,
            "{}, {} {day}{}, {year}",
            lang.weekday(dt),
            lang.month(dt),
            ordinal_suffix(day)
        ),
        "date" | "date_pretty" => out.write_str(&lang.date(dt, DateStyle::Long)),
        "date_long" | "date_long_pretty" => out.write_str(&lang.date(dt, DateStyle::Full)),
        "date_short" | "date_short_pretty" => out.write_str(&lang.date(dt, DateStyle::Short)),
        "time" => out.write_str(&lang.time(dt, false)),
        "time_secs" => out.write_str(&lang.time(dt, true)),
        "ago" => write!(
            out,
            "{}{}{}",
            lang.date(dt, DateStyle::Short),
            lang.date_time_joiner(),
            lang.time(dt, false)
        ),
        _ => return None,
    };
    result.ok()
}

/// English ordinals for Slack's `{date}` and `{date_long}`: "18th".
fn ordinal_suffix(day: i8) -> &'static str {
    match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

/// Writes a formatted date as `<time>`, inside a link when `link` is a safe URL. Returns `false`
/// (writing nothing) when the date cannot be formatted, so the caller writes the fallback.
pub(crate) fn write_date(
    w: &mut Writer,
    epoch: i64,
    format: &str,
    link: Option<&str>,
    tz: &TimeZone,
    lang: Language,
) -> bool {
    let Some(date) = format_slack_date(epoch, format, tz, lang) else {
        return false;
    };
    let href = link.and_then(safe_url);
    if let Some(href) = &href {
        w.open("<a href=\"");
        w.attr(href);
        w.markup("\" rel=\"noopener nofollow ugc\">");
    }
    w.open("<time datetime=\"");
    w.attr(&date.datetime);
    w.markup("\">");
    w.text(&date.text);
    w.close("</time>");
    if href.is_some() {
        w.close("</a>");
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::Offset;

    // 1392734382 is Slack's documentation example: 2014-02-18 06:39:42 in US Pacific (UTC-8).
    const EXAMPLE: i64 = 1392734382;

    fn pacific() -> TimeZone {
        TimeZone::fixed(Offset::constant(-8))
    }

    fn fmt(format: &str) -> Option<String> {
        format_slack_date(EXAMPLE, format, &pacific(), Language::English).map(|d| d.text)
    }

    #[test]
    fn unclosed_braces_take_linear_time() {
        // Quadratic, this took 23 s in a release build (minutes in a test build); linear, it is
        // instant. Not timed here (no timed tests): a regression shows as a stalled suite.
        let format = "{".repeat(800_000);
        let out = format_slack_date(0, &format, &TimeZone::UTC, Language::English).unwrap();
        assert_eq!(out.text, format);
        let mixed = format!("{}{{date_num}}", "{".repeat(1000));
        assert!(
            format_slack_date(0, &mixed, &TimeZone::UTC, Language::English).is_none(),
            "an unknown token"
        );
    }

    #[test]
    fn every_token() {
        assert_eq!(fmt("{date_num}").as_deref(), Some("2014-02-18"));
        assert_eq!(fmt("{date}").as_deref(), Some("February 18th, 2014"));
        assert_eq!(fmt("{date_short}").as_deref(), Some("Feb 18, 2014"));
        assert_eq!(
            fmt("{date_long}").as_deref(),
            Some("Tuesday, February 18th, 2014")
        );
        assert_eq!(fmt("{time}").as_deref(), Some("6:39 AM"));
        assert_eq!(fmt("{time_secs}").as_deref(), Some("6:39:42 AM"));
    }

    #[test]
    fn relative_tokens_render_as_absolute_dates() {
        assert_eq!(fmt("{date_pretty}").as_deref(), Some("February 18th, 2014"));
        assert_eq!(fmt("{date_short_pretty}").as_deref(), Some("Feb 18, 2014"));
        assert_eq!(
            fmt("{date_long_pretty}").as_deref(),
            Some("Tuesday, February 18th, 2014")
        );
        assert_eq!(fmt("{ago}").as_deref(), Some("Feb 18, 2014 at 6:39 AM"));
    }

    #[test]
    fn literal_text_around_tokens_and_stray_braces() {
        assert_eq!(
            fmt("Posted {date_num} {time_secs}").as_deref(),
            Some("Posted 2014-02-18 6:39:42 AM")
        );
        assert_eq!(fmt("no tokens").as_deref(), Some("no tokens"));
        assert_eq!(fmt("open { only").as_deref(), Some("open { only"));
        assert_eq!(fmt("").as_deref(), Some(""));
    }

    #[test]
    fn unknown_token_or_bad_epoch_gives_none() {
        assert_eq!(fmt("{date_num} {bogus}"), None);
        assert_eq!(fmt("{}"), None);
        assert_eq!(
            format_slack_date(i64::MAX, "{date}", &pacific(), Language::English),
            None
        );
        assert_eq!(
            format_slack_date(i64::MIN, "{date}", &pacific(), Language::English),
            None
        );
    }

    #[test]
    fn time_zone_matters() {
        let utc = format_slack_date(
            EXAMPLE,
            "{date_num} {time}",
            &TimeZone::UTC,
            Language::English,
        )
        .map(|d| d.text);
        assert_eq!(utc.as_deref(), Some("2014-02-18 2:39 PM"));
        let date =
            format_slack_date(EXAMPLE, "{time}", &pacific(), Language::English).expect("in range");
        assert_eq!(date.datetime, "2014-02-18T14:39:42Z");
    }

    #[test]
    fn midnight_noon_and_ordinals() {
        let utc = |epoch, f| {
            format_slack_date(epoch, f, &TimeZone::UTC, Language::English).map(|d| d.text)
        };
        assert_eq!(
            utc(0, "{time} {date}").as_deref(),
            Some("12:00 AM January 1st, 1970")
        );
        assert_eq!(utc(12 * 3600, "{time}").as_deref(), Some("12:00 PM"));
        assert_eq!(utc(86400, "{date}").as_deref(), Some("January 2nd, 1970"));
        assert_eq!(
            utc(2 * 86400, "{date}").as_deref(),
            Some("January 3rd, 1970")
        );
        assert_eq!(
            utc(10 * 86400, "{date}").as_deref(),
            Some("January 11th, 1970")
        );
        assert_eq!(
            utc(11 * 86400, "{date}").as_deref(),
            Some("January 12th, 1970")
        );
        assert_eq!(
            utc(12 * 86400, "{date}").as_deref(),
            Some("January 13th, 1970")
        );
        assert_eq!(
            utc(20 * 86400, "{date}").as_deref(),
            Some("January 21st, 1970")
        );
        assert_eq!(
            utc(22 * 86400, "{date}").as_deref(),
            Some("January 23rd, 1970")
        );
        assert_eq!(
            utc(-1, "{date_num} {time_secs}").as_deref(),
            Some("1969-12-31 11:59:59 PM")
        );
    }

    #[test]
    fn written_as_time_element_with_optional_safe_link() {
        let mut w = Writer::default();
        assert!(write_date(
            &mut w,
            EXAMPLE,
            "{date_short}",
            Some("https://example.com/e"),
            &pacific(),
            Language::English
        ));
        assert!(!write_date(
            &mut w,
            EXAMPLE,
            "{nope}",
            None,
            &pacific(),
            Language::English
        ));
        assert!(write_date(
            &mut w,
            EXAMPLE,
            "{date_num}",
            Some("javascript:alert(1)"),
            &pacific(),
            Language::English
        ));
        let out = w.finish();
        assert_eq!(
            out.html,
            "<a href=\"https://example.com/e\" rel=\"noopener nofollow ugc\"><time datetime=\"2014-02-18T14:39:42Z\">Feb 18, 2014</time></a><time datetime=\"2014-02-18T14:39:42Z\">2014-02-18</time>"
        );
        assert_eq!(out.text, "Feb 18, 20142014-02-18");
    }

    #[test]
    fn tokens_follow_the_language() {
        let fr = |f| format_slack_date(EXAMPLE, f, &pacific(), Language::French).map(|d| d.text);
        assert_eq!(fr("{date}").as_deref(), Some("18 février 2014"));
        assert_eq!(fr("{date_short}").as_deref(), Some("18 févr. 2014"));
        assert_eq!(fr("{date_long}").as_deref(), Some("mardi 18 février 2014"));
        assert_eq!(fr("{time}").as_deref(), Some("06:39"));
        assert_eq!(fr("{ago}").as_deref(), Some("18 févr. 2014 à 06:39"));
        let es = format_slack_date(EXAMPLE, "{date}", &pacific(), Language::Spanish);
        assert_eq!(es.map(|d| d.text).as_deref(), Some("18 de febrero de 2014"));
    }
}
