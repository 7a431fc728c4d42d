//! The templates' `date` filter: `{{ chat.last | date(format="long") }}` in the site's language
//! and time zone.
//!
//! Tera's own `date` filter needs an optional build (chrono) and writes English only; this one
//! uses the same calendar as every other date on the site ([`crate::locale`]).

use std::collections::HashMap;

use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use tera::{Tera, Value};

use crate::build::chat::view::zone_abbreviation;
use crate::locale::Language;
use crate::locale::calendar::DateStyle;

/// Registers `date` on `tera`, writing in `lang` and `tz`.
pub fn register(tera: &mut Tera, tz: TimeZone, lang: Language) {
    tera.register_filter(
        "date",
        move |value: &Value, args: &HashMap<String, Value>| {
            let at = instant(value, &tz).ok_or_else(|| {
                tera::Error::msg(format!(
                    "date: {value} is not a time (give a number of seconds, an RFC 3339 string, \
                     a YYYY-MM-DD day or a time such as message.time)"
                ))
            })?;
            let format = args.get("format").and_then(Value::as_str).unwrap_or("long");
            format_date(&at.to_zoned(tz.clone()), format, lang)
                .map(Value::String)
                .map_err(tera::Error::msg)
        },
    );
}

/// The instant a template value stands for: Unix seconds, an RFC 3339 string, a day
/// (`2018-03-06`, its midnight in `tz`) or an object with `epoch` (a `TimeView`).
fn instant(value: &Value, tz: &TimeZone) -> Option<Timestamp> {
    match value {
        Value::Number(n) => Timestamp::from_microsecond((n.as_f64()? * 1e6).round() as i64).ok(),
        Value::String(s) => s.parse::<Timestamp>().ok().or_else(|| {
            let day: jiff::civil::Date = s.parse().ok()?;
            day.to_zoned(tz.clone()).ok().map(|z| z.timestamp())
        }),
        Value::Object(map) => instant(map.get("epoch")?, tz),
        _ => None,
    }
}

/// Writes `at` in one of the named formats, or a strftime pattern whose month and weekday
/// names (`%B`, `%b`, `%A`) are in `lang`.
pub fn format_date(at: &Zoned, format: &str, lang: Language) -> Result<String, String> {
    let dt = at.datetime();
    let time_zone = || format!("{} {}", lang.time(&dt, false), zone_abbreviation(at));
    Ok(match format {
        "long" => lang.date(&dt, DateStyle::Long),
        "short" => lang.date(&dt, DateStyle::Short),
        "full" => lang.date(&dt, DateStyle::Full),
        "time" => lang.time(&dt, false),
        "time_zone" => time_zone(),
        "datetime" => format!(
            "{}{}{}",
            lang.date(&dt, DateStyle::Long),
            lang.date_time_joiner(),
            time_zone()
        ),
        "day" => at.strftime("%Y-%m-%d").to_string(),
        "iso" => at.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        pattern if pattern.contains('%') => {
            let mut localized = String::with_capacity(pattern.len());
            let mut chars = pattern.chars();
            while let Some(c) = chars.next() {
                if c != '%' {
                    localized.push(c);
                    continue;
                }
                match chars.next() {
                    Some('B') => localized.push_str(lang.month(&dt)),
                    Some('b') => localized.push_str(lang.short_month(&dt)),
                    Some('A') => localized.push_str(lang.weekday(&dt)),
                    Some(other) => {
                        localized.push('%');
                        localized.push(other);
                    }
                    None => localized.push('%'),
                }
            }
            jiff::fmt::strtime::format(&localized, at)
                .map_err(|e| format!("date: format {pattern:?}: {e}"))?
        }
        other => {
            return Err(format!(
                "date: unknown format {other:?} (long, short, full, time, time_zone, datetime, \
                 day, iso, or a strftime pattern such as \"%d/%m/%Y\")"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str, value: Value, lang: Language) -> String {
        let mut tera = Tera::default();
        register(&mut tera, TimeZone::get("Europe/Paris").unwrap(), lang);
        tera.add_raw_template("t", template).unwrap();
        let mut cx = tera::Context::new();
        cx.insert("v", &value);
        tera.render("t", &cx).unwrap()
    }

    #[test]
    fn formats_per_language_and_zone_with_daylight_saving() {
        // 2018-03-06 14:04 UTC: 15:04 in Paris, winter time (CET).
        let winter = Value::from(1520345040);
        assert_eq!(
            render("{{ v | date }}", winter.clone(), Language::French),
            "6 mars 2018"
        );
        assert_eq!(
            render(
                "{{ v | date(format=\"time_zone\") }}",
                winter.clone(),
                Language::French
            ),
            "15:04 CET"
        );
        assert_eq!(
            render(
                "{{ v | date(format=\"datetime\") }}",
                winter.clone(),
                Language::English
            ),
            "March 6, 2018 at 3:04 PM CET"
        );
        // The same clock time in July is summer time (CEST).
        let summer = Value::from("2018-07-06T13:04:00Z");
        assert_eq!(
            render(
                "{{ v | date(format=\"time_zone\") }}",
                summer.clone(),
                Language::French
            ),
            "15:04 CEST"
        );
        assert_eq!(
            render("{{ v | date(format=\"full\") }}", summer, Language::Spanish),
            "viernes, 6 de julio de 2018"
        );
    }

    #[test]
    fn takes_time_views_days_and_strftime_patterns() {
        let time = serde_json::json!({"epoch": 1520345040, "iso": "x"});
        assert_eq!(
            render(
                "{{ v | date(format=\"%A %-d %B\") }}",
                time,
                Language::French
            ),
            "mardi 6 mars"
        );
        assert_eq!(
            render(
                "{{ v | date(format=\"short\") }}",
                Value::from("2018-02-01"),
                Language::French
            ),
            "1er févr. 2018"
        );
    }

    #[test]
    fn bad_values_and_formats_are_errors() {
        let mut tera = Tera::default();
        register(&mut tera, TimeZone::UTC, Language::English);
        tera.add_raw_template("a", "{{ 'soon' | date }}").unwrap();
        tera.add_raw_template("b", "{{ 0 | date(format='nope') }}")
            .unwrap();
        let cx = tera::Context::new();
        for name in ["a", "b"] {
            let e = tera.render(name, &cx).unwrap_err();
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                msg.push_str(&s.to_string());
                src = s.source();
            }
            assert!(msg.contains("date:"), "{msg}");
        }
    }
}
