"""`python -m loyalty` (the `loyalty` console script): the Rust command line run in-process,
on a store this package wrote."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import loyalty

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "loyalty", *args], capture_output=True, text=True, cwd=REPO)


def test_check_describes_a_program_and_names_a_bad_file(tmp_path: Path) -> None:
    ok = run("check", "examples/programs/marketplace.json")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("Marketplace partners: a valid program")
    assert "referral commission 7 %, 3 %, 1.5 % up the chain" in ok.stdout
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x"}')
    refused = run("check", str(bad))
    assert refused.returncode == 1
    assert f"{bad}: invalid program" in refused.stderr
    assert run("nonsense").returncode == 2


def test_store_commands_read_a_store_written_from_python(tmp_path: Path) -> None:
    program = REPO / "examples" / "programs" / "falcon.json"
    store = loyalty.Store(str(tmp_path / "s"), str(program))
    store.apply({"op": "enroll", "id": 1, "at": 1767225600, "member": 7})
    store.apply({"op": "order", "id": 2, "at": 1767229200, "member": 7, "amount": "1000.00"})
    digest = store.state_digest()
    del store

    summary = run("store", str(tmp_path / "s"))
    assert summary.returncode == 0, summary.stderr
    assert "records    2" in summary.stdout
    assert f"digest     {digest:016x}" in summary.stdout
    statement = run("statement", str(tmp_path / "s"), "7")
    assert statement.stdout.startswith("member 7: 30.00 available"), statement.stdout
    replay = run("replay", str(tmp_path / "s"))
    assert "same state; the books balance" in replay.stdout
    csv = run("export", str(tmp_path / "s"), "--format", "csv").stdout.splitlines()
    assert csv[2] == "2,1767229200,order,2,issued,,available,7,30.00"
