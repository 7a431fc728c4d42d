//! The `scrollback` binary: parses arguments and hands over to the library.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    scrollback::cli::main()
}
