//! Publishing acts and privacy (issue 12): a private channel, a direct message or a group DM
//! reaches the site only when someone says `--private`, and `publish` chooses live or archived.

use crate::support::exports::synthetic_export;
use crate::support::project::Project;

fn settings(p: &Project, slug: &str) -> String {
    p.read(&format!("content/channels/{slug}/channel.toml"))
}

#[test]
fn a_private_conversation_is_published_only_with_private() {
    let (zip, _) = synthetic_export(1500, 4, 7, true);
    let p = Project::init();
    p.import(&zip);
    let dm = "d00000001";
    let private = "editors-only";
    assert!(settings(&p, dm).contains("kind = \"dm\""));
    assert!(settings(&p, private).contains("kind = \"private\""));
    let dm_headline = settings(&p, dm)
        .lines()
        .find_map(|l| l.strip_prefix("headline = "))
        .unwrap()
        .trim_matches('"')
        .to_owned();

    for (command, slug) in [("archive", dm), ("publish", private), ("publish", dm)] {
        let before = settings(&p, slug);
        let err = p.fails(&[command, slug]);
        for words in ["public site", "Nothing was changed", "--private"] {
            assert!(
                err.contains(words),
                "`{command} {slug}`: no {words:?} in {err}"
            );
        }
        assert_eq!(settings(&p, slug), before, "`{command} {slug}` changed it");
    }
    p.build();
    for slug in [dm, private] {
        assert!(!p.exists(&format!("site/{slug}")), "{slug} is on the site");
    }
    let index = p.read("site/index.html");
    assert!(
        !index.contains(dm) && !index.contains(&dm_headline),
        "{index}"
    );

    // Said on purpose: straight to an archived article, and the command says what went public.
    let out = p.ok(&["publish", private, "--archived", "--private"]);
    assert!(
        out.contains("now archived and public, although it is a private channel"),
        "{out}"
    );
    assert!(settings(&p, private).contains("state = \"archived\""));
    let out = p.ok(&["archive", dm, "--private"]);
    assert!(out.contains("a direct message"), "{out}");
    p.build();
    assert!(p.exists(&format!("site/{private}/index.html")));
    assert!(
        !p.exists(&format!("site/{private}/live.json")),
        "archived, not live"
    );
    assert!(p.read("site/index.html").contains(&dm_headline));
}

#[test]
fn publish_chooses_live_or_archived() {
    let p = Project::init();
    for (id, slug) in [("C1ONE", "one"), ("C2TWO", "two"), ("C3THREE", "three")] {
        p.ok(&[
            "channel",
            "add",
            id,
            "--slug",
            slug,
            "--headline",
            slug,
            "--draft",
        ]);
    }
    p.ok(&["publish", "one", "--archived"]);
    p.ok(&["publish", "two"]);
    p.ok(&["publish", "three", "--live"]);
    assert!(settings(&p, "one").contains("state = \"archived\""));
    assert!(settings(&p, "two").contains("state = \"live\""));
    assert!(settings(&p, "three").contains("state = \"live\""));
    let err = p.fails(&["publish", "one", "--live", "--archived"]);
    assert!(err.contains("cannot be used with"), "{err}");
    let out = p.ok(&["publish", "one"]);
    assert!(out.contains("already published (archived)"), "{out}");
}

/// `status` lists every chat with its state, kind, messages, last message and whether the site
/// has it: what an editor checks before a deploy (issue 12).
#[test]
fn status_shows_what_is_on_the_site() {
    let (zip, manifest) = synthetic_export(1500, 4, 7, true);
    let p = Project::init();
    p.import(&zip);
    p.build();
    p.ok(&["unpublish", "general"]);
    let out = p.ok(&["status"]);
    let row = |slug: &str| -> Vec<String> {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(slug))
            .unwrap_or_else(|| panic!("no row for {slug}:\n{out}"));
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    };
    assert!(out.starts_with("CHAT"), "{out}");
    let dm = row("d00000001");
    assert_eq!(dm[1..3], ["draft", "direct message"], "{out}");
    assert_eq!(dm[5], "no", "{out}");
    let live = row("live-election-1");
    assert_eq!(live[1..3], ["archived", "public channel"], "{out}");
    assert_eq!(live[5], "yes", "{out}");
    let messages = manifest["channels"]["live-election-1"]["messages"].as_u64();
    assert_eq!(live[3], messages.unwrap().to_string(), "{out}");
    assert!(row("general")[5].starts_with("yes (a draft"), "{out}");
}
