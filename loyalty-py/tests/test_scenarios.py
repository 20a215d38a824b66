"""Every public and project scenario plays through the Python API, and the runner reports
failures the way the Rust runner does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import scenario_files
from loyalty import scenario

FILES = scenario_files()


def test_the_public_scenarios_are_there() -> None:
    assert len([f for f in FILES if "shared" in f.parts]) >= 9


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_scenario(path: Path) -> None:
    scenario.run(json.loads(path.read_text()))


def test_a_wrong_expectation_names_its_step(tmp_path: Path) -> None:
    bad = {
        "program": {"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.1"}]}},
        "steps": [
            {"op": "enroll", "id": 1, "at": 0, "member": 1},
            {"op": "order", "id": 2, "at": 0, "member": 1, "amount": "100"},
            {"expect": {"member": 1, "available": "10.01"}},
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    result = subprocess.run([sys.executable, "-m", "loyalty.scenario", str(path)], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout.strip() == f"FAIL {path} step 3: member 1: available is 10.00, expected 10.01"
    bad["steps"][2] = {"expect": {"member": 1, "available": "10"}}
    path.write_text(json.dumps(bad))
    ok = subprocess.run([sys.executable, "-m", "loyalty.scenario", str(path)], capture_output=True, text=True)
    assert (ok.returncode, ok.stdout.strip()) == (0, f"ok {path}")


def test_an_unexpected_error_fails() -> None:
    program = {"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.1"}]}}
    with pytest.raises(scenario.Failure, match="step 1: expected MemberExists, got success"):
        scenario.run({"program": program, "steps": [
            {"op": "enroll", "id": 1, "at": 0, "member": 1, "expect_error": "MemberExists"}]})
    with pytest.raises(scenario.Failure, match="program accepted"):
        scenario.run({"program": program, "expect_error": "InvalidConfig"})
