"""A minimal provider plug-in for testing the audit pipeline without any cloud SDK.

Resources are stamped ``provider="aws"`` so the embedded AWS prices apply. Its raw pages are ``{"Volumes": [...]}`` / ``{"Addresses": [...]}`` in a simplified shape;
normalisation is real code under test (the audit, recommenders, output and CLI run unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from finml.model import Address, CollectionIssue, Estate, Volume
from finml.provider import CollectContext, Provider
from finml.raw import RawPages
from finml.settings import setting


@dataclass(frozen=True)
class FakeSettings:
    regions: list[str] = setting(["us-east-1", "eu-west-1"], "regions to 'collect'")
    fail_region: str | None = setting(None, "a region that answers AccessDenied")
    live_prices: str = setting("none", "price_catalog(): none | ok | failing")


class FakeProvider(Provider):
    name = "fake"
    title = "Fake cloud"
    Settings = FakeSettings

    def price_catalog(self, data_dir: object) -> object:
        mode = self.settings.live_prices
        return None if mode == "none" else FakeLivePrices(fail=mode == "failing")

    def collect(self, ctx: CollectContext) -> None:
        s: FakeSettings = self.settings
        for region in s.regions:
            if region == s.fail_region:
                ctx.issue(CollectionIssue(
                    provider="fake", account="acct", region=region, service="storage",
                    operation="ListVolumes", cause="access-denied", message="AccessDenied",
                    permission="storage:ListVolumes", hint="grant storage:ListVolumes",
                ))
                continue
            ctx.pages.add("fake", "acct", region, "storage", "ListVolumes", _volumes(region, ctx.now))
            ctx.pages.add("fake", "acct", region, "network", "ListAddresses", _addresses(region, ctx.now),
                          params={"Password": "hunter2"})

    @classmethod
    def normalise(cls, pages: RawPages) -> Estate:
        est = Estate(providers=["fake"])
        for p in pages.select(service="storage", operation="ListVolumes"):
            for v in p.response["Volumes"]:
                est.resources.append(Volume(
                    provider="aws", account=p.account, region=p.region, id=v["Id"], size_gib=v["Size"],
                    volume_type=v["Type"], attached_to=tuple(v["AttachedTo"]), tags=v.get("Tags", {}),
                    created_at=datetime.fromisoformat(v["Created"]),
                ))
        for p in pages.select(service="network", operation="ListAddresses"):
            for a in p.response["Addresses"]:
                est.resources.append(Address(
                    provider="aws", account=p.account, region=p.region, id=a["Id"], ip=a["Ip"],
                    associated_with=a.get("AssociatedWith"), created_at=datetime.fromisoformat(a["Created"]),
                ))
        return est

    @classmethod
    def demo_pages(cls, now: datetime) -> RawPages:
        pages = RawPages()
        pages.add("fake", "acct", "us-east-1", "storage", "ListVolumes", _volumes("us-east-1", now))
        return pages


def _volumes(region: str, now: datetime) -> dict[str, object]:
    old = (now - timedelta(days=30)).isoformat()
    return {"Volumes": [
        {"Id": f"vol-{region}-free", "Size": 100, "Type": "gp3", "AttachedTo": [], "Created": old},
        {"Id": f"vol-{region}-used", "Size": 100, "Type": "gp3", "AttachedTo": ["i-1"], "Created": old},
        {"Id": f"vol-{region}-keep", "Size": 10, "Type": "gp3", "AttachedTo": [], "Created": old,
         "Tags": {"finml:keep": "yes"}},
    ], "Secret": "should-not-be-written"}


def _addresses(region: str, now: datetime) -> dict[str, object]:
    old = (now - timedelta(days=30)).isoformat()
    return {"Addresses": [
        {"Id": f"eip-{region}", "Ip": "198.51.100.7", "Created": old},
        {"Id": f"eip-{region}-used", "Ip": "198.51.100.8", "AssociatedWith": "i-1", "Created": old},
    ]}


class FakeLivePrices:
    """A live price layer for the fake provider: answers gp3 at 0.50, or fails when told to."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.calls = 0

    def _quote(self) -> object:
        from datetime import date

        from finml.errors import Throttled
        from finml.money import Money
        from finml.pricing import PriceQuote

        self.calls += 1
        if self.fail:
            raise Throttled("rate exceeded", provider="aws", service="pricing")
        return PriceQuote(Money.of("0.50", "USD"), "GB-month", "fake-live-api", date(2026, 11, 1))

    def instance_hour(self, *args: object, **kwargs: object) -> None:
        return None

    def storage_gb_month(self, provider: str, region: str, storage_class: str) -> object:
        return self._quote() if storage_class == "gp3" else None

    def address_hour(self, provider: str, region: str) -> None:
        return None
