"""Audit history: every ``finml audit`` recorded, so audits can be diffed over time.

Layout: ``DATA_DIR/audits/<estate>/<UTC timestamp to the microsecond>-<8 hex>.json.gz`` (the audit JSON of schema
``finml-audit/1`` plus the config that was used) and ``DATA_DIR/audits/<estate>/first_seen.json``
(finding id -> ISO date it was first seen). ``estate`` separates histories that must not mix,
e.g. ``demo`` vs ``default``. Writes hold :func:`finml.store.store_lock` and land by atomic rename,
so two audits at once never corrupt the history and an interrupted audit leaves it intact.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from finml.errors import StoreError
from finml.store import store_lock

_NAME = re.compile(r"^\d{8}T\d{12}Z-[0-9a-f]{8}\.json\.gz$")


@dataclass(frozen=True)
class RecordedAudit:
    path: Path
    recorded_at: datetime
    doc: Mapping[str, Any]

    def findings(self) -> dict[str, Mapping[str, Any]]:
        return {f["id"]: f for f in self.doc.get("findings", [])}

    def total(self, currency: str) -> Decimal:
        for t in self.doc.get("totals", {}).get("all", []):
            if t["currency"] == currency:
                return Decimal(t["amount"])
        return Decimal(0)


class AuditHistory:
    def __init__(self, data_dir: Path, estate: str = "default") -> None:
        self.data_dir = data_dir
        self.dir = data_dir / "audits" / re.sub(r"[^A-Za-z0-9_-]", "_", estate)

    def record(self, doc: Mapping[str, Any], config: Mapping[str, Any] | None, now: datetime) -> RecordedAudit:
        """Store one audit and update first-seen dates; returns the stored record."""
        with store_lock(self.data_dir):
            self.dir.mkdir(parents=True, exist_ok=True)
            first_seen = self.first_seen()
            day = now.date().isoformat()
            for f in doc.get("findings", []):
                first_seen.setdefault(f["id"], day)
            body = dict(doc)
            body["recorded_config"] = config or {}
            path = self.dir / f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}.json.gz"
            _atomic(path, gzip.compress(json.dumps(body, sort_keys=True).encode()))
            _atomic(self.dir / "first_seen.json", json.dumps(first_seen, sort_keys=True).encode())
        return RecordedAudit(path, now, body)

    def first_seen(self) -> dict[str, str]:
        p = self.dir / "first_seen.json"
        if not p.is_file():
            return {}
        try:
            data: dict[str, str] = json.loads(p.read_text(encoding="utf-8"))
            return data
        except (OSError, ValueError) as exc:
            raise StoreError(f"{p}: unreadable ({exc})", hint="restore it from backup or delete it") from exc

    def paths(self) -> list[Path]:
        return sorted(p for p in self.dir.glob("*.json.gz") if _NAME.match(p.name))

    def load(self, path: Path) -> RecordedAudit:
        try:
            doc = json.loads(gzip.decompress(path.read_bytes()))
        except (OSError, ValueError, EOFError) as exc:
            raise StoreError(f"{path}: unreadable audit record ({exc})", hint="delete the damaged file") from exc
        stamp = datetime.strptime(path.name[:22], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=timezone.utc)
        return RecordedAudit(path, stamp, doc)

    def latest(self, n: int = 1) -> list[RecordedAudit]:
        """The ``n`` most recent audits, newest first (damaged records are skipped)."""
        out: list[RecordedAudit] = []
        for p in reversed(self.paths()):
            try:
                out.append(self.load(p))
            except StoreError:
                continue
            if len(out) == n:
                break
        return out


def _atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@dataclass(frozen=True)
class AuditDiff:
    new: list[Mapping[str, Any]]
    resolved: list[Mapping[str, Any]]
    changed: list[tuple[Mapping[str, Any], Mapping[str, Any]]]
    unchanged: int
    previous_at: datetime | None
    trend: list[tuple[datetime, dict[str, str]]]

    def to_json(self) -> dict[str, Any]:
        return {
            "previous_audit_at": self.previous_at.isoformat() if self.previous_at else None,
            "new": [_brief(f) for f in self.new],
            "resolved": [_brief(f) for f in self.resolved],
            "changed": [
                {"before": _brief(a), "after": _brief(b)} for a, b in self.changed
            ],
            "unchanged": self.unchanged,
            "savings_trend": [{"recorded_at": t.isoformat(), "totals": tot} for t, tot in self.trend],
        }


def _brief(f: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("id", "recommender", "provider", "account", "region", "resource_id", "title", "action",
            "monthly_saving", "first_seen")
    return {k: f.get(k) for k in keys if k in f}


def diff(current: Mapping[str, Any], previous: RecordedAudit | None, history: list[RecordedAudit]) -> AuditDiff:
    """New, resolved and changed findings of ``current`` against ``previous``, plus the savings trend
    over ``history`` (oldest first, then the current audit)."""
    cur = {f["id"]: f for f in current.get("findings", [])}
    prev = previous.findings() if previous else {}
    changed = []
    unchanged = 0
    for fid in cur.keys() & prev.keys():
        a, b = prev[fid], cur[fid]
        if (a["monthly_saving"], a["action"], a["title"]) != (b["monthly_saving"], b["action"], b["title"]):
            changed.append((a, b))
        else:
            unchanged += 1
    trend = [
        (h.recorded_at, {t["currency"]: t["amount"] for t in h.doc.get("totals", {}).get("all", [])})
        for h in sorted(history, key=lambda h: h.recorded_at)
    ]
    return AuditDiff(
        new=[cur[i] for i in sorted(cur.keys() - prev.keys())],
        resolved=[prev[i] for i in sorted(prev.keys() - cur.keys())],
        changed=sorted(changed, key=lambda ab: ab[1]["id"]),
        unchanged=unchanged,
        previous_at=previous.recorded_at if previous else None,
        trend=trend,
    )
