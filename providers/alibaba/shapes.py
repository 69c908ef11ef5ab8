"""Helpers for Alibaba Cloud RPC JSON: list wrappers, tags, timestamps, numbers.

RPC APIs wrap lists in an object named after the element (``{"Instances": {"Instance": [...]}}``,
``Disks.Disk``, ``Snapshots.Snapshot``, ``EipAddresses.EipAddress``, ``Tags.Tag``); newer
responses and some SDKs flatten them to plain lists. Both are accepted everywhere.
Times come as ISO 8601 UTC with or without seconds (``2024-01-02T03:04Z``,
``2021-04-23T01:37:38Z``, ``2024-01-02T03:04:05.000Z``) or as epoch milliseconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

_NO_SECONDS = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(Z|[+-]\d{2}:?\d{2})?$")


def items(body: Any, outer: str, inner: str) -> list[dict[str, Any]]:
    """``body[outer][inner]`` (RPC wrapping) or ``body[outer]`` (flat list); [] when absent."""
    if not isinstance(body, Mapping):
        return []
    value = body.get(outer)
    if isinstance(value, Mapping):
        value = value.get(inner)
    if isinstance(value, Mapping):  # a single element serialised as an object
        value = [value]
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, Mapping)]  # type: ignore[misc]


def strings(body: Any, outer: str, inner: str) -> list[str]:
    """A wrapped list of scalars (``{"IpAddress": ["1.2.3.4"]}``)."""
    if not isinstance(body, Mapping):
        return []
    value = body.get(outer)
    if isinstance(value, Mapping):
        value = value.get(inner)
    if isinstance(value, (str, int)):
        value = [value]
    return [str(v) for v in value or [] if v not in (None, "")] if isinstance(value, list) else []


def tags(resource: Mapping[str, Any]) -> dict[str, str]:
    """Tags from ``Tags.Tag`` with ECS keys (TagKey/TagValue) or VPC keys (Key/Value)."""
    out: dict[str, str] = {}
    for t in items(resource, "Tags", "Tag"):
        key = t.get("TagKey", t.get("Key"))
        if key:
            out[str(key)] = str(t.get("TagValue", t.get("Value")) or "")
    return out


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from Alibaba's time formats; None for empty or unparseable."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
    m = _NO_SECONDS.match(text)
    if m:
        text = m.group(1) + ":00" + (m.group(2) or "")
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        ts = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return None
    return ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)


def number(value: Any, default: float = 0.0) -> float:
    """A float from a JSON number or numeric string ("40"); ``default`` otherwise."""
    if isinstance(value, bool):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def json_list(value: Any) -> list[dict[str, Any]]:
    """CloudMonitor ``Datapoints``: a JSON *string* holding a list (or, defensively, a list)."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            return []
    if isinstance(value, Mapping):
        value = value.get("Datapoint", value.get("datapoint", []))
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []  # type: ignore[misc]
