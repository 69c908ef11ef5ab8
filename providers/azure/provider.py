"""The Azure provider: settings, credentials, subscriptions and the collection run.

Credentials come from ``DefaultAzureCredential`` (environment, workload/managed identity, Azure CLI,
…). Tests and embedders inject ``credential=`` (anything with ``get_token``) and ``transport=`` (an
azure-core ``HttpTransport``) through the constructor's ``**clients``; every SDK client then sends
through :class:`~providers.azure._http.ReadOnlyTransport` around that transport.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from finml.errors import ConfigError, require
from finml.model import CollectionIssue, Estate
from finml.provider import CollectContext, Provider
from finml.raw import GLOBAL, RawPages
from finml.settings import setting
from providers.azure.errors import PROVIDER, credentials_error, to_issue

log = logging.getLogger(__name__)

ARM_SCOPE = "https://management.azure.com/.default"
_EXTRA = "azure"


@dataclass(frozen=True)
class AzureSettings:
    subscriptions: list[str] = setting(
        [], "Subscription ids to audit. Empty: every subscription the identity can see "
            "(needs azure-mgmt-resource-subscriptions, part of the azure extra).")
    regions: list[str] = setting(
        [], "Only audit resources in these ARM locations (e.g. eastus, westeurope). Empty: all.")
    max_workers: int = setting(8, "Parallel API calls (subscriptions, per-VM metrics and instance views).")
    max_retries: int = setting(
        3, "Retries per call on throttling (429, honouring Retry-After) and transient 5xx.",
        "azure-core RetryPolicy default")
    lookback_days: int | None = setting(
        None, "Days of Azure Monitor metrics to read. Empty: the audit's lookback_days.")
    metrics: bool = setting(True, "Read Azure Monitor VM metrics (needs Monitoring Reader).")
    metrics_interval: str = setting(
        "PT1H", "Azure Monitor time grain (ISO 8601 duration: PT1M, PT5M, PT15M, PT30M, PT1H, P1D).",
        "Azure Monitor metrics REST API")
    price_cache_ttl_hours: int = setting(
        168, "How long Azure Retail Prices API answers stay in the price cache.")


class AzureProvider(Provider):
    name = "azure"
    title = "Microsoft Azure"
    extra = _EXTRA
    Settings = AzureSettings

    def __init__(self, settings: AzureSettings | None = None, **clients: Any) -> None:
        super().__init__(settings, **clients)
        self.guard: Any = None
        """The :class:`ReadOnlyTransport` of the last :meth:`collect` (tests inspect it)."""

    # ---- collect (I/O) ------------------------------------------------------------------------

    def collect(self, ctx: CollectContext) -> None:
        s: AzureSettings = self.settings
        require("azure.identity", _EXTRA, "the Azure provider")
        require("azure.mgmt.compute", _EXTRA, "the Azure provider")
        require("azure.mgmt.network", _EXTRA, "the Azure provider")
        require("azure.mgmt.monitor", _EXTRA, "the Azure provider")
        from azure.core.pipeline.transport import RequestsTransport

        from providers.azure._http import ReadOnlyTransport

        credential = self._credential()
        own_transport = "transport" not in self.clients
        self.guard = ReadOnlyTransport(self.clients.get("transport") or RequestsTransport())
        try:
            subscriptions = self._subscriptions(ctx, credential)
            lookback = timedelta(days=s.lookback_days or ctx.lookback_days)
            regions = frozenset(r.replace(" ", "").lower() for r in s.regions)

            def one(sub: str) -> None:
                self._collect_one(ctx, credential, sub, regions, lookback)

            workers = max(1, min(s.max_workers, len(subscriptions)))
            if workers == 1:
                for sub in subscriptions:
                    one(sub)
            else:
                with ThreadPoolExecutor(max_workers=workers) as pool:
                    list(pool.map(one, subscriptions))
        finally:
            if own_transport:
                self.guard.inner.close()

    def _credential(self) -> Any:
        """The injected credential or ``DefaultAzureCredential``; fails fast if no token."""
        credential = self.clients.get("credential")
        if credential is None:
            from azure.identity import DefaultAzureCredential

            credential = DefaultAzureCredential()
        try:
            credential.get_token(ARM_SCOPE)
        except Exception as exc:  # noqa: BLE001 - azure-identity raises several types
            raise credentials_error(exc) from exc
        return credential

    def _client_kwargs(self) -> dict[str, Any]:
        return {"transport": self.guard, "retry_total": self.settings.max_retries}

    def _subscriptions(self, ctx: CollectContext, credential: Any) -> list[str]:
        s: AzureSettings = self.settings
        if s.subscriptions:
            return list(dict.fromkeys(s.subscriptions))
        try:
            from azure.mgmt.resource.subscriptions import SubscriptionClient
        except ImportError as exc:
            raise ConfigError(
                "no subscriptions configured and azure-mgmt-resource-subscriptions is not installed",
                key="providers.azure.subscriptions",
                hint="list subscription ids in [providers.azure] subscriptions = [...], or "
                     "pip install 'finml[azure]'",
            ) from exc
        from azure.core.exceptions import AzureError

        from providers.azure.collectors import paged

        client = SubscriptionClient(credential, **self._client_kwargs())
        try:
            items = paged(ctx, client.subscriptions.list, subscription=GLOBAL, region=GLOBAL,
                          service="resources", operation="subscriptions.list")
        except AzureError as exc:
            ctx.issue(to_issue(exc, subscription=None, region=None, service="resources",
                               operation="subscriptions.list"))
            return []
        out = []
        for item in items:
            sub_id = str(item.get("subscriptionId", ""))
            state = str(item.get("state", "Enabled"))
            if state in ("Disabled", "Deleted"):
                ctx.issue(CollectionIssue(
                    provider=PROVIDER, account=sub_id, region=None, service="resources",
                    operation="subscriptions.list", cause="region-disabled",
                    message=f"subscription {sub_id} ({item.get('displayName')}) is {state}; skipped",
                    hint="re-enable the subscription in the Azure portal if it should be audited",
                ))
                continue
            out.append(sub_id)
        if not out:
            log.warning("the Azure identity sees no enabled subscription")
        return out

    def _collect_one(self, ctx: CollectContext, credential: Any, sub: str, regions: frozenset[str],
                     lookback: timedelta) -> None:
        from azure.mgmt.compute import ComputeManagementClient
        from azure.mgmt.monitor import MonitorManagementClient
        from azure.mgmt.network import NetworkManagementClient

        from providers.azure.collectors import SubscriptionClients, collect_subscription

        s: AzureSettings = self.settings
        kw = self._client_kwargs()
        clients = SubscriptionClients(
            subscription=sub,
            compute=ComputeManagementClient(credential, sub, **kw),
            network=NetworkManagementClient(credential, sub, **kw),
            monitor=MonitorManagementClient(credential, sub, **kw),
        )
        collect_subscription(ctx, clients, regions=regions, lookback=lookback, interval=s.metrics_interval,
                             metrics=s.metrics, max_workers=s.max_workers)

    # ---- prices ---------------------------------------------------------------------------------

    def price_catalog(self, data_dir: Path) -> Any:
        """A live :class:`~providers.azure.prices.AzureRetailPrices` catalog using this provider's
        injected transport (if any) and the configured cache TTL."""
        from providers.azure.prices import AzureRetailPrices

        return AzureRetailPrices(
            data_dir, transport=self.clients.get("transport"),
            ttl=timedelta(hours=self.settings.price_cache_ttl_hours),
        )

    # ---- normalise (pure) / demo ----------------------------------------------------------------

    @classmethod
    def normalise(cls, pages: RawPages) -> Estate:
        from providers.azure.normalise import normalise

        return normalise(pages)

    @classmethod
    def demo_pages(cls, now: datetime) -> RawPages:
        from providers.azure.demo import demo_pages

        return demo_pages(now)
