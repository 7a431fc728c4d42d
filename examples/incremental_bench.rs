//! Incremental rebuild times on a built project, as `watch` sees them (the builder kept in
//! memory, told what changed): one new message, one edited stylesheet, one edited chat template.
//! Prints each time and how many files it rewrote. Changes are undone at the end.
//!
//! Usage: incremental_bench PROJECT_DIR   (after `scrollback -C PROJECT_DIR build`)

use std::path::Path;
use std::time::Instant;

use scrollback::build::{Change, Mode, SiteBuilder};
use scrollback::content::Ts;
use scrollback::progress::ProgressMode;
use scrollback::project::Project;

mod bench_support;

// The allocator the `scrollback` binary uses (src/main.rs): its figures are what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: incremental_bench PROJECT_DIR");
    let project = Project::new(std::fs::canonicalize(&dir)?);
    let mut builder = SiteBuilder::new(&project, Mode::LongLived, ProgressMode::Quiet);

    let t = Instant::now();
    let full = builder.build(&[Change::Everything])?;
    let full_s = t.elapsed().as_secs_f64();
    println!(
        "load (check every input, render what changed): {:.3} s, {} rendered",
        full_s, full.rendered
    );

    // The biggest chat gets a new message at its end.
    let store = project.open_store()?;
    let slug = bench_support::biggest_chat(&store)?;
    let ts = Ts::parse("1999999999.000001")?;
    let path = bench_support::write_message(&store, &slug, &ts)?;
    measure(
        &mut builder,
        "(a) one new message",
        &[Change::Message(slug.clone(), ts.clone())],
    )?;
    std::fs::remove_file(&path)?;
    builder.build(&[Change::Message(slug, ts)])?;

    let theme = project.themes_dir().join("default");
    let css = theme.join("static/assets/style.css");
    let css_change = Change::Static("themes/default/static/assets/style.css".to_owned());
    edit(
        &css,
        |s| format!("{s}\n.bench {{ color: red }}\n"),
        || {
            measure(
                &mut builder,
                "(b) one edited stylesheet",
                std::slice::from_ref(&css_change),
            )
        },
    )?;
    builder.build(&[css_change])?;

    let chat = theme.join("templates/chat.html");
    let chat_change = Change::Theme("themes/default/templates/chat.html".to_owned());
    edit(
        &chat,
        |s| s.replace("class=\"kicker\"", "class=\"kicker bench\""),
        || {
            measure(
                &mut builder,
                "(c) one edited chat template",
                std::slice::from_ref(&chat_change),
            )
        },
    )?;
    builder.build(&[chat_change])?;
    Ok(())
}

fn edit(
    path: &Path,
    change: impl Fn(&str) -> String,
    then: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let before = std::fs::read_to_string(path)?;
    let after = change(&before);
    // A theme that moved the edited text elsewhere would make this measure nothing.
    anyhow::ensure!(
        after != before,
        "the edit changes nothing in {}",
        path.display()
    );
    std::fs::write(path, after)?;
    let result = then();
    std::fs::write(path, before)?;
    result
}

fn measure(builder: &mut SiteBuilder, what: &str, changes: &[Change]) -> anyhow::Result<()> {
    let t = Instant::now();
    let report = builder.build(changes)?;
    println!(
        "{what}: {:.1} ms, {} rendered, {} files rewritten ({} bytes)",
        t.elapsed().as_secs_f64() * 1000.0,
        report.rendered,
        report.written.len(),
        report.bytes_written
    );
    Ok(())
}
