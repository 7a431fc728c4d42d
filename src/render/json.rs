//! Forgiving reads of Slack JSON: a field of the wrong type is treated as absent, never as an error,
//! since exports, events and hand-edited content files all disagree on details.

use serde_json::Value;

pub(crate) fn str_field<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// A non-empty string field.
pub(crate) fn nonempty_str<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    str_field(value, key).filter(|s| !s.is_empty())
}

pub(crate) fn array<'v>(value: &'v Value, key: &str) -> &'v [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

pub(crate) fn bool_field(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// An integer field; Slack sometimes sends numbers as strings (`"ts"`-like fields), and sometimes
/// as floats.
pub(crate) fn i64_field(value: &Value, key: &str) -> Option<i64> {
    match value.get(key)? {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 1e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn type_of(value: &Value) -> &str {
    str_field(value, "type").unwrap_or("")
}
