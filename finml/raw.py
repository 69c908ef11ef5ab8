"""Raw API pages: what collectors fetch and normalisers read, and the offline snapshot format.

A snapshot directory (``finml collect --out DIR``; read by ``finml audit --from DIR``) holds::

    DIR/manifest.json                                   {"format": "finml-raw/1", ...}
    DIR/<provider>/issues.json                          collection issues (partial failures)
    DIR/<provider>/<account>/<region>/<service>/<operation>.<page>.json

Each page file is ``{"params": {...}, "response": {...}}`` with the API response in the provider's
own JSON shape (datetimes as ISO 8601 strings). Secrets are never written: keys that look like
credentials are replaced by ``"***"`` before a page enters the collection at all.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from finml.errors import InputError
from finml.model import CollectionIssue

FORMAT = "finml-raw/1"
GLOBAL = "global"
"""Region name for global services (STS, S3 bucket listing, Organizations, billing catalogs)."""

_SECRET_KEY = re.compile(
    r"(password|secret|credential|accesskey|access_key|privatekey|private_key|sessiontoken|"
    r"session_token|userdata|user_data|customdata|custom_data|adminpassword|connectionstring)",
    re.IGNORECASE,
)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._@=-]+")


_PLAIN = (str, int, float, bool, type(None))


def to_jsonable(value: Any) -> Any:
    """Convert SDK response values to plain JSON types (datetimes to ISO, Decimal to str)."""
    kind = type(value)
    if kind in _PLAIN:  # fast path: metric series hold hundreds of thousands of plain values
        return value
    if kind is list:
        return [v if type(v) in _PLAIN else to_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def scrub(value: Any) -> Any:
    """Replace values under credential-like keys with ``"***"`` (recursively)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [v if type(v) in _PLAIN else scrub(v) for v in value]
    if isinstance(value, Mapping):
        return {
            k: ("***" if _SECRET_KEY.search(str(k)) and v not in (None, "", [], {}) else scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class RawPage:
    provider: str
    account: str
    region: str
    service: str
    operation: str
    page: int
    params: Mapping[str, Any]
    response: Any


class RawPages:
    """A thread-safe collection of raw pages and collection issues for one or more providers."""

    def __init__(self) -> None:
        self._pages: list[RawPage] = []
        self._issues: list[CollectionIssue] = []
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, str, str, str, str], int] = {}

    def add(
        self,
        provider: str,
        account: str,
        region: str,
        service: str,
        operation: str,
        response: Any,
        params: Mapping[str, Any] | None = None,
    ) -> RawPage:
        """Record one response page (converted to JSON types and scrubbed of secrets)."""
        body = scrub(to_jsonable(response))
        if isinstance(body, dict):
            body.pop("ResponseMetadata", None)
        key = (provider, account, region, service, operation)
        with self._lock:
            n = self._counters.get(key, 0)
            self._counters[key] = n + 1
            page = RawPage(provider, account, region, service, operation, n, scrub(to_jsonable(params or {})), body)
            self._pages.append(page)
        return page

    def add_issue(self, issue: CollectionIssue) -> None:
        with self._lock:
            self._issues.append(issue)

    @property
    def issues(self) -> list[CollectionIssue]:
        return list(self._issues)

    def __iter__(self) -> Iterator[RawPage]:
        return iter(list(self._pages))

    def __len__(self) -> int:
        return len(self._pages)

    def select(
        self,
        provider: str | None = None,
        service: str | None = None,
        operation: str | None = None,
    ) -> list[RawPage]:
        """Pages matching every given field, in (account, region, page) order."""
        out = [
            p
            for p in self._pages
            if (provider is None or p.provider == provider)
            and (service is None or p.service == service)
            and (operation is None or p.operation == operation)
        ]
        out.sort(key=lambda p: (p.account, p.region, p.service, p.operation, p.page))
        return out

    def providers(self) -> list[str]:
        return sorted({p.provider for p in self._pages} | {i.provider for i in self._issues})

    def only(self, provider: str) -> RawPages:
        sub = RawPages()
        sub._pages = [p for p in self._pages if p.provider == provider]
        sub._issues = [i for i in self._issues if i.provider == provider]
        return sub

    def merge(self, other: RawPages) -> None:
        with self._lock:
            self._pages.extend(other._pages)
            self._issues.extend(other._issues)

    # ---- the snapshot directory -------------------------------------------------------------

    def write_dir(self, root: Path, *, created_at: datetime, finml_version: str) -> None:
        root.mkdir(parents=True, exist_ok=True)
        for p in self._pages:
            d = root / _safe(p.provider) / _safe(p.account) / _safe(p.region) / _safe(p.service)
            d.mkdir(parents=True, exist_ok=True)
            _atomic_write(d / f"{_safe(p.operation)}.{p.page:05d}.json", {"params": p.params, "response": p.response})
        for provider in self.providers():
            issues = [i.to_json() for i in self._issues if i.provider == provider]
            (root / _safe(provider)).mkdir(parents=True, exist_ok=True)
            _atomic_write(root / _safe(provider) / "issues.json", issues)
        _atomic_write(
            root / "manifest.json",
            {
                "format": FORMAT,
                "created_at": created_at.isoformat(),
                "finml_version": finml_version,
                "providers": self.providers(),
                "pages": len(self._pages),
            },
        )

    @classmethod
    def read_dir(cls, root: Path, providers: Iterable[str] | None = None) -> RawPages:
        manifest_path = root / "manifest.json"
        if not manifest_path.is_file():
            raise InputError(
                f"{root} is not a finml snapshot (no manifest.json)",
                hint="create one with: finml collect --provider aws --out DIR",
            )
        manifest = _read_json(manifest_path)
        if manifest.get("format") != FORMAT:
            raise InputError(
                f"{manifest_path}: unsupported snapshot format {manifest.get('format')!r}",
                hint=f"this finml reads {FORMAT}; re-collect with this version",
            )
        wanted = set(providers) if providers else None
        pages = cls()
        for provider in manifest.get("providers", []):
            if wanted is not None and provider not in wanted:
                continue
            pdir = root / _safe(provider)
            issues_path = pdir / "issues.json"
            if issues_path.is_file():
                for item in _read_json(issues_path):
                    pages._issues.append(CollectionIssue.from_json(item))
            for f in sorted(pdir.glob("*/*/*/*.json")):
                account, region, service = f.parts[-4], f.parts[-3], f.parts[-2]
                operation, _, num = f.stem.rpartition(".")
                body = _read_json(f)
                pages._pages.append(
                    RawPage(provider, account, region, service, operation, int(num), body.get("params", {}), body.get("response"))
                )
        return pages


def _safe(name: str) -> str:
    return _SAFE_NAME.sub("_", name) or "_"


def _atomic_write(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
    os.replace(tmp, path)


def _read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}, line {exc.lineno}: not valid JSON ({exc.msg})",
            hint="the snapshot is damaged; re-collect it with finml collect",
        ) from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
