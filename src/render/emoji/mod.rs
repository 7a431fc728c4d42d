//! Slack's standard emoji short names (`+1`, `flag-us`, `point_up::skin-tone-3`) to Unicode.
//!
//! Slack names its standard emoji after iamcal's emoji-data, so the table in `table.rs` is
//! generated from that dataset (`tools/gen-emoji-table.mjs`) and checked in: a lookup is a binary
//! search over static data, with nothing parsed at startup. The build uses [`lookup`] for
//! reactions too, so it accepts the forms reactions use as well as the forms in message text.

mod table;

/// The emoji-datasource (iamcal/emoji-data, MIT) version the table was generated from, for
/// attribution pages.
pub const DATASET_VERSION: &str = table::DATASET_VERSION;

/// The Unicode form of a standard emoji short name, without the surrounding colons (one leading
/// and one trailing colon are ignored if given).
///
/// Skin tones come as Slack writes them: `wave::skin-tone-3`, and for two-person emoji either one
/// tone for both (`handshake::skin-tone-2`) or two (`people_holding_hands::skin-tone-2::skin-tone-5`).
/// A tone on an emoji that has no toned forms is ignored, as Slack shows such emoji untoned.
/// Custom workspace emoji are not here: the caller asks its `Lookup` for those.
pub fn lookup(shortcode: &str) -> Option<&'static str> {
    let code = shortcode.strip_prefix(':').unwrap_or(shortcode);
    let code = code.strip_suffix(':').unwrap_or(code);
    let mut parts = code.split("::");
    let base = parts.next()?;
    let mut tones = [0u8; 2];
    for (slot, part) in parts.enumerate() {
        let tone = parse_tone(part)?;
        *tones.get_mut(slot)? = tone;
    }
    lookup_toned(base, tones[0], tones[1])
}

/// An emoji by name with skin tones already split out, as rich_text `emoji` elements give them
/// (`skin_tone` 2..=6; 0 for none). Unknown tones are ignored rather than failing the emoji.
pub(crate) fn lookup_toned(name: &str, tone: u8, second_tone: u8) -> Option<&'static str> {
    let index = table::NAMES
        .binary_search_by(|(n, _)| n.as_bytes().cmp(name.as_bytes()))
        .ok()?;
    let glyph_index = table::NAMES[index].1;
    let glyph = *table::GLYPHS.get(usize::from(glyph_index))?;
    if !(2..=6).contains(&tone) {
        return Some(glyph);
    }
    let keys = if (2..=6).contains(&second_tone) {
        [
            tone * 10 + second_tone,
            if tone == second_tone { tone * 10 } else { 0 },
        ]
    } else {
        // One tone for a two-person emoji means the same tone for both.
        [tone * 10, tone * 10 + tone]
    };
    keys.iter()
        .filter(|&&key| key != 0)
        .find_map(|&key| toned(glyph_index, key))
        .or(Some(glyph))
}

fn toned(glyph_index: u16, key: u8) -> Option<&'static str> {
    let i = table::TONES
        .binary_search_by(|(g, k, _)| (*g, *k).cmp(&(glyph_index, key)))
        .ok()?;
    Some(table::TONES[i].2)
}

/// `skin-tone-2` ..= `skin-tone-6` to 2..=6.
fn parse_tone(part: &str) -> Option<u8> {
    match part.strip_prefix("skin-tone-")? {
        "2" => Some(2),
        "3" => Some(3),
        "4" => Some(4),
        "5" => Some(5),
        "6" => Some(6),
        _ => None,
    }
}

/// Decodes the `unicode` field of a rich_text `emoji` element: hex code points joined by `-`
/// (`1f44d-1f3fd`). `None` for anything malformed or containing control characters, so the
/// caller falls back to the name.
pub(crate) fn from_hex_codepoints(hex: &str) -> Option<String> {
    // The longest real sequences (families, kisses with tones) have 10 code points.
    const MAX_CODEPOINTS: usize = 16;
    let mut out = String::new();
    for (n, part) in hex.split('-').enumerate() {
        if n >= MAX_CODEPOINTS || part.is_empty() || part.len() > 6 {
            return None;
        }
        let value = u32::from_str_radix(part, 16).ok()?;
        let c = char::from_u32(value)?;
        if c.is_control() {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Count of `short_names` in emoji-datasource 16.0.0 (every name and alias, all distinct).
    const DATASET_SHORT_NAMES: usize = 1972;

    /// Every 25th short name of the dataset in byte order, with its `unified` field, copied from
    /// emoji-datasource 16.0.0's emoji.json (independently of the generated table).
    const SAMPLE: &[(&str, &str)] = &[
        ("+1", "1F44D"),
        ("anchor", "2693"),
        ("arrow_upper_left", "2196-FE0F"),
        ("baggage_claim", "1F6C4"),
        ("beans", "1FAD8"),
        ("black_cat", "1F408-200D-2B1B"),
        ("boat", "26F5"),
        ("broccoli", "1F966"),
        ("calling", "1F4F2"),
        ("chart", "1F4B9"),
        ("classical_building", "1F3DB-FE0F"),
        ("clock9", "1F558"),
        ("confused", "1F615"),
        ("crocodile", "1F40A"),
        ("dagger_knife", "1F5E1-FE0F"),
        ("diya_lamp", "1FA94"),
        ("duck", "1F986"),
        ("envelope_with_arrow", "1F4E9"),
        ("face_with_one_eyebrow_raised", "1F928"),
        ("feet", "1F43E"),
        ("female_sign", "2640-FE0F"),
        ("fishing_pole_and_fish", "1F3A3"),
        ("flag-bg", "1F1E7-1F1EC"),
        ("flag-cm", "1F1E8-1F1F2"),
        ("flag-es", "1F1EA-1F1F8"),
        ("flag-gu", "1F1EC-1F1FA"),
        ("flag-kg", "1F1F0-1F1EC"),
        ("flag-mf", "1F1F2-1F1EB"),
        ("flag-nl", "1F1F3-1F1F1"),
        ("flag-ru", "1F1F7-1F1FA"),
        ("flag-ta", "1F1F9-1F1E6"),
        ("flag-vc", "1F1FB-1F1E8"),
        ("fly", "1FAB0"),
        ("full_moon", "1F315"),
        ("gorilla", "1F98D"),
        ("hamster", "1F439"),
        ("heartpulse", "1F497"),
        ("hook", "1FA9D"),
        ("identification_card", "1FAAA"),
        ("joystick", "1F579-FE0F"),
        ("koko", "1F201"),
        ("last_quarter_moon_with_face", "1F31C"),
        ("link", "1F517"),
        ("luggage", "1F9F3"),
        ("male-mechanic", "1F468-200D-1F527"),
        ("man-cartwheeling", "1F938-200D-2642-FE0F"),
        ("man-rowing-boat", "1F6A3-200D-2642-FE0F"),
        ("man_in_steamy_room", "1F9D6-200D-2642-FE0F"),
        ("mechanical_arm", "1F9BE"),
        ("mirror", "1FA9E"),
        ("mountain_railway", "1F69E"),
        ("new", "1F195"),
        ("ocean", "1F30A"),
        ("open_file_folder", "1F4C2"),
        ("parking", "1F17F-FE0F"),
        ("person_feeding_baby", "1F9D1-200D-1F37C"),
        ("pig", "1F437"),
        ("poodle", "1F429"),
        ("purple_heart", "1F49C"),
        ("ram", "1F40F"),
        ("rice_ball", "1F359"),
        ("ru", "1F1F7-1F1FA"),
        ("school_satchel", "1F392"),
        ("shaved_ice", "1F367"),
        ("skier", "26F7-FE0F"),
        ("smiley", "1F603"),
        ("sound", "1F509"),
        ("standing_person", "1F9CD"),
        ("sunflower", "1F33B"),
        ("tanabata_tree", "1F38B"),
        ("thumbsup", "1F44D"),
        ("transgender_flag", "1F3F3-FE0F-200D-26A7-FE0F"),
        ("u5408", "1F234"),
        ("vibration_mode", "1F4F3"),
        ("weary", "1F629"),
        ("wine_glass", "1F377"),
        (
            "woman-kiss-man",
            "1F469-200D-2764-FE0F-200D-1F48B-200D-1F468",
        ),
        ("woman_feeding_baby", "1F469-200D-1F37C"),
        ("world_map", "1F5FA-FE0F"),
    ];

    fn from_unified(unified: &str) -> String {
        from_hex_codepoints(unified).expect("sample is valid hex")
    }

    #[test]
    fn table_covers_every_short_name_of_the_dataset() {
        assert_eq!(table::DATASET_VERSION, "16.0.0");
        assert_eq!(table::NAMES.len(), DATASET_SHORT_NAMES);
        for (name, _) in table::NAMES.iter() {
            assert!(lookup(name).is_some(), "{name} does not resolve");
        }
    }

    #[test]
    fn names_are_sorted_and_distinct_so_binary_search_finds_them() {
        for pair in table::NAMES.windows(2) {
            assert!(
                pair[0].0.as_bytes() < pair[1].0.as_bytes(),
                "{} !< {}",
                pair[0].0,
                pair[1].0
            );
        }
        for pair in table::TONES.windows(2) {
            assert!((pair[0].0, pair[0].1) < (pair[1].0, pair[1].1));
        }
    }

    #[test]
    fn sample_of_the_dataset_resolves_to_its_code_points() {
        assert_eq!(SAMPLE.len(), DATASET_SHORT_NAMES.div_ceil(25));
        for (name, unified) in SAMPLE {
            assert_eq!(lookup(name), Some(from_unified(unified).as_str()), "{name}");
        }
    }

    #[test]
    fn aliases_and_flags() {
        assert_eq!(lookup("+1"), Some("\u{1F44D}"));
        assert_eq!(lookup("thumbsup"), Some("\u{1F44D}"));
        assert_eq!(lookup("-1"), Some("\u{1F44E}"));
        assert_eq!(lookup("flag-us"), Some("\u{1F1FA}\u{1F1F8}"));
        assert_eq!(lookup("us"), Some("\u{1F1FA}\u{1F1F8}"));
        assert_eq!(lookup("fox_face"), Some("\u{1F98A}"));
        assert_eq!(lookup("point_up"), Some("\u{261D}\u{FE0F}"));
        assert_eq!(lookup(":tada:"), Some("\u{1F389}"));
    }

    #[test]
    fn skin_tones() {
        assert_eq!(lookup("point_up::skin-tone-3"), Some("\u{261D}\u{1F3FC}"));
        assert_eq!(lookup("+1::skin-tone-2"), Some("\u{1F44D}\u{1F3FB}"));
        assert_eq!(lookup("wave::skin-tone-6"), Some("\u{1F44B}\u{1F3FF}"));
        for (tone, modifier) in (2..=6).zip('\u{1F3FB}'..='\u{1F3FF}') {
            let expected = format!("\u{270B}{modifier}");
            assert_eq!(
                lookup(&format!("hand::skin-tone-{tone}")),
                Some(expected.as_str())
            );
        }
        // The tone modifiers are emoji of their own.
        assert_eq!(lookup("skin-tone-4"), Some("\u{1F3FD}"));
    }

    #[test]
    fn two_person_emoji_take_one_or_two_tones() {
        assert_eq!(
            lookup("people_holding_hands::skin-tone-2::skin-tone-3"),
            Some("\u{1F9D1}\u{1F3FB}\u{200D}\u{1F91D}\u{200D}\u{1F9D1}\u{1F3FC}")
        );
        assert_eq!(
            lookup("people_holding_hands::skin-tone-2"),
            Some("\u{1F9D1}\u{1F3FB}\u{200D}\u{1F91D}\u{200D}\u{1F9D1}\u{1F3FB}")
        );
        assert_eq!(lookup("handshake::skin-tone-2"), Some("\u{1F91D}\u{1F3FB}"));
        assert_eq!(
            lookup("handshake::skin-tone-2::skin-tone-3"),
            Some("\u{1FAF1}\u{1F3FB}\u{200D}\u{1FAF2}\u{1F3FC}")
        );
    }

    #[test]
    fn tone_on_untoned_emoji_is_ignored_but_bad_tones_are_not_emoji() {
        assert_eq!(lookup("tada::skin-tone-3"), Some("\u{1F389}"));
        assert_eq!(lookup("wave::skin-tone-7"), None);
        assert_eq!(lookup("wave::skin-tone-1"), None);
        assert_eq!(lookup("wave::bogus"), None);
        assert_eq!(lookup("wave::skin-tone-2::skin-tone-2::skin-tone-2"), None);
        assert_eq!(lookup_toned("wave", 9, 0), Some("\u{1F44B}"));
    }

    #[test]
    fn unknown_names() {
        assert_eq!(lookup(""), None);
        assert_eq!(lookup("partyparrot"), None);
        assert_eq!(lookup("THUMBSUP"), None);
        assert_eq!(lookup("::"), None);
    }

    #[test]
    fn hex_codepoints() {
        assert_eq!(
            from_hex_codepoints("1f44d-1f3fd").as_deref(),
            Some("\u{1F44D}\u{1F3FD}")
        );
        assert_eq!(
            from_hex_codepoints("0023-fe0f-20e3").as_deref(),
            Some("#\u{FE0F}\u{20E3}")
        );
        assert_eq!(from_hex_codepoints(""), None);
        assert_eq!(from_hex_codepoints("zz"), None);
        assert_eq!(from_hex_codepoints("d800"), None);
        assert_eq!(from_hex_codepoints("110000"), None);
        assert_eq!(from_hex_codepoints("0a"), None);
        assert_eq!(from_hex_codepoints("1f44d--1f3fd"), None);
        assert_eq!(from_hex_codepoints(&"1f44d-".repeat(40)), None);
    }
}
