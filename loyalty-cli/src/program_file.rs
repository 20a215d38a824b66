//! A program read from a `.json` or `.toml` file (TOML as the Python package reads it: the same
//! fields, decimals as strings or integers).

use std::path::Path;

use loyalty_core::Program;

use crate::Failure;

/// The program in `path`, validated; a failure names the file and the bad value.
pub(crate) fn load(path: &Path) -> Result<Program, Failure> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::unreadable(format!("{shown}: cannot read: {e}")))?;
    let json = if path
        .extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("toml"))
    {
        let value: toml::Value = toml::from_str(&text)
            .map_err(|e| Failure::invalid(format!("{shown}: not TOML: {}", e.message())))?;
        serde_json::to_string(&value)
            .map_err(|e| Failure::invalid(format!("{shown}: not a program: {e}")))?
    } else {
        text
    };
    Program::from_json(&json)
        .map_err(|e| Failure::invalid(format!("{shown}: invalid program: {}", e.message())))
}
