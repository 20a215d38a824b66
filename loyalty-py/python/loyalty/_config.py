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


# JSON readers take integers beyond 64 bits as binary floats: such an int travels as a decimal
# string instead, so that the engine refuses it naming its digits (an id) or its size (an amount).
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1


def _exact(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not _INT_MIN <= value <= _INT_MAX:
        return str(value)
    if isinstance(value, Mapping):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_exact(v) for v in value]
    return value


def to_json(value: Any) -> str:
    """A dict (with Decimal values allowed) as JSON text."""
    return json.dumps(_exact(value), default=_default)


def program_json(source: ProgramSource) -> str:
    """A program given as a dict, as JSON text, or as the path of a .json or .toml file."""
    if isinstance(source, Mapping):
        return to_json(dict(source))
    if isinstance(source, str) and (source.lstrip()[:1] in ("{", "[") or "\n" in source):
        # JSON text (the engine names what is wrong with it), never a path.
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
