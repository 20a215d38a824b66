"""Program and operation sources as the JSON the engine reads."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping, Union

ProgramSource = Union[Mapping[str, Any], str, "os.PathLike[str]"]


def _default(value: object) -> str:
    # Decimals travel as strings, exactly. Floats are left to json, and the engine refuses them.
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(value: Any) -> str:
    """A dict (with Decimal values allowed) as JSON text."""
    return json.dumps(value, default=_default)


def program_json(source: ProgramSource) -> str:
    """A program given as a dict, as JSON text, or as the path of a .json or .toml file."""
    if isinstance(source, Mapping):
        return to_json(dict(source))
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return source
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.suffix == ".toml":
            import tomllib

            from ._loyalty import InvalidConfig

            try:
                with path.open("rb") as f:
                    return to_json(tomllib.load(f))
            except tomllib.TOMLDecodeError as e:
                raise InvalidConfig(f"{path}: {e}") from None
        return path.read_text(encoding="utf-8")
    raise TypeError(f"a program is a dict, JSON text or a file path, not {type(source).__name__}")
