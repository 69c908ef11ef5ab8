"""The audit pipeline: gather raw pages (live, snapshot or demo), normalise, recommend.

:func:`gather` is the only step that does I/O against clouds; :func:`analyse` is deterministic
for given pages, config, prices and ``now``. Both are used by ``finml audit`` and ``finml collect``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from finml import settings as settings_mod
from finml.config import Config
from finml.errors import CredentialsError, FinmlError, UsageError
from finml.focus import CostsView
from finml.model import CollectionIssue, Estate, Finding, Skipped
from finml.pricing import PriceCatalog, default_catalog
from finml.provider import CollectContext, ProgressCallback, Provider, _no_progress
from finml.raw import RawPages
from finml.recommender import RecommenderContext

log = logging.getLogger(__name__)

SourceKind = Literal["live", "snapshot", "demo"]

DEMO_NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
"""The fixed clock of the demo estate, so that ``finml audit --demo`` is reproducible."""


@dataclass(frozen=True)
class Source:
    kind: SourceKind
    path: Path | None = None

    def describe(self) -> str:
        return f"snapshot:{self.path}" if self.kind == "snapshot" else self.kind


@dataclass
class AuditResult:
    findings: list[Finding]
    issues: list[CollectionIssue]
    skipped: list[Skipped]
    excluded: list[Finding]
    providers: list[str]
    recommenders: list[str]
    resource_counts: dict[str, int]
    source: str
    rule_set: str
    started_at: datetime
    finished_at: datetime
    analysed_at: datetime
    config_source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    first_seen: dict[str, str] = field(default_factory=dict)
    """Finding id -> ISO date it first appeared in the recorded audit history."""

    @property
    def partial(self) -> bool:
        return bool(self.issues)

    def totals(self, by: str | None = None) -> dict[str, dict[str, Any]]:
        """Exact savings per currency, optionally grouped by a finding attribute
        (``recommender``, ``provider``, ``account``, ``region``)."""
        from decimal import Decimal

        out: dict[str, dict[str, Any]] = {}
        for f in self.findings:
            group = getattr(f, by) if by else "all"
            slot = out.setdefault(group, {})
            slot[f.monthly_saving.currency] = slot.get(f.monthly_saving.currency, Decimal(0)) + f.monthly_saving.amount
        return out


def costs_view(config: Config, demo: bool, now: datetime) -> CostsView | None:
    """Bills for the recommenders that read them: the demo's, else the store's when it has any."""
    if demo:
        from finml.billing.demo import demo_costs
        from finml.focus import TableCostsView

        return TableCostsView(demo_costs(now))
    from finml.store.costs import CostStore

    store = CostStore(config.resolved_data_dir())
    return None if store.is_empty() else store


def provider_classes(names: Sequence[str]) -> list[type[Provider]]:
    from providers import registry

    return [registry.get(n) for n in names]


def build_provider(name: str, config: Config, clients: Mapping[str, Any] | None = None) -> Provider:
    from providers import registry

    cls = registry.get(name)
    prov_settings = settings_mod.build(cls.Settings, config.provider_table(name), f"providers.{name}")
    return cls(prov_settings, **dict(clients or {}))


def gather(
    provider_names: Sequence[str],
    source: Source,
    config: Config,
    *,
    now: datetime,
    progress: ProgressCallback = _no_progress,
    clients: Mapping[str, Mapping[str, Any]] | None = None,
) -> RawPages:
    """Raw pages for ``provider_names`` from the live APIs, a snapshot directory or the demo."""
    if source.kind == "snapshot":
        assert source.path is not None
        pages = RawPages.read_dir(source.path, provider_names or None)
        missing = [p for p in provider_names if p not in pages.providers()]
        if missing:
            raise UsageError(
                f"snapshot {source.path} has no data for: {', '.join(missing)}",
                hint=f"it holds: {', '.join(pages.providers()) or 'nothing'}",
            )
        return pages
    pages = RawPages()
    for cls in provider_classes(provider_names):
        if source.kind == "demo":
            pages.merge(cls.demo_pages(now))
            continue
        provider = build_provider(cls.name, config, (clients or {}).get(cls.name))
        ctx = CollectContext(pages=pages, now=now, lookback_days=config.lookback_days, progress=progress)
        try:
            provider.collect(ctx)
        except CredentialsError as exc:
            if len(provider_names) == 1:
                raise
            pages.add_issue(_issue_from(cls.name, exc, cause="auth"))
        except FinmlError as exc:
            pages.add_issue(_issue_from(cls.name, exc, cause="error"))
    return pages


def _issue_from(provider: str, exc: FinmlError, cause: str) -> CollectionIssue:
    return CollectionIssue(
        provider=provider, account=getattr(exc, "account", None), region=getattr(exc, "region", None),
        service=getattr(exc, "service", None), operation=getattr(exc, "operation", None),
        cause=cause, message=str(exc), permission=getattr(exc, "permission", None), hint=exc.hint,
    )


def normalise(pages: RawPages) -> Estate:
    from providers import registry

    estate = Estate()
    for name in pages.providers():
        cls = registry.get(name)
        part = cls.normalise(pages.only(name))
        if name not in part.providers:
            part.providers.append(name)
        estate.extend(part)
    estate.issues = pages.issues
    return estate


def analyse(
    pages: RawPages,
    config: Config,
    *,
    now: datetime,
    source: Source,
    started_at: datetime | None = None,
    recommender_names: Sequence[str] | None = None,
    prices: PriceCatalog | None = None,
    costs: CostsView | None = None,
) -> AuditResult:
    """Normalise ``pages`` and run the recommenders over the estate."""
    from recommenders import registry

    estate = normalise(pages)
    ctx = RecommenderContext(
        prices=prices or default_catalog(config, costs, facts=estate.instance_types, now=now), now=now, currency=config.currency,
        rule_set=config.rule_set, costs=costs,
    )
    names = list(recommender_names) if recommender_names else registry.names()
    findings: list[Finding] = []
    excluded: list[Finding] = []
    in_scope = set(estate.providers) | {r.provider for r in estate.resources}
    issues = list(estate.issues)
    for name in names:
        cls = registry.get(name)
        base = cls.base_settings(config.rule_set)
        rec_settings = settings_mod.build(cls.Settings, config.recommender_table(name), f"recommenders.{name}", base=base)
        rec = cls(rec_settings, rule_set=config.rule_set)
        try:
            produced = list(rec.run(estate, ctx))
        except FinmlError:
            raise
        except Exception as exc:  # a bug in one recommender must not hide the others' findings
            log.exception("recommender %s failed", name)
            issues.append(CollectionIssue(
                provider="finml", account=None, region=None, service=f"recommender:{name}", operation="run",
                cause="recommender-error", message=f"{type(exc).__name__}: {exc}",
                hint="this is a finml bug; please report it with the output of -vv",
            ))
            continue
        for f in produced:
            if f.provider not in in_scope:
                continue  # e.g. bills in the store cover a provider this audit was not asked about
            (excluded if config.exclude.matches(f.resource_id, f.tags) else findings).append(f)
    findings.sort(key=lambda f: (-f.monthly_saving.amount, f.recommender, f.resource_id))
    counts: dict[str, int] = {}
    for r in estate.resources:
        counts[r.provider] = counts.get(r.provider, 0) + 1
    return AuditResult(
        findings=findings, issues=issues, skipped=ctx.skipped, excluded=excluded,
        providers=list(estate.providers), recommenders=names, resource_counts=counts,
        source=source.describe(), rule_set=config.rule_set,
        started_at=started_at or now, finished_at=datetime.now(timezone.utc), analysed_at=now,
        config_source=str(config.source) if config.source else None,
    )
