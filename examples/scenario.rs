//! Plays scenario files (SPEC section 7) through the public Rust API.
//!
//! `cargo run --release --example scenario -- ../shared/scenarios/*.json`
//!
//! Prints `ok FILE` or `FAIL FILE step N: what differed` for each, and exits non-zero if any
//! failed. With `--trace FILE`, prints what each step gives instead, one JSON line per step
//! (`loyalty_core::scenario::trace`), for the conformance test that compares the bindings.

use std::process::ExitCode;

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, file] = files.as_slice() {
        if flag == "--trace" {
            return trace(file);
        }
    }
    if files.is_empty() {
        eprintln!("usage: scenario FILE...");
        return ExitCode::from(2);
    }
    let mut failed = 0;
    for file in &files {
        let result = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| loyalty_core::scenario::run(&text).map_err(|f| f.to_string()));
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

fn trace(file: &str) -> ExitCode {
    let result = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(|text| loyalty_core::scenario::trace(&text).map_err(|f| f.to_string()));
    match result {
        Ok(values) => {
            for value in values {
                println!("{value}");
            }
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("{file}: {why}");
            ExitCode::FAILURE
        }
    }
}
