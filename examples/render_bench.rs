//! Renders every message of a Slack export on one thread and prints messages per second.
//!
//! ```text
//! python3 tools/gen_slack_export.py --messages 100000 --channels 20 --seed 1 --out /tmp/x.zip
//! cargo run --release --no-default-features --example render_bench -- /tmp/x.zip [passes]
//! ```
//!
//! Only rendering is timed: the archive is read and its JSON parsed first, as the build has the
//! content tree's messages parsed before it renders them. The best of several passes is reported,
//! so a busy second core skews the figure less.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::time::Instant;

use scrollback::render::html_check::check_html;
use scrollback::render::{ChannelRef, Lookup, RenderOptions, render_message};
use serde_json::Value;

// The allocator the `scrollback` binary uses (src/main.rs): its figures are what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct ExportLookup {
    users: HashMap<String, String>,
    channels: HashMap<String, (String, String)>,
}

impl Lookup for ExportLookup {
    fn user_name(&self, id: &str) -> Option<&str> {
        self.users.get(id).map(String::as_str)
    }
    fn channel(&self, id: &str) -> Option<ChannelRef<'_>> {
        self.channels.get(id).map(|(name, url)| ChannelRef {
            name,
            url: Some(url),
        })
    }
    fn custom_emoji(&self, _name: &str) -> Option<&str> {
        None
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: render_bench EXPORT.zip [passes]"))?;
    let passes: usize = args.next().map(|p| p.parse()).transpose()?.unwrap_or(5);

    let mut archive = zip::ZipArchive::new(File::open(&path)?)?;
    let mut users = HashMap::new();
    let mut channels = HashMap::new();
    let mut messages: Vec<Value> = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        if !entry.is_file() {
            continue;
        }
        let name = entry.name().to_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        let json: Value = serde_json::from_slice(&bytes)?;
        match name.as_str() {
            "users.json" => {
                for user in json.as_array().into_iter().flatten() {
                    let profile = &user["profile"];
                    let display = [
                        &profile["display_name"],
                        &profile["real_name"],
                        &user["name"],
                    ]
                    .into_iter()
                    .filter_map(Value::as_str)
                    .find(|s| !s.is_empty())
                    .unwrap_or_default();
                    if let Some(id) = user["id"].as_str() {
                        users.insert(id.to_owned(), display.to_owned());
                    }
                }
            }
            "channels.json" => {
                for channel in json.as_array().into_iter().flatten() {
                    if let (Some(id), Some(name)) =
                        (channel["id"].as_str(), channel["name"].as_str())
                    {
                        channels.insert(id.to_owned(), (name.to_owned(), format!("/{name}/")));
                    }
                }
            }
            _ if name.contains('/') && name.ends_with(".json") => {
                if let Value::Array(day) = json {
                    messages.extend(day);
                }
            }
            _ => {}
        }
    }
    let lookup = ExportLookup { users, channels };
    let options = RenderOptions {
        timezone: jiff::tz::TimeZone::UTC,
        language: scrollback::locale::Language::English,
    };
    println!(
        "{} messages, {} users, {} channels",
        messages.len(),
        lookup.users.len(),
        lookup.channels.len()
    );

    let mut best = f64::MAX;
    let mut checksum = 0usize;
    for pass in 1..=passes {
        let started = Instant::now();
        let mut bytes = 0usize;
        for message in &messages {
            let out = render_message(message, &lookup, &options);
            bytes += out.html.len() + out.text.len();
        }
        let seconds = started.elapsed().as_secs_f64();
        best = best.min(seconds);
        checksum = bytes;
        println!(
            "pass {pass}: {:.3} s, {:.0} messages/s",
            seconds,
            messages.len() as f64 / seconds
        );
    }
    println!(
        "best: {:.0} messages/s on one thread ({} bytes of output per pass)",
        messages.len() as f64 / best,
        checksum
    );

    // Untimed: every output must pass the safety checker.
    let mut unsafe_outputs = 0;
    for message in &messages {
        let out = render_message(message, &lookup, &options);
        if let Err(problem) = check_html(&out.html) {
            unsafe_outputs += 1;
            eprintln!("{problem}: {}", out.html);
        }
    }
    println!(
        "safety check: {unsafe_outputs} of {} outputs failed",
        messages.len()
    );
    anyhow::ensure!(unsafe_outputs == 0, "unsafe output");
    Ok(())
}
