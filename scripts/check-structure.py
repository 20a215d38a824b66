#!/usr/bin/env python3
"""Three rules of the code's shape (issue 22), checked on the Rust sources as text:

- no function outside tests is longer than 70 lines (short enough to read at once);
- no import cycle between the files of loyalty-core (`use crate::…` and inline `crate::…`
  paths, outside tests): every file can be read knowing only the files below it;
- the engine's state is written only through the transaction (`loyalty-core/src/txn.rs`),
  which keeps what each write replaced: no other file of the core writes a state table.

Prints what breaks a rule and exits 1, or one line per rule.

    python3 scripts/check-structure.py
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
    """Every function over `limit` lines, outside tests, as `path:line name: N lines`."""
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


# The state tables, and the ways of writing them that the transaction owns.
TABLES = r"(?:members|windows|sent_today|last_reward|budgets_used|rewards_used|redemptions|birthdays|answers|program|gift_generation|last_tick)"
STATE_WRITE = re.compile(
    r"&mut (?:self|engine)\." + TABLES + r"\b"
    r"|(?:self|engine)\." + TABLES + r"(?:\[[^\]]*\])?(?:\.\w+)*\s*(?:[-+]?=[^=]|\.(?:insert|entry|remove|get_mut|push|pop|clear|retain|truncate|iter_mut)\()"
    r"|(?:self|engine)\.schedule\.(?:push|pop_due|unpush)\("
    r"|(?:self|engine)\.records\.(?:put_order|remove|remove_order|refile)\("
)
# Where else writes belong: building an engine (new, a snapshot) and filing an accepted
# operation's outcome after its transaction committed.
STATE_WRITERS = {"txn.rs", "engine_form.rs"}


def state_writes() -> list[str]:
    """Every write to a state table outside the transaction, as `path:line text`."""
    found = []
    for path in sorted((ROOT / "loyalty-core" / "src").glob("**/*.rs")):
        if path.name in STATE_WRITERS:
            continue
        for n, line in enumerate(without_tests(path.read_text().split("\n")), 1):
            if STATE_WRITE.search(line.split("//")[0]):
                found.append(f"{path.relative_to(ROOT)}:{n} {line.strip()}")
    return found


def module_file(src: Path, path: list[str]) -> Path | None:
    """The file of `crate::a::b::…`: the deepest of a.rs, a/mod.rs, a/b.rs that exists."""
    found = None
    here = src
    for part in path:
        if (here / f"{part}.rs").exists():
            found = here / f"{part}.rs"
        elif (here / part / "mod.rs").exists():
            found = here / part / "mod.rs"
        else:
            break
        here = here / part
    return found


def module_path(src: Path, path: Path) -> list[str]:
    """The module path of a file: `ops/adjust.rs` is `["ops", "adjust"]`, `ops/mod.rs` `["ops"]`."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib"):
        parts.pop()
    return parts


def import_graph(src: Path) -> dict[Path, set[Path]]:
    graph: dict[Path, set[Path]] = {}
    for path in sorted(src.rglob("*.rs")):
        if path.name.endswith("tests.rs"):
            continue
        text = "\n".join(without_tests(path.read_text().split("\n")))
        targets = set()
        for m in re.finditer(r"crate::((?:\w+::)*\w+)", text):
            target = module_file(src, m[1].split("::"))
            if target is not None and target != path:
                targets.add(target)
        # `super::…` from a submodule names a sibling (or the parent module itself).
        parent = module_path(src, path)[:-1]
        for m in re.finditer(r"\bsuper::((?:\w+::)*\w+)", text):
            target = module_file(src, parent + m[1].split("::"))
            if target is not None and target != path:
                targets.add(target)
        for m in re.finditer(r"use crate::\{([^}]*)\}", text):
            for item in m[1].split(","):
                target = module_file(src, item.strip().split("::"))
                if target is not None and target != path:
                    targets.add(target)
        graph[path] = targets
    return graph


def cycles(graph: dict[Path, set[Path]]) -> list[list[Path]]:
    """The strongly connected components of more than one file (Tarjan)."""
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    out: list[list[Path]] = []

    def visit(v: Path) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


if __name__ == "__main__":
    failed = False
    found = long_functions(70)
    print("\n".join(found) if found else "no function over 70 lines outside tests")
    failed |= bool(found)
    src = ROOT / "loyalty-core" / "src"
    circles = cycles(import_graph(src))
    for circle in circles:
        print("import cycle: " + " -> ".join(str(p.relative_to(ROOT)) for p in circle))
    if not circles:
        print("no import cycle between the files of loyalty-core")
    failed |= bool(circles)
    writes = state_writes()
    for write in writes:
        print("state written outside the transaction: " + write)
    if not writes:
        print("the state is written only through the transaction (txn.rs)")
    failed |= bool(writes)
    sys.exit(1 if failed else 0)
