//! Slack's `ts`: the id of a message within a conversation, and its time.
//!
//! It is a string such as `"1458980525.000012"`. Parsing it as a float loses the last digits (two
//! messages in the same second would collide), so it stays a string and is compared through an
//! exact integer key. It also names the message's file, so only digits and one dot are allowed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A validated Slack timestamp.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Ts {
    text: String,
    key: u64,
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
        Ok(Ts {
            text: s.to_owned(),
            key: secs * 1_000_000 + micros,
        })
    }

    /// The `ts` of an instant, written as Slack writes it (six digits after the dot).
    pub fn from_micros(micros: u64) -> Ts {
        Ts {
            text: format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000),
            key: micros,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
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
        format!("m{}", self.text.replace('.', "-"))
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
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ts({})", self.text)
    }
}

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ts::parse(&s).map_err(serde::de::Error::custom)
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
    }

    #[test]
    fn orders_exactly_without_floats() {
        let a = Ts::parse("1458980525.000012").unwrap();
        let b = Ts::parse("1458980525.000013").unwrap();
        assert!(a < b);
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
