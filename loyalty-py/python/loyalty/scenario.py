"""Scenario runner (SPEC section 7) through the Python API.

    python -m loyalty.scenario FILE...

Prints ``ok FILE`` or ``FAIL FILE step N: what differed`` for each file, like the Rust runner,
and exits non-zero if any failed. Steps are numbered from 1.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any, Mapping, Optional, Sequence

from . import ERRORS, Engine, LoyaltyError
from ._loyalty import OPERATIONS
from ._shape import ShapeError, check_root, check_step

class Failure(Exception):
    """A scenario step did not go as expected."""


#: The Python names of the JSON fields that are keywords or read better otherwise.
_PYTHON_NAMES = {"from": "sender", "to": "recipient", "program": "program_source"}


def _call(engine: Engine, op: Mapping[str, Any]) -> None:
    """Calls the engine's method of the step's kind, with the step's fields by name: the kinds
    and their fields come from the core (``OPERATIONS``), so a new kind needs nothing here."""
    kind = op["op"]
    fields = {name for name, _ in OPERATIONS.get(kind, ())}
    unknown = set(op) - fields - {"op"}
    if kind not in OPERATIONS or unknown:
        raise ERRORS["InvalidInput"](f"malformed operation: {kind!r} with {sorted(unknown)}")
    args = {_PYTHON_NAMES.get(k, k): v for k, v in op.items() if k != "op"}
    getattr(engine, kind)(**args)


def _error_name(e: Exception) -> str:
    """The SPEC name of what an operation raised. Malformed values that Python refuses by type
    are classified as the Rust runner does: a float amount is InvalidAmount, the rest InvalidInput."""
    if isinstance(e, LoyaltyError):
        return type(e).__name__
    if isinstance(e, TypeError) and "float" in str(e):
        return "InvalidAmount"
    return "InvalidInput"


def _same(field: str, got: Optional[Decimal], want: Any) -> None:
    if want is None or got is None:
        if got is not None or want is not None:
            raise Failure(f"{field} is {got}, expected {want}")
    elif got != Decimal(str(want)):
        raise Failure(f"{field} is {got}, expected {want}")


def _expect_member(engine: Engine, want: Mapping[str, Any]) -> None:
    m = engine.member(want["member"])
    for field, value in want.items():
        if field == "member":
            continue
        if field in ("available", "pending", "held", "qualifying", "to_next"):
            _same(f"member {m.member}: {field}", getattr(m, field), value)
        elif field == "stamps":
            for card, count in value.items():
                if m.stamps.get(card, 0) != count:
                    raise Failure(f"member {m.member}: stamps[{card}] is {m.stamps.get(card, 0)}, expected {count}")
        elif field in ("tier", "next_tier", "achievements", "orders", "grace_until"):
            if getattr(m, field) != value:
                raise Failure(f"member {m.member}: {field} is {getattr(m, field)!r}, expected {value!r}")
        else:
            raise Failure(f"unknown expect field {field}")


def _expect_expiring(engine: Engine, want: Mapping[str, Any]) -> None:
    try:
        points, next_ = engine.expiring(want["member"], want["days"])
    except (LoyaltyError, TypeError) as e:
        if _error_name(e) != want.get("expect_error"):
            raise Failure(f"expiring: expected {want.get('expect_error') or 'an answer'}, got {e}") from None
        return
    if "expect_error" in want:
        raise Failure(f"expiring: expected {want['expect_error']}, got {points}, {next_}")
    _same("expiring points", points, want["points"])
    if next_ != want["next"]:
        raise Failure(f"expiring next {next_}, expected {want['next']}")


def _step(engine: Engine, step: Mapping[str, Any]) -> None:
    check_step(step)
    if "op" in step:
        op = dict(step)
        expected = op.pop("expect_error", None)
        got, detail = None, ""
        try:
            _call(engine, op)
        except (LoyaltyError, TypeError, KeyError) as e:
            got, detail = _error_name(e), f"{type(e).__name__}: {e}"
        if got != expected:
            raise Failure(f"expected {expected or 'success'}, got {detail if got else 'success'}")
    elif "expect" in step:
        _expect_member(engine, step["expect"])
    elif "expect_totals" in step:
        totals = engine.totals()
        for field, value in step["expect_totals"].items():
            _same(field, getattr(totals, field), value)
    elif "expect_price" in step:
        want = step["expect_price"]
        if "lines" in want:
            price = engine.price(want["member"], lines=want["lines"])
        else:
            price = engine.price(want["member"], want["amount"], want.get("category"))
        _same("price", price, want["price"])
    elif "expect_leaderboard" in step:
        want = step["expect_leaderboard"]
        top = engine.leaderboard(want["n"])
        if top != want["members"]:
            raise Failure(f"leaderboard {top}, expected {want['members']}")
    elif "expect_nps" in step:
        want = step["expect_nps"]
        report = engine.nps(from_=want.get("from"), to=want.get("to"), segment=want.get("segment"),
                            member_kind=want.get("member_kind"))
        if "responses" in want and report.responses != want["responses"]:
            raise Failure(f"responses is {report.responses}, expected {want['responses']}")
        if "nps" in want:
            _same("nps", report.score, want["nps"])
    elif "expect_stock" in step:
        want = step["expect_stock"]
        left = engine.stock_left(want["reward"])
        if left != want["left"] or type(left) is not type(want["left"]):
            raise Failure(f"{want['reward']}: {left} left, expected {want['left']}")
    elif "expect_expiring" in step:
        _expect_expiring(engine, step["expect_expiring"])
    else:
        raise Failure(f"unknown step {dict(step)}")


def run(scenario: Any) -> None:
    """Plays one scenario; raises :class:`Failure` naming the step at the first mismatch."""
    try:
        check_root(scenario)
    except ShapeError as e:
        raise Failure(str(e)) from None
    if "expect_error" in scenario:
        try:
            Engine(scenario["program"])
        except LoyaltyError as e:
            if type(e).__name__ != scenario["expect_error"]:
                raise Failure(f"expected {scenario['expect_error']}, got {type(e).__name__}: {e}") from None
            return
        raise Failure(f"expected {scenario['expect_error']}, program accepted")
    try:
        engine = Engine(scenario["program"])
    except LoyaltyError as e:
        raise Failure(f"program refused: {type(e).__name__}: {e}") from None
    steps: Sequence[Mapping[str, Any]] = scenario.get("steps", [])
    for n, step in enumerate(steps, 1):
        try:
            _step(engine, step)
            engine.verify()
        except (Failure, ShapeError, LoyaltyError, RuntimeError) as e:
            raise Failure(f"step {n}: {e}") from None
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as e:
            # A value of the wrong type in a check, not a failure of the engine.
            raise Failure(f"step {n}: malformed step: {type(e).__name__}: {e}") from None


def main(argv: Sequence[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    for path in argv:
        try:
            with open(path, encoding="utf-8") as f:
                run(json.load(f))
            print(f"ok {path}")
        except (Failure, OSError, ValueError) as why:
            failed += 1
            print(f"FAIL {path} {why}")
        except RecursionError:
            # JSON nested too deeply for the parser: one bad file never stops the others.
            failed += 1
            print(f"FAIL {path} nested too deeply to read")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
