//! Figures as people read them: durations and sizes in summaries and log lines, written one way
//! wherever the program reports them.

/// "1 event", "3 events": a count and its noun, in the number the count needs.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "1.23 s" or "45 ms".
pub fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

/// "1.2 MB".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if v < 1000.0 {
            break;
        }
        v /= 1000.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_500), "1.5 kB");
        assert_eq!(bytes(2_345_678), "2.3 MB");
    }

    #[test]
    fn counts() {
        assert_eq!(count(1, "event", "events"), "1 event");
        assert_eq!(count(0, "event", "events"), "0 events");
        assert_eq!(count(2, "entry", "entries"), "2 entries");
    }

    #[test]
    fn durations() {
        assert_eq!(seconds(0.045), "45 ms");
        assert_eq!(seconds(1.234), "1.23 s");
    }
}
