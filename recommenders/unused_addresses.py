"""Unused public IP addresses: reserved addresses associated with nothing.

Detects: Elastic IPs / Azure public IPs / GCP static addresses / Alibaba EIPs with no association
(GCP status ``RESERVED``, Azure no ``ipConfiguration``, AWS no ``AssociationId``, Alibaba
``Available``). States meaning "in use" or "changing" (GCP ``IN_USE``/``RESERVING``, Alibaba
``InUse``/``Associating``/``Unassociating``/``Releasing``) are never reported, nor are addresses
with no IP allocated (an unassociated dynamic Azure IP is not billed) or GCP ``INTERNAL`` addresses
(internal static IPs are free).
Why it costs: providers bill reserved public IPv4 addresses by the hour, idle or not (AWS since
February 2024 bills every public IPv4 address).
Action: release the address.
Risk: a released address cannot be got back; allow-lists and DNS that name it must be updated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from finml.model import Address, Estate, Finding, Kind
from finml.recommender import Recommender, RecommenderContext
from finml.settings import setting
from recommenders._common import age_days, make_finding, monthly_from_hourly


@dataclass(frozen=True)
class UnusedAddressesSettings:
    min_age_days: int = setting(
        1, "Ignore addresses allocated less than this many days ago (still being wired up).",
        "finml default",
    )


_IN_USE_STATES = frozenset({"associated", "in_use", "inuse", "in-use", "bound"})
_CHANGING_STATES = frozenset({"associating", "unassociating", "reserving", "releasing"})


class UnusedAddresses(Recommender):
    name = "unused-addresses"
    summary = "Reserved public IP addresses associated with nothing, billed by the hour."
    kinds = (Kind.ADDRESS.value,)
    Settings = UnusedAddressesSettings
    RULE_SETS = {"finml-default": UnusedAddressesSettings()}

    def run(self, estate: Estate, ctx: RecommenderContext) -> Iterable[Finding]:
        s: UnusedAddressesSettings = self.settings
        for r in estate.of_kind(Kind.ADDRESS):
            assert isinstance(r, Address)
            state = r.state.lower()
            if r.associated_with or state in _IN_USE_STATES:
                continue
            if state in _CHANGING_STATES:
                ctx.skip(self.name, r.provider, r.id, f"address is in transitional state {r.state!r}")
                continue
            if not r.ip:
                ctx.skip(self.name, r.provider, r.id, "no IP allocated (dynamic, unassociated): not billed")
                continue
            if str(r.raw.get("addressType", "")).upper() == "INTERNAL":
                continue
            age = age_days(r.created_at, ctx.now)
            if age is not None and age < s.min_age_days:
                continue
            quote = ctx.prices.address_hour(r.provider, r.region)
            if quote is None:
                ctx.skip(self.name, r.provider, r.id, f"no public IP price for {r.provider} {r.region}")
                continue
            yield make_finding(
                self.name, r, ctx,
                title=f"Release unassociated public IP {r.ip}",
                action="release",
                saving=monthly_from_hourly(quote),
                quote=quote,
                evidence={
                    "ip": r.ip,
                    "state": r.state,
                    "allocated_at": r.created_at.isoformat() if r.created_at else None,
                    "rule": "no association",
                    "formula": "hourly price x 730 h",
                },
                details={"suggestion": "release it; update DNS or allow-lists that name it"},
            )
