//! `loyalty`: see [`loyalty_cli`] for the commands.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(loyalty_cli::run(std::env::args_os()))
}
