"""The Google Cloud provider: Compute Engine inventory and Cloud Monitoring metrics per project."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finml.errors import ConfigError, CredentialsError
from finml.model import CollectionIssue, Estate
from finml.provider import CollectContext, Provider
from finml.raw import GLOBAL, RawPages
from providers.gcp._sdk import ADC_HINT, GcpClients, rest_json
from providers.gcp.collect import project_tasks
from providers.gcp.errors import is_google_error, issue_from_exception
from providers.gcp.metrics import collect_metrics, location_filter
from providers.gcp.settings import GcpSettings

if TYPE_CHECKING:
    from providers.gcp.prices import GcpCatalogPrices

log = logging.getLogger(__name__)


class GcpProvider(Provider):
    """Google Cloud: instances, disks, snapshots, images, machine images, static addresses,
    committed use discounts (Compute Engine API) and utilisation (Cloud Monitoring API).

    Read-only: only ``list``/``aggregatedList``/``timeSeries.list`` calls (HTTP GET). Constructor
    ``**clients``: ``credentials``, ``project``, ``http_adapter``, ``monitoring``, ``catalog``,
    ``billing`` (see :mod:`providers.gcp._sdk`).
    """

    name = "gcp"
    title = "Google Cloud"
    extra = "gcp"
    Settings = GcpSettings

    def _clients(self) -> GcpClients:
        s: GcpSettings = self.settings
        return GcpClients(self.clients, s.retry_initial_s, s.retry_timeout_s)

    def projects(self, ctx: CollectContext, clients: GcpClients) -> list[str]:
        """Configured projects, else those linked to the billing account, else the ADC project."""
        s: GcpSettings = self.settings
        if s.projects:
            return list(s.projects)
        if s.billing_account:
            return self._billing_projects(ctx, clients, s.billing_account)
        project = clients.default_project()
        if not project:
            raise ConfigError(
                "no GCP project to audit", key="providers.gcp.projects",
                hint="set projects = [\"my-project\"] or billing_account in [providers.gcp], "
                     "or a quota project in the application default credentials",
            )
        return [project]

    def _billing_projects(self, ctx: CollectContext, clients: GcpClients, account: str) -> list[str]:
        name = account if account.startswith("billingAccounts/") else f"billingAccounts/{account}"
        found: list[str] = []
        try:
            pager = clients.billing().list_project_billing_info(request={"name": name}, retry=clients.retry())
            for page in pager.pages:
                body = rest_json(page)
                ctx.pages.add(self.name, name.split("/", 1)[1], GLOBAL, "cloudbilling", "projects.list",
                              body, {"name": name})
                found += [p["projectId"] for p in body.get("projectBillingInfo", [])
                          if p.get("billingEnabled") and p.get("projectId")]
        except Exception as exc:
            if not is_google_error(exc):
                raise
            issue = issue_from_exception(exc, project=None, region=None, service="cloudbilling",
                                         operation="projects.list")
            if issue.cause == "auth":
                raise CredentialsError(issue.message, hint=ADC_HINT) from exc
            ctx.issue(issue)
            return []
        if not found:
            ctx.issue(CollectionIssue(
                provider=self.name, account=None, region=None, service="cloudbilling",
                operation="projects.list", cause="not-found",
                message=f"no billing-enabled project is linked to {name}",
                hint="check [providers.gcp] billing_account, or list projects explicitly",
            ))
        return sorted(set(found))

    def collect(self, ctx: CollectContext) -> None:
        s: GcpSettings = self.settings
        clients = self._clients()
        clients.credentials()
        projects = self.projects(ctx, clients)
        lookback = s.lookback_days or ctx.lookback_days
        before_pages, before_issues = len(ctx.pages), len(ctx.pages.issues)
        tasks = [t for p in projects for t in project_tasks(ctx, clients, s, p)]
        if s.metrics:
            where = location_filter(s.regions, s.zones)
            tasks += [(f"{p} metrics", _metrics_task(ctx, clients, p, lookback, where)) for p in projects]
        done = 0
        with ThreadPoolExecutor(max_workers=max(1, s.max_workers)) as pool:
            futures = {pool.submit(fn): label for label, fn in tasks}
            for fut in as_completed(futures):
                fut.result()
                done += 1
                ctx.progress("GCP", done, len(tasks))
        new_issues = ctx.pages.issues[before_issues:]
        if len(ctx.pages) == before_pages and new_issues and all(i.cause == "auth" for i in new_issues):
            raise CredentialsError(f"GCP rejected the credentials: {new_issues[0].message}", hint=ADC_HINT)

    def price_catalog(self, data_dir: Path, now: datetime | None = None,
                      currency: str = "USD") -> GcpCatalogPrices:
        """Compute Engine list prices from the Cloud Billing Catalog API, cached under ``data_dir``
        for ``price_cache_ttl_hours`` (see :mod:`providers.gcp.prices`)."""
        from providers.gcp.prices import GcpCatalogPrices

        s: GcpSettings = self.settings
        clients = self._clients()
        return GcpCatalogPrices.fetch(clients.catalog(), data_dir=data_dir, now=now, currency=currency,
                                      ttl=timedelta(hours=s.price_cache_ttl_hours))

    @classmethod
    def normalise(cls, pages: RawPages) -> Estate:
        from providers.gcp.normalise import normalise

        return normalise(pages)

    @classmethod
    def demo_pages(cls, now: datetime) -> RawPages:
        from providers.gcp.demo import demo_pages

        return demo_pages(now)


def _metrics_task(ctx: CollectContext, clients: GcpClients, project: str, lookback: int, where: str) -> Any:
    return lambda: collect_metrics(ctx, clients, project, lookback, where)
