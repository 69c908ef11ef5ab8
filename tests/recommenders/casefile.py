"""Recommender case files: YAML inputs in model form -> expected findings, savings and skips.

Format (one file per recommender, ``tests/recommenders/cases/<name>.yaml``)::

    recommender: unattached-volumes
    cases:
      - name: what this case proves
        now: 2026-11-01T00:00:00Z
        rule_set: finml-default            # optional
        settings: {min_age_days: 7}        # optional overrides, validated like finml.toml
        resources:                         # model classes by name; fields as in finml/model.py
          - {type: Volume, provider: aws, account: "1", region: us-east-1, id: vol-1, ...}
        metrics:                           # optional; values: list | {constant: v, hours: n}
          - {resource_id: i-1, metric: cpu.utilization, start: 2026-10-18T00:00:00Z,
             values: {constant: 3.0, hours: 336}}          # | {repeat: [..], hours: n}
                                           # | {segments: [{constant: 50, hours: 240}, ...]}
        objects: [{type: StoredObject, ...}]               # optional
        instance_types: [{provider: aws, name: m5.large, vcpus: 2, memory_gib: 8, family: m5}]
        costs: [{ChargePeriodStart: ..., BilledCost: "1.5", ...}]   # optional FOCUS rows
                                           # a row with hours: n stands for n hourly rows from its
                                           # ChargePeriodStart; pattern: [..] scales the money and
                                           # quantity columns of the i-th hour by pattern[i % len]
        expect:
          findings:                        # exactly these (resource_id, action[, variant]) pairs
            - {resource_id: vol-1, action: delete, monthly_saving: "8.00 USD",
               evidence: {key: value}, details: {key: value}, confidence: high}
          skipped: [{resource_id: i-9, reason_contains: "30 hours"}]

``monthly_saving`` is compared after rounding to cents unless written with more decimals, in
which case it must match exactly. ``evidence``/``details`` entries must be equal (subset match).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from finml import model
from finml.focus import SCHEMA, TableCostsView
from finml.money import Money

CASES_DIR = Path(__file__).parent / "cases"


@dataclasses.dataclass
class Case:
    file: str
    recommender: str
    name: str
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.recommender}: {self.name}"


def load_cases() -> Iterator[Case]:
    for f in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for spec in doc["cases"]:
            yield Case(f.name, doc["recommender"], spec["name"], spec)


def parse_money(text: str) -> Money:
    amount, currency = str(text).split()
    return Money.of(amount, currency)


def as_utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert isinstance(value, datetime), value
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _coerce(value: Any, hint: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)) and args:
        return _coerce(value, args[0])
    if hint is datetime:
        return as_utc(value)
    if hint is Money:
        return parse_money(value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, Mapping):
        return build(hint, value)
    if origin in (typing.Sequence, list, tuple) or hint in (list, tuple):
        return tuple(value)
    if hint is float:
        return float(value)
    return value


def build(cls: type, data: Mapping[str, Any]) -> Any:
    hints = typing.get_type_hints(cls, vars(model))
    kwargs = {k: _coerce(v, hints[k]) for k, v in data.items() if k != "type"}
    return cls(**kwargs)


def _values(spec: Any) -> list[float]:
    if isinstance(spec, list):
        return [float(v) for v in spec]
    if "segments" in spec:
        return [v for seg in spec["segments"] for v in _values(seg)]
    hours = int(spec["hours"])
    if "constant" in spec:
        return [float(spec["constant"])] * hours
    pattern = [float(v) for v in spec["repeat"]]
    return [pattern[i % len(pattern)] for i in range(hours)]


def build_estate(spec: Mapping[str, Any]) -> model.Estate:
    estate = model.Estate()
    for r in spec.get("resources", []):
        estate.resources.append(build(getattr(model, r["type"]), r))
    for m in spec.get("metrics", []):
        values = _values(m["values"])
        period = int(m.get("period_s", 3600))
        start = as_utc(m["start"])
        estate.metrics.append(model.MetricSeries(
            provider=m.get("provider", "aws"), resource_id=m["resource_id"], metric=m["metric"],
            unit=m.get("unit", "Percent"), period_s=period, statistic=m.get("statistic", "Average"),
            timestamps=tuple(start + timedelta(seconds=period * i) for i in range(len(values))),
            values=tuple(values),
        ))
    for o in spec.get("objects", []):
        estate.objects.append(build(model.StoredObject, o))
    for t in spec.get("instance_types", []):
        it = build(model.InstanceType, t)
        estate.instance_types[(it.provider, it.name)] = it
    estate.providers = sorted({r.provider for r in estate.resources} | {o.provider for o in estate.objects})
    return estate


def build_costs(rows: list[Mapping[str, Any]] | None) -> TableCostsView | None:
    if not rows:
        return None
    full = []
    for r in _expand_hours(rows):
        row: dict[str, Any] = {c: None for c in SCHEMA.names}
        for k, v in r.items():
            field = SCHEMA.field(k)
            if v is None:
                pass
            elif pa.types.is_timestamp(field.type):
                v = as_utc(v)
            elif pa.types.is_decimal(field.type):
                v = Decimal(str(v))
            elif pa.types.is_map(field.type):
                v = list(dict(v).items())
            row[k] = v
        full.append(row)
    return TableCostsView(pa.Table.from_pylist(full, schema=SCHEMA))


_SCALED = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingQuantity", "ConsumedQuantity")


def _expand_hours(rows: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """``hours: n`` -> n hourly copies of the row; ``pattern`` scales their amounts exactly."""
    for r in rows:
        if "hours" not in r:
            yield r
            continue
        start = as_utc(r["ChargePeriodStart"])
        pattern = [Decimal(str(p)) for p in r.get("pattern", [1])]
        for i in range(int(r["hours"])):
            row = {k: v for k, v in r.items() if k not in ("hours", "pattern")}
            row["ChargePeriodStart"] = start + timedelta(hours=i)
            row["ChargePeriodEnd"] = start + timedelta(hours=i + 1)
            factor = pattern[i % len(pattern)]
            for c in _SCALED:
                if row.get(c) is not None:
                    row[c] = Decimal(str(row[c])) * factor
            if factor == 0:
                continue
            yield row
