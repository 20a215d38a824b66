#!/usr/bin/env python3
"""Lists functions longer than a limit (70 lines) in the Rust sources, outside tests: issue 22
keeps every function short enough to read at once. Exits 1 when any is longer.

    python3 scripts/long-functions.py [LIMIT]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FN = re.compile(r"^\s*(?:pub(?:\([a-z]+\))? )?(?:const )?(?:unsafe )?(?:extern \"C\" )?fn (\w+)")


def without_tests(lines: list[str]) -> list[str]:
    """The lines before a `#[cfg(test)]` module (test modules close their files here)."""
    for i, line in enumerate(lines):
        if re.match(r"\s*mod \w+ \{", line) and any(re.search(r"#\[cfg\((all\()?test", l) for l in lines[max(0, i - 3):i]):
            return lines[:i]
    return lines


def long_functions(limit: int) -> list[str]:
    found = []
    for path in sorted(ROOT.glob("*/src/**/*.rs")) + sorted(ROOT.glob("src/**/*.rs")):
        if path.name.endswith("tests.rs") or "target" in path.parts:
            continue
        lines = without_tests(path.read_text().split("\n"))
        i = 0
        while i < len(lines):
            m = FN.match(lines[i])
            if not m:
                i += 1
                continue
            depth, j, opened = 0, i, False
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                opened = opened or "{" in lines[j]
                if (opened and depth <= 0) or (not opened and lines[j].rstrip().endswith(";")):
                    break
                j += 1
            if j - i + 1 > limit:
                found.append(f"{path.relative_to(ROOT)}:{i + 1} {m[1]}: {j - i + 1} lines")
            i = j + 1
    return found


if __name__ == "__main__":
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 70
    found = long_functions(limit)
    print("\n".join(found) if found else f"no function over {limit} lines outside tests")
    sys.exit(1 if found else 0)
