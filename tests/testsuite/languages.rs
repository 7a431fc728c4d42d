//! The site's `language`: the theme's words from its translation tables (overridable by the
//! site), dates and times in that language with their zone, and what happens for a language the
//! theme does not have. The live page in French is in `live_page.rs`.

use serde_json::json;

use crate::support::exports::{mini_export, write_zip};
use crate::support::project::Project;

/// An archived chat `direct` of four messages on 2018-03-06 (15:04 in Paris): one edited, one
/// with a reply, one with a Slack date token.
fn french_project(config: &str) -> Project {
    let p = Project::init();
    p.write("scrollback.toml", config);
    let messages = json!([
        {"type": "message", "user": "U1", "ts": "1520345040.000100", "text": "Bonjour",
         "edited": {"user": "U1", "ts": "1520345100.000000"}},
        {"type": "message", "user": "U1", "ts": "1520345100.000100", "text": "Une question",
         "thread_ts": "1520345100.000100", "reply_count": 1},
        {"type": "message", "user": "U1", "ts": "1520345160.000100", "text": "Une réponse",
         "thread_ts": "1520345100.000100", "parent_user_id": "U1"},
        {"type": "message", "user": "U1", "ts": "1520345220.000100",
         "text": "Rendez-vous <!date^1520345040^{date_long}, {time}|bientôt>"}
    ]);
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("x.zip");
    write_zip(&zip, &mini_export("direct", messages));
    p.import(&zip).build();
    p
}

#[test]
fn a_french_site_has_french_words_and_dates_with_zones() {
    let p = french_project("language = \"fr\"\ntimezone = \"Europe/Paris\"\n");

    let index = p.page("site/index.html");
    assert_eq!(index.attrs("html", "lang"), ["fr"]);
    assert_eq!(index.text(".skip-link"), "Aller au contenu");
    let kicker = index.text(".chat-card .kicker");
    assert!(
        kicker.contains("Discussion") && kicker.contains("6 mars 2018"),
        "{kicker}"
    );
    assert_eq!(index.text(".chat-card .meta"), "4 messages");
    assert_eq!(index.text(".colophon"), "Publié avec scrollback.");

    let chat = p.page("site/direct/index.html");
    assert_eq!(chat.text(".page-header .kicker"), "Discussion archivée");
    assert_eq!(chat.text(".day-divider"), "6 mars 2018");
    let first = "li[data-ts='1520345040.000100']";
    assert_eq!(chat.text(&format!("{first} .timestamp")), "15:04 CET");
    assert_eq!(chat.text(&format!("{first} .edited")), "(modifié)");
    assert_eq!(
        chat.text(".thread-count"),
        "1 réponse",
        "French: 1 is singular"
    );
    assert_eq!(chat.attrs("section.thread", "aria-label"), ["Réponses"]);
    assert!(chat.text(".feeds").starts_with("Intégrer cette discussion"));
    let token = chat.text("li[data-ts='1520345220.000100'] .text");
    assert!(token.contains("mardi 6 mars 2018, 15:04"), "{token}");
    assert!(!chat.text("body").contains("Chat archive"));

    // The feeds carry the same French dates, and the zone apart from the clock.
    let feed = p.feed("direct");
    let time = &feed["messages"][0]["time"];
    assert_eq!(time["date"], "6 mars 2018");
    assert_eq!(time["time"], "15:04");
    assert_eq!(time["zone"], "CET");
    assert_eq!(time["iso"], "2018-03-06T15:04:00+01:00");
}

#[test]
fn english_times_show_their_zone_and_spanish_is_shipped_too() {
    let p = french_project("timezone = \"America/New_York\"\n");
    let chat = p.page("site/direct/index.html");
    assert_eq!(chat.text(".day-divider"), "March 6, 2018");
    assert_eq!(
        chat.text("li[data-ts='1520345040.000100'] .timestamp"),
        "9:04 AM EST"
    );
    assert_eq!(chat.text(".thread-count"), "1 reply");
    assert_eq!(chat.text(".page-header .kicker"), "Chat archive");

    p.write(
        "scrollback.toml",
        "language = \"es\"\ntimezone = \"America/New_York\"\n",
    );
    p.build();
    let chat = p.page("site/direct/index.html");
    assert_eq!(chat.text(".day-divider"), "6 de marzo de 2018");
    assert_eq!(chat.text(".thread-count"), "1 respuesta");
    assert_eq!(chat.text(".page-header .kicker"), "Chat archivado");
}

#[test]
fn a_site_overrides_words_and_a_language_without_words_is_english_with_a_warning() {
    let p = french_project("language = \"fr\"\ntimezone = \"Europe/Paris\"\n");
    p.write("i18n/fr.toml", "edited = \"(corrigé)\"\n");
    p.build();
    let chat = p.page("site/direct/index.html");
    let first = "li[data-ts='1520345040.000100']";
    assert_eq!(chat.text(&format!("{first} .edited")), "(corrigé)");
    assert_eq!(
        chat.text(".thread-count"),
        "1 réponse",
        "the rest stays the theme's"
    );

    // A counted string needs its `other` form: the error names the file and the key.
    p.write("i18n/fr.toml", "[replies]\none = \"{n} réponse\"\n");
    let err = p.fails(&["build"]);
    assert!(
        err.contains("i18n/fr.toml") && err.contains("[replies]"),
        "{err}"
    );

    std::fs::remove_dir_all(p.path("i18n")).unwrap();
    p.write(
        "scrollback.toml",
        "language = \"de\"\ntimezone = \"Europe/Berlin\"\n",
    );
    let out = p.run(&["build"]);
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("no words in language \"de\"") && log.contains("i18n/de.toml"),
        "{log}"
    );
    assert!(log.contains("dates are in English"), "{log}");
    let chat = p.page("site/direct/index.html");
    assert_eq!(chat.attrs("html", "lang"), ["de"]);
    assert_eq!(chat.text(&format!("{first} .edited")), "(edited)");
    assert_eq!(chat.text(".day-divider"), "March 6, 2018");
}

#[test]
fn newest_first_lists_a_live_chat_from_its_newest_message() {
    let p = Project::init();
    p.write(
        "scrollback.toml",
        "timezone = \"UTC\"\n[extra]\nnewest_first = true\n",
    );
    // Two days: 2018-03-06 and 2018-03-07.
    let messages = json!([
        {"type": "message", "user": "U1", "ts": "1520345040.000100", "text": "one"},
        {"type": "message", "user": "U1", "ts": "1520345100.000100", "text": "two"},
        {"type": "message", "user": "U1", "ts": "1520431500.000100", "text": "three"}
    ]);
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("x.zip");
    write_zip(&zip, &mini_export("direct", messages));
    p.import(&zip).build();
    let order = |p: &Project| {
        p.page("site/direct/index.html")
            .select("ol.messages > li")
            .iter()
            .map(|li| {
                li.value()
                    .attr("data-ts")
                    .map_or_else(|| li.text().collect::<String>(), str::to_owned)
            })
            .collect::<Vec<_>>()
    };
    // Archived chats read oldest first whatever the option.
    assert_eq!(
        order(&p),
        [
            "March 6, 2018",
            "1520345040.000100",
            "1520345100.000100",
            "March 7, 2018",
            "1520431500.000100"
        ]
    );
    let settings = p.read("content/channels/direct/channel.toml");
    p.write(
        "content/channels/direct/channel.toml",
        &settings.replace("state = \"archived\"", "state = \"live\""),
    );
    p.build();
    assert_eq!(
        order(&p),
        [
            "March 7, 2018",
            "1520431500.000100",
            "March 6, 2018",
            "1520345100.000100",
            "1520345040.000100"
        ]
    );
    let page = p.page("site/direct/index.html");
    assert_eq!(page.attrs(".live-follow", "data-newest-first"), ["true"]);
}
