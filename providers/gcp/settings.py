"""``[providers.gcp]`` settings: which projects, regions and zones to audit, and how."""

from __future__ import annotations

from dataclasses import dataclass

from finml.errors import ConfigError
from finml.provider import ProviderSettings
from finml.settings import setting


@dataclass(frozen=True)
class GcpSettings(ProviderSettings):
    enabled: bool = setting(True, "Audit this provider when no --provider is given.")
    projects: list[str] = setting(
        [],
        "Project ids to audit. Empty: the projects linked to billing_account (Cloud Billing API), "
        "else the project of the Application Default Credentials.",
    )
    billing_account: str | None = setting(
        None,
        "Billing account id (XXXXXX-XXXXXX-XXXXXX) whose linked, billing-enabled projects are "
        "audited when projects is empty.",
    )
    regions: list[str] = setting([], "Only these regions (e.g. us-central1). Empty: all regions.")
    zones: list[str] = setting([], "Only these zones (e.g. us-central1-a). Empty: all zones of the regions.")
    max_workers: int = setting(8, "Concurrent API calls (projects x services).")
    lookback_days: int | None = setting(
        None, "Days of Cloud Monitoring metrics to read. Empty: the audit's lookback_days."
    )
    metrics: bool = setting(True, "Read utilisation metrics from Cloud Monitoring.")
    page_size: int = setting(500, "maxResults per Compute Engine list call (API maximum 500).")
    price_cache_ttl_hours: int = setting(
        168, "How long Cloud Billing Catalog prices are reused from the disk cache.",
        "finml default (GCP list prices change rarely; one week)",
    )
    retry_initial_s: float = setting(1.0, "First back-off delay after a quota (429) or 503 answer.")
    retry_timeout_s: float = setting(60.0, "Give up retrying a throttled call after this many seconds.")

    def __post_init__(self) -> None:
        checks = (
            ("max_workers", 1 <= self.max_workers <= 64, "an integer from 1 to 64"),
            ("page_size", 1 <= self.page_size <= 500, "an integer from 1 to 500 (the API maximum)"),
            ("lookback_days", self.lookback_days is None or 1 <= self.lookback_days <= 42,
             "from 1 to 42 (Cloud Monitoring keeps 6 weeks of data)"),
            ("price_cache_ttl_hours", self.price_cache_ttl_hours >= 0, "zero or more"),
            ("retry_initial_s", self.retry_initial_s > 0, "more than zero"),
            ("retry_timeout_s", self.retry_timeout_s >= self.retry_initial_s, "at least retry_initial_s"),
        )
        for key, ok, want in checks:
            if not ok:
                raise ConfigError(f"must be {want}, got {getattr(self, key)!r}", key=f"providers.gcp.{key}")
        for zone in self.zones:
            if zone.count("-") < 2:
                raise ConfigError(f"{zone!r} is not a zone name (e.g. us-central1-a)", key="providers.gcp.zones")

    def region_wanted(self, region: str) -> bool:
        return not self.regions or region in self.regions

    def zone_wanted(self, zone: str) -> bool:
        if self.zones:
            return zone in self.zones
        return self.region_wanted(zone.rsplit("-", 1)[0])
