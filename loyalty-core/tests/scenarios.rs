//! Every public scenario in `../shared/scenarios/` (and those of `v3/` listed in
//! `scenarios/v3.txt`) and every project scenario in `scenarios/` plays through the Rust API.

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
    files.extend(v3_files(&root));
    files
}

/// The v3 scenarios whose features are built, as `scenarios/v3.txt` lists them.
fn v3_files(root: &Path) -> Vec<PathBuf> {
    let list = std::fs::read_to_string(root.join("scenarios/v3.txt")).unwrap_or_default();
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|name| root.join("../shared/scenarios/v3").join(name))
        .collect()
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

/// A mistake in a scenario file fails, naming where, rather than passing with nothing checked.
#[test]
fn a_malformed_scenario_fails_naming_the_mistake() {
    let program =
        r#"{"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.1"}]}}"#;
    let enroll = r#"{"op": "enroll", "id": 1, "at": 0, "member": 1}"#;
    for (text, says) in [
        (
            format!(r#"{{"program": {program}, "step": [{enroll}]}}"#),
            "unknown key 'step'",
        ),
        (
            format!(r#"{{"program": {program}, "steps": {{"a": {enroll}}}}}"#),
            "steps must be an array",
        ),
        (
            format!(r#"{{"program": {program}, "expect_error": 5}}"#),
            "expect_error must be an error name",
        ),
        (
            format!(r#"{{"program": {program}}}"#),
            "no steps and no expect_error",
        ),
        (r#"{"steps": []}"#.to_owned(), "no program"),
        ("[]".to_owned(), "a scenario is a JSON object"),
        (
            format!(r#"{{"program": {program}, "steps": [5]}}"#),
            "step 1: a step is a JSON object",
        ),
        (
            format!(
                r#"{{"program": {program}, "steps": [{enroll}, {{"expect": {{"member": 1}}, "expect_totals": {{}}}}]}}"#
            ),
            "step 2: a step is an operation",
        ),
        (
            format!(
                r#"{{"program": {program}, "steps": [{enroll}, {{"expcet": {{"member": 1}}}}]}}"#
            ),
            "step 2: a step is an operation",
        ),
        (
            format!(r#"{{"program": {program}, "steps": [{enroll}, {{"expect_totals": 3}}]}}"#),
            "step 2: a check holds a JSON object",
        ),
        (
            format!(
                r#"{{"program": {program}, "steps": [{enroll}, {{"expect": {{"member": "1"}}}}]}}"#
            ),
            "step 2: expect needs a member id",
        ),
    ] {
        match loyalty_core::scenario::run(&text) {
            Ok(()) => unreachable!("{text} passed"),
            Err(failure) => assert!(failure.to_string().contains(says), "{text}: {failure}"),
        }
    }
}
