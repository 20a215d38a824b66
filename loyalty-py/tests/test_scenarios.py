"""Every public and project scenario plays through the Python API, and the runner reports
failures the way the Rust runner does."""

from __future__ import annotations

import json
import os
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


def runner_command(runner: str) -> list[str]:
    """The Python runner, or the C binding's ctypes runner on the library scripts/test-py.sh
    builds (named by LOYALTY_C_LIB)."""
    if runner == "python":
        return [sys.executable, "-m", "loyalty.scenario"]
    lib = os.environ.get("LOYALTY_C_LIB")
    if not lib:
        pytest.skip("LOYALTY_C_LIB names no C library")
    script = Path(__file__).resolve().parents[2] / "loyalty-ffi" / "tests" / "scenario_c_api.py"
    return [sys.executable, str(script), lib]


PROGRAM = {"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.1"}]}}
ENROLL = {"op": "enroll", "id": 1, "at": 0, "member": 1}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (json.dumps({"program": PROGRAM, "step": [ENROLL]}), "unknown key 'step' at the top level"),
        (json.dumps({"program": PROGRAM, "steps": {"a": ENROLL}}), "steps must be an array"),
        (json.dumps({"program": PROGRAM, "expect_error": 5}), "expect_error must be an error name"),
        (json.dumps({"program": PROGRAM}), "no steps and no expect_error"),
        (json.dumps({"steps": []}), "no program"),
        ("[]", "a scenario is a JSON object"),
        (json.dumps({"program": PROGRAM, "steps": [5]}), "step 1: a step is a JSON object"),
        (json.dumps({"program": PROGRAM, "steps": [ENROLL, {"expcet": {"member": 1}}]}), "step 2: a step is an operation"),
        (json.dumps({"program": PROGRAM, "steps": [ENROLL, {"expect_totals": 3}]}), "step 2: a check holds a JSON object"),
        (json.dumps({"program": PROGRAM, "steps": [ENROLL, {"expect": {"member": "1"}}]}), "step 2: expect needs a member id"),
        (json.dumps({"program": PROGRAM, "steps": [ENROLL, {"expect_leaderboard": {"n": "x", "members": []}}]}), "step 2: malformed step"),
        ("[" * 100000 + "]" * 100000, "nested too deeply"),
        (json.dumps({"program": PROGRAM, "steps": [{**ENROLL, "member": 10**40}]}), "step 1: expected success, got"),
    ],
    ids=lambda v: str(v)[:30],
)
@pytest.mark.parametrize("runner", ["python", "c"])
def test_a_malformed_scenario_fails_naming_the_mistake_and_the_next_file_still_runs(
    tmp_path: Path, text: str, says: str, runner: str
) -> None:
    bad, good = tmp_path / "bad.json", tmp_path / "good.json"
    bad.write_text(text)
    good.write_text(json.dumps({"program": PROGRAM, "steps": [ENROLL]}))
    result = subprocess.run([*runner_command(runner), str(bad), str(good)], capture_output=True, text=True)
    assert result.returncode == 1, result.stdout
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(f"FAIL {bad}") and says in lines[0], result.stdout + result.stderr
    assert lines[1] == f"ok {good}"
    assert "Traceback" not in result.stderr
