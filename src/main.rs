//! The `scrollback` binary: parses arguments and hands over to the library.

fn main() -> std::process::ExitCode {
    scrollback::cli::main()
}
