"""The embedded store: where finml keeps billing data, audit history and run records.

One data directory (``data_dir`` in finml.toml, ``$FINML_DATA_DIR``, else
``$XDG_DATA_HOME/finml`` or ``~/.local/share/finml``). Writers take :func:`store_lock` so two
scheduled audits or ingests never interleave; readers need no lock because every write lands by
atomic rename.
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

from finml.errors import StoreError

__all__ = ["default_data_dir", "store_lock"]


def default_data_dir() -> Path:
    env = os.environ.get("FINML_DATA_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "finml"


class _Lock:
    def __init__(self, data_dir: Path, timeout: float) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._path = data_dir / ".finml.lock"
        self._lock = FileLock(str(self._path), timeout=timeout)

    def __enter__(self) -> None:
        try:
            self._lock.acquire()
        except Timeout as exc:
            raise StoreError(
                f"the store at {self._path.parent} is locked by another finml process",
                hint="wait for the other audit/ingest to finish, or raise --lock-timeout",
            ) from exc

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def store_lock(data_dir: Path, timeout: float = 600.0) -> _Lock:
    """An exclusive, cross-process lock on the store in ``data_dir``."""
    return _Lock(data_dir, timeout)
