use std::process::ExitCode;

use clap::Parser;

/// Many threads allocate and free each other's buffers under load, where
/// glibc's allocator spent a tenth of the server's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = patchbay::cli::Cli::parse();
    match patchbay::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            patchbay::logging::report_error(&err);
            ExitCode::FAILURE
        }
    }
}
