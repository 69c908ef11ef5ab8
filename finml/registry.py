"""A tiny name -> class registry with lazy built-ins and entry-point plug-ins.

Built-ins are listed as ``"module:Class"`` strings and imported only when first needed, so that
``finml --help`` never imports boto3, the Azure/Google/Alibaba SDKs or NVML. Third-party plug-ins
come from the entry-point group given to the registry; a plug-in that fails to import is logged
and skipped (built-ins that fail to import raise, because that is a bug or a missing extra).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from finml.errors import FinmlError, UsageError

log = logging.getLogger(__name__)

T = TypeVar("T")

_BUILTIN_PACKAGES = frozenset({"finml", "providers", "recommenders", "profiler", "reports"})


class Registry(Generic[T]):
    def __init__(self, what: str, builtins: Mapping[str, str], entry_point_group: str) -> None:
        self.what = what
        self._paths: dict[str, str] = dict(builtins)
        self._loaded: dict[str, type[T]] = {}
        self._group = entry_point_group
        self._plugins_scanned = False

    def _scan_plugins(self) -> None:
        if self._plugins_scanned:
            return
        self._plugins_scanned = True
        for ep in entry_points(group=self._group):
            if ep.name in self._paths:
                log.warning("%s plug-in %r ignored: a built-in has that name", self.what, ep.name)
                continue
            self._paths[ep.name] = ep.value

    def names(self) -> list[str]:
        self._scan_plugins()
        return sorted(self._paths)

    def register(self, name: str, cls: type[T]) -> None:
        """Register a class directly (tests, embedding applications)."""
        self._paths[name] = f"{cls.__module__}:{cls.__qualname__}"
        self._loaded[name] = cls

    def unregister(self, name: str) -> None:
        """Forget a directly registered class (the inverse of :meth:`register`)."""
        self._paths.pop(name, None)
        self._loaded.pop(name, None)

    def get(self, name: str) -> type[T]:
        self._scan_plugins()
        if name in self._loaded:
            return self._loaded[name]
        path = self._paths.get(name)
        if path is None:
            raise UsageError(
                f"unknown {self.what} {name!r}",
                hint=f"choose one of: {', '.join(self.names())}",
            )
        module_name, _, attr = path.partition(":")
        try:
            module = importlib.import_module(module_name)
            cls: type[T] = getattr(module, attr)
        except FinmlError:
            raise
        except Exception:
            if self._is_builtin(name):
                raise
            log.warning("%s plug-in %r (%s) failed to load; skipped", self.what, name, path, exc_info=True)
            raise UsageError(f"{self.what} plug-in {name!r} failed to load", hint="run with -vv for details") from None
        self._loaded[name] = cls
        return cls

    def _is_builtin(self, name: str) -> bool:
        return self._paths[name].split(".")[0].split(":")[0] in _BUILTIN_PACKAGES

    def load_all(self) -> Iterator[tuple[str, type[T]]]:
        """Every class that loads; broken third-party plug-ins are logged and skipped."""
        for name in self.names():
            try:
                yield name, self.get(name)
            except UsageError:
                if self._is_builtin(name):
                    raise
                continue
