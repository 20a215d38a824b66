"""One meaning in three languages: every public and project scenario plays through Rust, C and
Python, and what every step gives is compared whole between the three: each outcome in full
(effect and postings), each refusal (error name and message), each member view read by an
`expect` step and the totals of `expect_totals`.

Rust's trace comes from the scenario example (`--trace`, LOYALTY_SCENARIO_BIN), C's from the
ctypes runner on the C library (LOYALTY_C_LIB); scripts/test-py.sh builds both and sets them.
The Python member view is read through the `Member` getters under the core's field names, so a
name that differs between the core and Python fails here too.
"""

from __future__ import annotations

import ctypes as C
import importlib.util
import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List

import pytest

import loyalty
from conftest import ROOT, scenario_files

FILES = scenario_files()


def python_trace(scenario: Dict[str, Any], view_fields: List[str]) -> List[Any]:
    try:
        engine = loyalty.Engine(scenario["program"])
    except loyalty.LoyaltyError:
        return []
    out: List[Any] = []
    for step in scenario.get("steps", []):
        if "op" in step:
            op = {k: v for k, v in step.items() if k != "expect_error"}
            try:
                outcome = engine.apply(op)
            except loyalty.LoyaltyError as e:
                out.append({"error": type(e).__name__, "message": str(e)})
                continue
            out.append({"effect": "ticked"} if outcome.effect == "ticked" else json.loads(outcome.to_json()))
        elif "expect" in step:
            try:
                member = engine.member(step["expect"]["member"])
            except loyalty.LoyaltyError as e:
                out.append({"error": type(e).__name__, "message": str(e)})
                continue
            out.append({name: plain(getattr(member, name)) for name in view_fields})
        elif "expect_totals" in step:
            t = engine.totals()
            out.append({name: str(getattr(t, name)) for name in ("issued", "redeemed", "expired", "fees", "liability")})
    return out


def plain(value: Any) -> Any:
    """A getter's value as the core's JSON writes it: decimals as exact strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def rust_trace(path: Path) -> List[Any]:
    binary = os.environ.get("LOYALTY_SCENARIO_BIN")
    if not binary:
        pytest.skip("LOYALTY_SCENARIO_BIN names no Rust scenario runner")
    result = subprocess.run([binary, "--trace", str(path)], capture_output=True, text=True, check=True)
    return [json.loads(line) for line in result.stdout.splitlines()]


def c_runner() -> ModuleType:
    if not os.environ.get("LOYALTY_C_LIB"):
        pytest.skip("LOYALTY_C_LIB names no C library")
    spec = importlib.util.spec_from_file_location("scenario_c_api", ROOT / "loyalty-ffi" / "tests" / "scenario_c_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_step_gives_the_same_in_rust_c_and_python(path: Path) -> None:
    scenario = json.loads(path.read_text())
    rust = rust_trace(path)
    c_api = c_runner()
    c = c_api.trace(c_api.Api(os.environ["LOYALTY_C_LIB"]), scenario)
    views = [v for v in rust if "member" in v and "tier" in v]
    fields = list(views[0]) if views else ["member"]
    python = python_trace(scenario, fields)
    assert len(rust) == len(c) == len(python)
    for n, (r, c_step, p) in enumerate(zip(rust, c, python), 1):
        assert c_step == r, f"step {n}: C differs from Rust"
        assert p == r, f"step {n}: Python differs from Rust"
    assert len(rust) > 0 or "expect_error" in scenario


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_c_and_python_end_in_the_same_state(path: Path) -> None:
    """Every operation of the scenario through C's JSON entry point and through Python; then the
    clock, the state digest and the level counts, as each binding reports them, agree."""
    scenario = json.loads(path.read_text())
    try:
        engine = loyalty.Engine(scenario["program"])
    except loyalty.LoyaltyError:
        return
    api = c_runner().Api(os.environ["LOYALTY_C_LIB"])
    lib = api.lib
    lib.loyalty_clock.argtypes = [C.c_void_p, C.POINTER(C.c_int64)]
    lib.loyalty_state_digest.argtypes = [C.c_void_p, C.POINTER(C.c_uint64)]
    lib.loyalty_tier_counts_json.argtypes = [C.c_void_p, C.c_char_p, C.c_size_t, C.POINTER(C.c_size_t)]
    handle = C.c_void_p()
    assert lib.loyalty_engine_new(json.dumps(scenario["program"]).encode(), C.byref(handle)) == 0
    try:
        for step in scenario.get("steps", []):
            if "op" in step:
                op = {k: v for k, v in step.items() if k != "expect_error"}
                lib.loyalty_apply_json(handle, json.dumps(op).encode(), None)
                try:
                    engine.apply(op)
                except loyalty.LoyaltyError:
                    pass
        clock, digest = C.c_int64(), C.c_uint64()
        assert lib.loyalty_clock(handle, C.byref(clock)) == 0
        assert lib.loyalty_state_digest(handle, C.byref(digest)) == 0
        buf, written = C.create_string_buffer(4096), C.c_size_t()
        assert lib.loyalty_tier_counts_json(handle, buf, len(buf), C.byref(written)) == 0
        assert (None if clock.value == -(2**63) else clock.value) == engine.clock  # INT64_MIN: no time yet
        assert digest.value == engine.state_digest()
        assert [tuple(pair) for pair in json.loads(buf.value)] == list(engine.tier_counts().items())
    finally:
        lib.loyalty_engine_free(handle)
