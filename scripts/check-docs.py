#!/usr/bin/env python3
"""Runs every code block of README.md and docs/*.md as written, so that no snippet drifts from
the code (issue 27).

- ```python blocks run, each as its own script, with the repository as the working directory,
  under the project's .venv (the package built by scripts/test-py.sh);
- ```c blocks are whole programs: compiled with -std=c11 -Wall -Wextra -Werror against the
  library installed by scripts/install-c.sh (through its pkg-config file), then run;
- ```sh blocks run with bash -euo pipefail, with HOME in a scratch folder (so an install into
  "$HOME/.local" lands there); commands that cannot run here are named in SKIP with the reason
  and the place that tests them;
- ```sh not-run: WHY blocks are measurements or long jobs: each path they name
  (scripts/…, examples/…) must exist, and each --example/--bench must be one of the project's;
- ```cmake file=PATH blocks must equal that file;
- ```rust blocks: README.md's is a doctest (src/lib.rs); anywhere else they are refused.

Prints one line per block and `docs: N blocks ran, M checked, 0 failed`; exits 1 on any failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
# Lines never run by this checker, with why and what covers them.
SKIP = {
    "bash scripts/test.sh": "this checker runs inside it",
    "bash examples/shop/run.sh": "a server that runs until stopped; examples/shop/test_shop.py starts it",
}
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.S | re.M)


def blocks() -> List[Tuple[str, int, str, str]]:
    """(file, line, info string, body) of every fenced block."""
    out = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text()
        for m in FENCE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            out.append((str(path.relative_to(ROOT)), line, m.group(1).strip(), m.group(2)))
    return out


def run(cmd: List[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, timeout=900, **kw)  # type: ignore[call-overload]


def scratch_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    real_home = Path(os.environ.get("HOME", "/root"))
    env.setdefault("CARGO_HOME", str(real_home / ".cargo"))
    env.setdefault("RUSTUP_HOME", str(real_home / ".rustup"))
    env["HOME"] = str(home)
    if "LOYALTY_TEST_PG" in os.environ:
        env.setdefault("LOYALTY_DSN", os.environ["LOYALTY_TEST_PG"])
    return env


def python_block(body: str, home: Path) -> str:
    script = home / "snippet.py"
    script.write_text(body)
    r = run([str(PY), str(script)], env=scratch_env(home))
    return "" if r.returncode == 0 else r.stdout + r.stderr


def c_block(body: str, home: Path) -> str:
    prefix = home / "prefix"
    if not (prefix / "lib" / "pkgconfig" / "loyalty.pc").exists():
        r = run(["bash", "scripts/install-c.sh", str(prefix)])
        if r.returncode:
            return r.stdout + r.stderr
    source, binary = home / "snippet.c", home / "snippet"
    source.write_text(body)
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
    flags = run(["pkg-config", "--cflags", "--libs", "loyalty"], env=env)
    if flags.returncode:
        return flags.stderr
    cc = run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", str(source), *flags.stdout.split(), "-o", str(binary)])
    if cc.returncode:
        return cc.stdout + cc.stderr
    r = run([str(binary)])
    return "" if r.returncode == 0 else r.stdout + r.stderr


def commands(body: str) -> List[str]:
    """The block's commands, backslash continuations joined, comments and blank lines dropped."""
    joined = body.replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def sh_block(body: str, home: Path) -> Tuple[str, List[str]]:
    skipped, kept = [], []
    for command in commands(body):
        bare = command.split("#")[0].strip()
        if bare in SKIP:
            skipped.append(f"{bare} ({SKIP[bare]})")
        else:
            kept.append(command)
    if not kept:
        return "", skipped
    r = run(["bash", "-euo", "pipefail", "-c", "\n".join(kept)], env=scratch_env(home))
    return ("" if r.returncode == 0 else r.stdout + r.stderr), skipped


def examples() -> set[str]:
    return {p.stem for p in (ROOT / "examples").glob("*.rs")} | {
        p.stem for p in ROOT.glob("*/examples/*.rs")
    }


def not_run_block(body: str) -> str:
    problems = []
    for path in re.findall(r"(?<![\w/.])((?:scripts|examples|loyalty-[a-z]+)/[\w./-]+)", body):
        if not (ROOT / path).exists():
            problems.append(f"{path} does not exist")
    for name in re.findall(r"--example\s+(\w+)", body):
        if name not in examples():
            problems.append(f"no example {name}")
    for name in re.findall(r"--bench\s+(\w+)", body):
        if not (ROOT / "benches" / f"{name}.rs").exists():
            problems.append(f"no bench {name}")
    return "; ".join(problems)


def main() -> int:
    ran = checked = failed = 0
    for file, line, info, body in blocks():
        where = f"{file}:{line}"
        lang, _, rest = info.partition(" ")
        with tempfile.TemporaryDirectory(prefix="loyalty-docs-") as tmp:
            home = Path(tmp)
            notes: List[str] = []
            if lang == "python":
                problem, verb = python_block(body, home), "ran"
            elif lang == "c":
                problem, verb = c_block(body, home), "ran"
            elif lang == "sh" and rest.startswith("not-run:"):
                problem, verb = not_run_block(body), "checked"
                notes.append(rest)
            elif lang == "sh":
                (problem, notes), verb = sh_block(body, home), "ran"
                notes = [f"skipped {n}" for n in notes]
            elif lang == "cmake" and rest.startswith("file="):
                wanted = (ROOT / rest.removeprefix("file=")).read_text()
                problem, verb = ("" if wanted == body else f"differs from {rest}"), "checked"
            elif lang == "rust" and file == "README.md":
                problem, verb = "", "checked"
                notes.append("a doctest of src/lib.rs")
            else:
                problem, verb = f"a ```{info} block: no rule runs or checks it", "checked"
        if verb == "ran":
            ran += 1
        else:
            checked += 1
        status = "FAIL" if problem else "ok"
        print(f"{status} {where} {lang} ({verb}){': ' + '; '.join(notes) if notes else ''}")
        if problem:
            failed += 1
            print("    " + problem.strip().replace("\n", "\n    ")[-4000:])
    print(f"docs: {ran} blocks ran, {checked} checked, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
