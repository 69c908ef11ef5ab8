"""The provider contract: collect raw pages (I/O), normalise them into the model (pure).

A provider plug-in subclasses :class:`Provider`, is listed in ``providers/__init__.py`` and
supplies:

* ``Settings``: a frozen dataclass of its ``[providers.<name>]`` settings (see :mod:`finml.settings`);
* :meth:`collect`: calls only read operations of the cloud APIs, adds every response page to
  ``ctx.pages`` and records every failure as a :class:`~finml.model.CollectionIssue` (never raises
  for a single account/region/service: the audit goes on);
* :meth:`normalise`: a pure function from pages to an :class:`~finml.model.Estate`;
* :meth:`demo_pages`: a deterministic sample estate in the same raw format, for ``--demo``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from finml.model import CollectionIssue, Estate
from finml.raw import RawPages


@dataclass(frozen=True)
class ProviderSettings:
    """Settings every provider understands; providers extend this with their own."""


ProgressCallback = Callable[[str, int, int], None]
"""``progress(label, done, total)``; the CLI draws it, libraries ignore it."""


def _no_progress(label: str, done: int, total: int) -> None:
    return None


@dataclass
class CollectContext:
    pages: RawPages
    now: datetime
    lookback_days: int = 14
    progress: ProgressCallback = field(default=_no_progress)

    def issue(self, issue: CollectionIssue) -> None:
        self.pages.add_issue(issue)


class Provider(ABC):
    name: ClassVar[str]
    title: ClassVar[str]
    extra: ClassVar[str | None] = None
    """The pip extra that installs this provider's SDKs (``None`` if core)."""
    Settings: ClassVar[type[Any]] = ProviderSettings

    def __init__(self, settings: Any | None = None, **clients: Any) -> None:
        """``clients`` lets tests and embedders inject SDK sessions/clients/transports."""
        self.settings = settings if settings is not None else self.Settings()
        self.clients = clients

    @abstractmethod
    def collect(self, ctx: CollectContext) -> None:
        """Fetch inventory, metrics and (optionally) prices into ``ctx.pages``. Read-only."""

    @classmethod
    @abstractmethod
    def normalise(cls, pages: RawPages) -> Estate:
        """Turn this provider's raw pages into the model. Pure: no I/O, no clock."""

    @classmethod
    @abstractmethod
    def demo_pages(cls, now: datetime) -> RawPages:
        """A deterministic sample estate (raw pages) with planted waste, relative to ``now``."""
