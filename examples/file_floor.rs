//! The disk's floor for an import: creates the same number of files, of the same sizes, as a
//! content tree holds, in a fresh folder on the same disk. `scripts/bench` compares `import`
//! with it (the target: within 1.5 times the floor).
//!
//! Usage: file_floor CONTENT_DIR OUT_DIR

use std::io::Write;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(content), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: file_floor CONTENT_DIR OUT_DIR");
        std::process::exit(2);
    };
    let mut sizes = Vec::new();
    for entry in walkdir::WalkDir::new(&content) {
        let entry = entry?;
        if entry.file_type().is_file() {
            sizes.push(entry.metadata()?.len() as usize);
        }
    }
    let started = std::time::Instant::now();
    let buf = vec![b'x'; sizes.iter().copied().max().unwrap_or(0)];
    // The same shape as a content tree: folders of a few thousand files.
    for (i, size) in sizes.iter().enumerate() {
        let dir = std::path::Path::new(&out).join(format!("d{}", i / 5000));
        if i % 5000 == 0 {
            std::fs::create_dir_all(&dir)?;
        }
        let mut f = std::fs::File::create(dir.join(format!("{i}.json")))?;
        f.write_all(&buf[..*size])?;
    }
    println!(
        "{} files, {} bytes in {:.2} s",
        sizes.len(),
        sizes.iter().sum::<usize>(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
