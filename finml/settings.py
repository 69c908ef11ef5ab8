"""Named, documented settings for providers and recommenders, validated from config tables.

A settings class is a frozen dataclass whose fields are declared with :func:`setting`, giving each
threshold a description and the source it comes from (e.g. "AWS Trusted Advisor"). Config tables
are turned into instances by :func:`build`, which rejects unknown keys and wrong types with a
:class:`~finml.errors.ConfigError` naming the dotted key.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from finml.errors import ConfigError

S = TypeVar("S")


def setting(default: Any, doc: str, source: str = "finml default", *, factory: bool = False) -> Any:
    """Declare a setting field with its documentation and provenance."""
    meta = {"doc": doc, "source": source}
    if factory or isinstance(default, (list, dict, set)):
        value = default
        return dataclasses.field(default_factory=lambda: type(value)(value), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def describe(cls: type) -> list[dict[str, Any]]:
    """Name, default, doc and source of every setting of ``cls`` (docs, conformance tests)."""
    out = []
    for f in dataclasses.fields(cls):
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else None  # type: ignore[misc]
        )
        out.append({"name": f.name, "default": default, "doc": f.metadata.get("doc"), "source": f.metadata.get("source")})
    return out


def build(cls: type[S], table: Mapping[str, Any] | None, key: str, base: S | None = None) -> S:
    """Instantiate settings ``cls`` from a config ``table`` found at dotted ``key``.

    ``base`` (e.g. a rule set's settings) supplies the values the table does not override.
    """
    table = dict(table or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ConfigError(
            f"unknown setting {unknown[0]!r}",
            key=f"{key}.{unknown[0]}",
            hint=f"valid settings: {', '.join(sorted(fields))}",
        )
    values: dict[str, Any] = {}
    for name, raw in table.items():
        values[name] = _coerce(raw, hints[name], f"{key}.{name}")
    if base is not None:
        return dataclasses.replace(base, **values)  # type: ignore[type-var]
    return cls(**values)


def _coerce(value: Any, hint: Any, key: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, key)
            except ConfigError as exc:
                errors.append(exc)
        raise errors[0] if errors else ConfigError("invalid value", key=key)
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"must be one of {', '.join(map(repr, args))}, got {value!r}", key=key)
        return value
    if origin in (list, tuple, typing.Sequence, typing.Collection, frozenset, set) or hint in (list, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"must be a list, got {type(value).__name__}", key=key)
        inner = args[0] if args else Any
        items = [_coerce(v, inner, f"{key}[{i}]") for i, v in enumerate(value)]
        if origin is frozenset:
            return frozenset(items)
        if origin is set:
            return set(items)
        return tuple(items) if origin in (tuple, typing.Sequence, typing.Collection) else items
    if origin in (dict, typing.Mapping) or hint is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"must be a table, got {type(value).__name__}", key=key)
        vt = args[1] if len(args) == 2 else Any
        return {str(k): _coerce(v, vt, f"{key}.{k}") for k, v in value.items()}
    if hint is Any:
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"must be true or false, got {value!r}", key=key)
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"must be an integer, got {value!r}", key=key)
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"must be a number, got {value!r}", key=key)
        return float(value)
    if hint is Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ConfigError(f"must be a number, got {value!r}", key=key)
        try:
            return Decimal(str(value))
        except Exception as exc:
            raise ConfigError(f"must be a number, got {value!r}", key=key) from exc
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"must be a string, got {value!r}", key=key)
        return value
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ConfigError(f"must be a table, got {type(value).__name__}", key=key)
        return build(hint, value, key)  # type: ignore[arg-type]
    return value
