"""The shape of a scenario file (SPEC section 7), checked before it is played.

Pure Python with no imports from the package, so that the C binding's ctypes runner loads this
same file: every runner refuses the same mistakes with the same words.
"""

from __future__ import annotations

import json
from typing import Any

#: The kinds of steps that check rather than operate; such a step holds exactly one of them.
CHECKS = ("expect", "expect_totals", "expect_price", "expect_leaderboard", "expect_nps", "expect_stock",
          "expect_expiring")


class ShapeError(ValueError):
    """A scenario file is not shaped as SPEC section 7 says."""


def check_root(scenario: Any) -> None:
    """The file's shape, as the Rust runner checks it: a mistake fails, never passes."""
    if not isinstance(scenario, dict):
        raise ShapeError("a scenario is a JSON object")
    unknown = sorted(set(scenario) - {"program", "steps", "expect_error"})
    if unknown:
        raise ShapeError(f"unknown key {unknown[0]!r} at the top level")
    if "program" not in scenario:
        raise ShapeError("no program")
    steps, error = scenario.get("steps"), scenario.get("expect_error")
    if "steps" in scenario and "expect_error" in scenario:
        raise ShapeError("both steps and expect_error")
    if "steps" not in scenario and "expect_error" not in scenario:
        raise ShapeError("no steps and no expect_error")
    if "steps" in scenario and not isinstance(steps, list):
        raise ShapeError(f"steps must be an array, not {json.dumps(steps)}")
    if "expect_error" in scenario and not isinstance(error, str):
        raise ShapeError(f"expect_error must be an error name, not {json.dumps(error)}")


def check_step(step: Any) -> None:
    """One step's shape: an operation, or exactly one check holding an object."""
    if not isinstance(step, dict):
        raise ShapeError("a step is a JSON object")
    if "op" in step:
        return
    if len(step) != 1 or not set(step) <= set(CHECKS):
        raise ShapeError(f'a step is an operation ("op") or exactly one of {list(CHECKS)}, not {sorted(step)}')
    check = next(iter(step.values()))
    if not isinstance(check, dict):
        raise ShapeError(f"a check holds a JSON object, not {json.dumps(check)}")
    member = check.get("member")
    if "expect" in step and (not isinstance(member, int) or isinstance(member, bool)):
        raise ShapeError("expect needs a member id")
