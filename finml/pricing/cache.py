"""A small on-disk JSON cache with a TTL for live price API answers.

Entries live under ``DATA_DIR/price-cache/<namespace>/<sha256(key)>.json`` as
``{"fetched_at": ISO, "key": key, "value": ...}``; writes are atomic (rename). A stale entry is
still returned by :meth:`get_stale` so an offline run can fall back to the last known price.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any


class PriceCache:
    def __init__(self, root: Path, namespace: str, ttl: timedelta = timedelta(days=7)) -> None:
        self.dir = root / "price-cache" / namespace
        self.ttl = ttl

    def _path(self, key: str) -> Path:
        return self.dir / f"{hashlib.sha256(key.encode()).hexdigest()}.json"

    def _read(self, key: str) -> tuple[datetime, Any] | None:
        try:
            with open(self._path(key), encoding="utf-8") as fh:
                entry = json.load(fh)
            return datetime.fromisoformat(entry["fetched_at"]), entry["value"]
        except (OSError, ValueError, KeyError):
            return None

    def get(self, key: str, now: datetime | None = None) -> Any | None:
        """The cached value if younger than the TTL, else None."""
        hit = self._read(key)
        if hit is None:
            return None
        fetched, value = hit
        if (now or datetime.now(timezone.utc)) - fetched > self.ttl:
            return None
        return value

    def get_stale(self, key: str) -> tuple[datetime, Any] | None:
        """The cached value and when it was fetched, however old."""
        return self._read(key)

    def put(self, key: str, value: Any, now: datetime | None = None) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self._path(key)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"fetched_at": (now or datetime.now(timezone.utc)).isoformat(), "key": key, "value": value}, fh)
        os.replace(tmp, path)
