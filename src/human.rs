//! Figures as people read them, for the one-line reports and logs.

/// "1.23 s" or "45 ms".
pub fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}
