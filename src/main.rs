use std::process::ExitCode;

fn main() -> ExitCode {
    trieve_lite::cli::main()
}
