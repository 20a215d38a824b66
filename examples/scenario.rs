//! Plays scenario files (SPEC section 7) through the public Rust API.
//!
//! `cargo run --release --example scenario -- ../shared/scenarios/*.json`
//!
//! Prints `ok FILE` or `FAIL FILE step N: what differed` for each, and exits non-zero if any
//! failed.

use std::process::ExitCode;

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: scenario FILE...");
        return ExitCode::from(2);
    }
    let mut failed = 0;
    for file in &files {
        let result = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| loyalty::scenario::run(&text).map_err(|f| f.to_string()));
        match result {
            Ok(()) => println!("ok {file}"),
            Err(why) => {
                failed += 1;
                println!("FAIL {file} {why}");
            }
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
