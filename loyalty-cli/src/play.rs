//! `loyalty play`: scenario files (SPEC section 7) through the Rust engine.

use std::io::Write;
use std::path::PathBuf;

use crate::{Failure, Outcome};

/// Plays each file, printing `ok FILE` or `FAIL FILE: why`, then `N passed, M failed`.
pub(crate) fn play(files: &[PathBuf], out: &mut dyn Write) -> Outcome {
    let mut failed = 0usize;
    for file in files {
        let shown = file.display();
        let result = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| loyalty_core::scenario::run(&text).map_err(|f| f.to_string()));
        let line = match result {
            Ok(()) => format!("ok {shown}"),
            Err(why) => {
                failed += 1;
                format!("FAIL {shown}: {why}")
            }
        };
        writeln!(out, "{line}").map_err(|e| Failure::output(&e))?;
    }
    let passed = files.len() - failed;
    writeln!(out, "{passed} passed, {failed} failed").map_err(|e| Failure::output(&e))?;
    if failed > 0 {
        return Err(Failure::invalid(format!(
            "{failed} of {} scenarios failed",
            files.len()
        )));
    }
    Ok(())
}
