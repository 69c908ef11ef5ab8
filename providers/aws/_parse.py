"""Small pure helpers for reading recorded AWS pages (timestamps, tags, money)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from finml.money import Money

_TRANSITION = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) GMT\)")


def ts(value: Any) -> datetime | None:
    """An AWS timestamp (ISO 8601 string as recorded, or a datetime) as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).replace("Z", "+00:00")
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def transition_time(reason: str | None) -> datetime | None:
    """The time in EC2's StateTransitionReason, e.g. ``User initiated (2026-10-01 12:00:00 GMT)``."""
    m = _TRANSITION.search(reason or "")
    return ts(m.group(1).replace(" ", "T")) if m else None


def tags(items: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """EC2/ASG ``[{"Key", "Value"}]`` lists and Savings Plans' ``{key: value}`` maps."""
    if isinstance(items, Mapping):
        return {str(k): str(v) for k, v in items.items()}
    return {str(t["Key"]): str(t.get("Value", "")) for t in items or () if "Key" in t}


def money(amount: Any, currency: str | None) -> Money | None:
    if amount is None or amount == "":
        return None
    return Money(Decimal(str(amount)), (currency or "USD").upper())


def months(seconds: Any) -> int | None:
    """A term in seconds (31536000 = 1 year) as whole months."""
    if not seconds:
        return None
    return round(int(seconds) / (365 * 86400 / 12))
