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


class FakeProvider(Provider):
    name = "fake"
    title = "Fake cloud"
    Settings = FakeSettings

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
