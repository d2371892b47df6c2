use std::process::ExitCode;

use clap::Parser;

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
