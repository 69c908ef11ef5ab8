"""The recommender contract: pure functions over the model and the price catalog.

A recommender never calls a cloud SDK. It is one module in ``recommenders/`` with a class that
sets ``name`` (kebab-case), ``summary`` (one line), ``kinds`` (resource kinds it reads), ``needs``
(``metrics``, ``objects``, ``costs``), a docstring saying what it detects, why it costs money, the
action and the risk, and a ``Settings`` dataclass whose fields are declared with
:func:`finml.settings.setting` (doc + source). ``RULE_SETS`` maps rule-set names to settings; a
rule set a recommender does not define falls back to ``finml-default``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from finml.focus import CostsView
from finml.model import Estate, Finding, Skipped
from finml.pricing import PriceCatalog

DEFAULT_RULE_SET = "finml-default"


@dataclass
class RecommenderContext:
    prices: PriceCatalog
    now: datetime
    currency: str = "USD"
    rule_set: str = DEFAULT_RULE_SET
    costs: CostsView | None = None
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, recommender: str, provider: str, resource_id: str, reason: str) -> None:
        self.skipped.append(Skipped(recommender, provider, resource_id, reason))


@dataclass(frozen=True)
class NoSettings:
    """This recommender has no thresholds."""


class Recommender(ABC):
    name: ClassVar[str]
    summary: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]] = ()
    needs: ClassVar[tuple[str, ...]] = ()
    Settings: ClassVar[type[Any]] = NoSettings
    RULE_SETS: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, settings: Any | None = None, rule_set: str = DEFAULT_RULE_SET) -> None:
        self.rule_set = rule_set if rule_set in self.RULE_SETS else DEFAULT_RULE_SET
        self.settings = settings if settings is not None else self.base_settings(rule_set)

    @classmethod
    def base_settings(cls, rule_set: str) -> Any:
        return cls.RULE_SETS.get(rule_set) or cls.RULE_SETS.get(DEFAULT_RULE_SET) or cls.Settings()

    @abstractmethod
    def run(self, estate: Estate, ctx: RecommenderContext) -> Iterable[Finding]:
        """Yield findings; call ``ctx.skip`` for resources that could not be judged."""
