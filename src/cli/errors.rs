//! The one error printer: the error, then each cause on its own line. Every layer adds the file,
//! entry or key it was working on, so the chain reads from what failed to why.

pub fn print(e: &anyhow::Error) {
    let mut chain = e.chain();
    if let Some(top) = chain.next() {
        eprintln!("error: {top}");
    }
    for cause in chain {
        for (i, line) in cause.to_string().lines().enumerate() {
            if i == 0 {
                eprintln!("  caused by: {line}");
            } else {
                eprintln!("    {line}");
            }
        }
    }
}
