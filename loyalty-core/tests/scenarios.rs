//! Every public scenario in `../shared/scenarios/` and every project scenario in
//! `scenarios/` plays through the Rust API.

use std::path::{Path, PathBuf};

fn scenario_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in [root.join("../shared/scenarios"), root.join("scenarios")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        files.extend(
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json")),
        );
    }
    files.sort();
    files
}

#[test]
fn every_scenario_passes() {
    let files = scenario_files();
    assert!(
        files.len() >= 9,
        "expected the public scenarios beside the repo, found {files:?}"
    );
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if let Err(f) = loyalty_core::scenario::run(&text) {
            failures.push(format!("{}: {f}", file.display()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_wrong_expectation_is_reported_with_its_step() {
    let text = r#"{"program": {"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.1"}]}},
        "steps": [{"op": "enroll", "id": 1, "at": 0, "member": 1},
                  {"op": "order", "id": 2, "at": 0, "member": 1, "amount": "100"},
                  {"expect": {"member": 1, "available": "10.01"}}]}"#;
    let failure = loyalty_core::scenario::run(text)
        .err()
        .map(|f| f.to_string());
    assert_eq!(
        failure.as_deref(),
        Some("step 3: member 1: available is 10.00, expected 10.01")
    );
    let text = text.replace("10.01", "10");
    assert!(loyalty_core::scenario::run(&text).is_ok());
}

#[test]
fn an_unexpected_success_or_error_fails() {
    let program =
        r#"{"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.1"}]}}"#;
    let wrong_error = format!(
        r#"{{"program": {program}, "steps": [{{"op": "enroll", "id": 1, "at": 0, "member": 1, "expect_error": "MemberExists"}}]}}"#
    );
    assert!(loyalty_core::scenario::run(&wrong_error).is_err());
    let refused = r#"{"program": {"tiers": {"levels": []}}, "expect_error": "InvalidConfig"}"#;
    assert!(loyalty_core::scenario::run(refused).is_ok());
    let accepted = format!(r#"{{"program": {program}, "expect_error": "InvalidConfig"}}"#);
    assert!(loyalty_core::scenario::run(&accepted).is_err());
}
