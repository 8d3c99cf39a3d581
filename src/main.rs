use std::process::ExitCode;

fn main() -> ExitCode {
    trieve_lite::cli::main()
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
