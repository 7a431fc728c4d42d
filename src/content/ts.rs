//! Slack's `ts`: the id of a message within a conversation, and its time.
//!
//! It is a string such as `"1458980525.000012"`. Parsing it as a float loses the last digits (two
//! messages in the same second would collide), so it stays a string and is compared through an
//! exact integer key. It also names the message's file, so only digits and one dot are allowed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest `ts` text: 11 digits of seconds, the dot, 6 digits of microseconds.
const MAX_LEN: usize = 18;

/// A validated Slack timestamp.
///
/// Kept inline (no heap text) and compared by its integer key first: a build of a long chat
/// clones, hashes and compares ts hundreds of thousands of times, and a `String` made that a
/// large share of a rebuild (issue 15).
#[derive(Clone)]
pub struct Ts {
    key: u64,
    len: u8,
    text: [u8; MAX_LEN],
}

/// Why a string is not a Slack `ts`.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a Slack ts (expected seconds.microseconds, like 1458980525.000012)")]
pub struct InvalidTs(pub String);

impl Ts {
    pub fn parse(s: &str) -> Result<Ts, InvalidTs> {
        let bad = || InvalidTs(s.chars().take(40).collect());
        let (secs, frac) = s.split_once('.').ok_or_else(bad)?;
        let digits = |p: &str, max: usize| {
            !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(secs, 11) || !digits(frac, 6) {
            return Err(bad());
        }
        let secs: u64 = secs.parse().map_err(|_| bad())?;
        // "1.5" and "1.500000" are the same instant; Slack always writes six digits.
        let mut micros: u64 = frac.parse().map_err(|_| bad())?;
        for _ in frac.len()..6 {
            micros *= 10;
        }
        Ok(Ts::inline(secs * 1_000_000 + micros, s))
    }

    /// A `ts` of `key` written as `text` (already checked: at most [`MAX_LEN`] ASCII bytes).
    fn inline(key: u64, text: &str) -> Ts {
        let mut buf = [0; MAX_LEN];
        buf[..text.len()].copy_from_slice(text.as_bytes());
        Ts {
            key,
            len: text.len() as u8,
            text: buf,
        }
    }

    /// The `ts` of an instant, written as Slack writes it (six digits after the dot).
    pub fn from_micros(micros: u64) -> Ts {
        // Past year 5138 the seconds outgrow 11 digits; no Slack ts is that late.
        let micros = micros.min(99_999_999_999_999_999);
        let text = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
        Ts::inline(micros, &text)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and a dot are ever stored.
        std::str::from_utf8(&self.text[..usize::from(self.len)]).unwrap_or_default()
    }

    /// Microseconds since the Unix epoch: an exact, orderable key.
    pub fn micros(&self) -> u64 {
        self.key
    }

    pub fn seconds(&self) -> i64 {
        (self.key / 1_000_000) as i64
    }

    /// An HTML id and URL fragment for the message: `m1458980525-000012`.
    pub fn anchor(&self) -> String {
        let mut anchor = String::with_capacity(1 + self.as_str().len());
        anchor.push('m');
        self.push_dashed(&mut anchor);
        anchor
    }

    /// Appends the ts with its `.` as `-` (`1458980525-000012`): the form of anchors and of
    /// thread page names, which must agree.
    pub fn push_dashed(&self, out: &mut String) {
        match self.as_str().split_once('.') {
            Some((seconds, micros)) => {
                out.push_str(seconds);
                out.push('-');
                out.push_str(micros);
            }
            None => out.push_str(self.as_str()),
        }
    }
}

impl PartialEq for Ts {
    fn eq(&self, other: &Self) -> bool {
        // The key first: two spellings of one instant ("1.5", "1.500000") are rare.
        self.key == other.key && self.len == other.len && self.text == other.text
    }
}

impl Eq for Ts {}

impl std::hash::Hash for Ts {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Equal ts have equal keys.
        self.key.hash(state);
    }
}

impl PartialOrd for Ts {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ts {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key
            .cmp(&other.key)
            // Unused bytes are zero, below every digit: orders as the text does.
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ts({})", self.as_str())
    }
}

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor, so a ts is read without a String (a chat index holds 100,000).
        struct TsVisitor;
        impl serde::de::Visitor<'_> for TsVisitor {
            type Value = Ts;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Slack ts string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Ts, E> {
                Ts::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_str(TsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_is_written_as_slack_writes_it() {
        let ts = Ts::from_micros(1_458_980_525_000_012);
        assert_eq!(ts.as_str(), "1458980525.000012");
        assert_eq!(ts, Ts::parse("1458980525.000012").unwrap());
        assert_eq!(Ts::from_micros(0).as_str(), "0.000000");
        let longest = Ts::parse("99999999999.999999").unwrap();
        assert_eq!(longest.as_str(), "99999999999.999999");
        assert_eq!(Ts::from_micros(u64::MAX), longest);
    }

    #[test]
    fn orders_exactly_without_floats() {
        let a = Ts::parse("1458980525.000012").unwrap();
        let b = Ts::parse("1458980525.000013").unwrap();
        assert!(a < b);
        // One instant, two spellings: ordered, never equal.
        let short = Ts::parse("1458980525.5").unwrap();
        let long = Ts::parse("1458980525.500000").unwrap();
        assert_eq!(short.micros(), long.micros());
        assert!(short != long && short < long);
        assert_eq!(a.micros(), 1_458_980_525_000_012);
        assert_eq!(a.anchor(), "m1458980525-000012");
    }

    #[test]
    fn rejects_anything_that_could_be_a_path() {
        for bad in [
            "", "1", ".5", "1.", "../1.2", "1.2/3", "1.2.3", "abc.def", "1 .2", "-1.2",
        ] {
            assert!(Ts::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
