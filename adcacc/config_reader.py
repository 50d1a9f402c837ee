"""Typed access to a parsed YAML mapping: every problem is one InputError naming the file and
the key path (`file: data.build.splits: problem`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from adcacc.common.errors import InputError


class Reader:
    """Typed access to a mapping that reports every problem as `file: key.path: problem`."""

    def __init__(self, path: Path, node: Any, where: str, allowed: tuple[str, ...]):
        self.path, self.where = path, where
        if not isinstance(node, dict):
            self.fail(f"must be a mapping, got {type(node).__name__}")
        unknown = sorted(set(node) - set(allowed))
        if unknown:
            self.fail(f"unknown key {unknown[0]!r}; allowed: {', '.join(allowed)}", unknown[0])
        self.node = node

    def fail(self, problem: str, key: str | None = None) -> None:
        at = ".".join(p for p in (self.where, key) if p)
        raise InputError(self.path, f"{at}: {problem}" if at else problem)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, required: bool = False) -> Any:
        if key not in self.node or self.node[key] is None:
            if required:
                self.fail("is required", key)
            return default
        value = self.node[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.fail(f"must be {kind_name(kind)}, got {value!r}", key)
        if not isinstance(value, kind):
            self.fail(f"must be {kind_name(kind)}, got {value!r}", key)
        return value

    def sub(self, key: str, allowed: tuple[str, ...], default: dict | None = None) -> "Reader | None":
        if self.node.get(key) is None:
            return None if default is None else Reader(self.path, default, self._at(key), allowed)
        return Reader(self.path, self.node[key], self._at(key), allowed)

    def _at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key


def kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a mapping",
             bool: "true or false"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def as_key(r: Reader, check: Callable, *args: Any, **kwargs: Any) -> Any:
    """Run one of the builders' own checks with the YAML key as the name it reports, so the
    file is refused for exactly what the stage would refuse (`data.build.splits: ...`)."""
    try:
        return check(*args, **kwargs)
    except InputError as err:
        raise InputError(r.path, f"{err.path}: {err.problem}") from None
