//! Colors from messages (attachment bars, rich_text `color` elements). A validated hex color is
//! the only message-derived value ever written into a `style` attribute.

/// An attachment's `color`: Slack's three named colors, or hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttachmentColor<'a> {
    /// `good`, `warning` or `danger`, styled by the theme through a class.
    Named(&'static str),
    /// Hex digits (3 or 6), without `#`.
    Hex(&'a str),
}

pub(crate) fn attachment_color(value: &str) -> Option<AttachmentColor<'_>> {
    match value {
        "good" => Some(AttachmentColor::Named("good")),
        "warning" => Some(AttachmentColor::Named("warning")),
        "danger" => Some(AttachmentColor::Named("danger")),
        _ => hex_digits(value).map(AttachmentColor::Hex),
    }
}

/// The hex digits of `#rgb`, `#rrggbb`, `rgb` or `rrggbb`; nothing else.
pub(crate) fn hex_digits(value: &str) -> Option<&str> {
    let digits = value.strip_prefix('#').unwrap_or(value);
    (matches!(digits.len(), 3 | 6) && digits.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hex_and_names_only() {
        assert_eq!(
            attachment_color("36a64f"),
            Some(AttachmentColor::Hex("36a64f"))
        );
        assert_eq!(
            attachment_color("#36A64F"),
            Some(AttachmentColor::Hex("36A64F"))
        );
        assert_eq!(attachment_color("#fff"), Some(AttachmentColor::Hex("fff")));
        assert_eq!(
            attachment_color("good"),
            Some(AttachmentColor::Named("good"))
        );
        for bad in [
            "",
            "#",
            "red",
            "#12345",
            "#1234567",
            "36a64g",
            "#fff;background:url(x)",
            "fff\"",
            "expression(x)",
            "#ｆｆｆ",
        ] {
            assert_eq!(attachment_color(bad), None, "{bad:?}");
        }
    }
}
