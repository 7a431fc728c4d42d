//! Reading what `scrollback deploy` prints: the numbers of its summary line and the paths of a
//! dry run.

/// The number in a summary line before `word`: `count(out, "uploaded")` in "... 3 uploaded ...".
pub fn count(summary: &str, word: &str) -> usize {
    let words: Vec<&str> = summary.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[1].trim_end_matches([',', ';']) == word)
        .and_then(|w| w[0].parse().ok())
        .unwrap_or_else(|| panic!("no number before {word:?} in {summary:?}"))
}

/// The lines of a dry run that start with `verb` (upload or delete), as paths.
pub fn dry_lines(out: &str, verb: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix(verb).and_then(|r| r.strip_prefix(' ')))
        .map(str::to_owned)
        .collect()
}
