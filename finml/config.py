"""finml.toml: where it is, what it holds, and its validation.

Looked up from ``--config PATH``, else ``$FINML_CONFIG``, else ``./finml.toml`` if present; with
none, defaults apply. Provider tables (``[providers.aws]``) and recommender tables
(``[recommenders.<name>]``) are validated by the plug-in's own ``Settings`` class when it is used,
so a typo in a setting names the exact key. Example in ``docs/configuration.md``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finml.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_TOP_KEYS = {
    "currency", "rule_set", "lookback_days", "data_dir", "providers", "recommenders",
    "exclude", "audit", "profiler", "report", "billing", "notify",
}
"""Top-level keys; plug-in areas (profiler, report, billing, notify) validate their own tables."""


@dataclass(frozen=True, slots=True)
class Exclusions:
    """Resources no recommender reports: by tag (value ``"*"`` = any value) or by id."""

    tags: Mapping[str, str] = field(default_factory=lambda: {"finml:keep": "*"})
    resource_ids: frozenset[str] = frozenset()

    def matches(self, resource_id: str, tags: Mapping[str, str]) -> bool:
        if resource_id in self.resource_ids:
            return True
        for k, want in self.tags.items():
            if k in tags and (want == "*" or tags[k] == want):
                return True
        return False


@dataclass(frozen=True, slots=True)
class Config:
    currency: str = "USD"
    rule_set: str = "finml-default"
    lookback_days: int = 14
    data_dir: Path | None = None
    providers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    recommenders: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exclude: Exclusions = field(default_factory=Exclusions)
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Other top-level tables (audit, profiler, report, billing, notify) for their owners."""
    source: Path | None = None

    def provider_table(self, name: str) -> Mapping[str, Any]:
        return self.providers.get(name, {})

    def recommender_table(self, name: str) -> Mapping[str, Any]:
        return self.recommenders.get(name, {})

    def section(self, name: str) -> Mapping[str, Any]:
        return self.sections.get(name, {})

    def resolved_data_dir(self) -> Path:
        from finml.store import default_data_dir

        return self.data_dir or default_data_dir()


def find_config_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    if explicit:
        p = Path(explicit).expanduser()
        if not p.is_file():
            raise ConfigError(f"config file {p} does not exist", hint="check --config / FINML_CONFIG")
        return p
    env = os.environ.get("FINML_CONFIG")
    if env:
        p = Path(env).expanduser()
        if not p.is_file():
            raise ConfigError(f"config file {p} (from FINML_CONFIG) does not exist")
        return p
    local = Path("finml.toml")
    return local if local.is_file() else None


def load(path: str | os.PathLike[str] | None = None) -> Config:
    found = find_config_path(path)
    if found is None:
        return Config()
    try:
        with open(found, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{found}: {exc}", hint="fix the TOML syntax at the position shown") from exc
    return parse(data, source=found)


def parse(data: Mapping[str, Any], source: Path | None = None) -> Config:
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError("unknown top-level key", key=unknown[0], hint=f"valid keys: {', '.join(sorted(_TOP_KEYS))}")
    currency = data.get("currency", "USD")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        raise ConfigError(f"must be a 3-letter ISO 4217 code, got {currency!r}", key="currency")
    lookback = data.get("lookback_days", 14)
    if isinstance(lookback, bool) or not isinstance(lookback, int) or not 1 <= lookback <= 400:
        raise ConfigError(f"must be an integer from 1 to 400, got {lookback!r}", key="lookback_days")
    rule_set = data.get("rule_set", "finml-default")
    if not isinstance(rule_set, str):
        raise ConfigError("must be a string", key="rule_set")
    data_dir = data.get("data_dir")
    if data_dir is not None and not isinstance(data_dir, str):
        raise ConfigError("must be a path string", key="data_dir")
    for area in ("providers", "recommenders"):
        table = data.get(area, {})
        if not isinstance(table, dict) or any(not isinstance(v, dict) for v in table.values()):
            raise ConfigError(f"[{area}.<name>] sections must be tables", key=area)
    return Config(
        currency=currency.upper(),
        rule_set=rule_set,
        lookback_days=lookback,
        data_dir=Path(data_dir).expanduser() if data_dir else None,
        providers=data.get("providers", {}),
        recommenders=data.get("recommenders", {}),
        exclude=_exclusions(data.get("exclude", {})),
        sections={k: v for k, v in data.items() if k in {"audit", "profiler", "report", "billing", "notify"}},
        source=source,
    )


def _exclusions(table: Any) -> Exclusions:
    if not isinstance(table, dict):
        raise ConfigError("must be a table", key="exclude")
    unknown = sorted(set(table) - {"tags", "resource_ids"})
    if unknown:
        raise ConfigError("unknown key", key=f"exclude.{unknown[0]}", hint="valid keys: tags, resource_ids")
    tags = table.get("tags", {"finml:keep": "*"})
    if isinstance(tags, list):
        tags = {t: "*" for t in tags}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise ConfigError('must be a table of tag = "value" (or "*") or a list of tag keys', key="exclude.tags")
    ids = table.get("resource_ids", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ConfigError("must be a list of resource id strings", key="exclude.resource_ids")
    return Exclusions(tags=tags, resource_ids=frozenset(ids))
