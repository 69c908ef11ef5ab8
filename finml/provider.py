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
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from finml.model import CollectionIssue, Estate
from finml.raw import RawPages

if TYPE_CHECKING:
    from finml.pricing import PriceCatalog


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

    def price_catalog(self, data_dir: Path) -> PriceCatalog | None:
        """A live price catalog for this provider (cached under ``data_dir``), or None.

        Used only when live prices are on (``[audit] live_prices = true``); it answers only for
        this provider and shares its credentials and injected clients."""
        return None

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
