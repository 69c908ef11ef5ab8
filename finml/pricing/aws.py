"""Live AWS prices from the Price List Query API (``pricing:GetProducts``), cached on disk.

One ``GetProducts`` call per (region, instance type, platform) returns the on-demand and the
Reserved Instance terms of that product; the parsed prices are cached (:mod:`finml.pricing.cache`,
namespace ``aws-pricing``) so later audits make no call until the TTL expires, and a stale entry
is used when the API cannot be reached. The API endpoint lives in us-east-1.

Filters (all ``TERM_MATCH``): ``instanceType``, ``regionCode``, ``operatingSystem``, ``tenancy``
Shared, ``preInstalledSw`` NA, ``capacitystatus`` Used. Terms: ``on-demand`` is the ``Hrs`` price of
the OnDemand term; ``committed-1y``/``committed-3y`` are Standard Reserved Instances, No Upfront
when offered, otherwise the effective hourly rate ``hourly + upfront / hours in term``.
EBS volume types and snapshots come from ``productFamily`` Storage / Storage Snapshot; object
storage and public IPs are left to the next catalog layer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from finml.errors import CredentialsError, PermissionDenied, ProviderError, Throttled
from finml.money import Money
from finml.pricing import PriceQuote, Term
from finml.pricing.cache import PriceCache

__all__ = ["AwsPricingCatalog", "parse_ec2_terms"]

log = logging.getLogger(__name__)

SOURCE = "aws-pricing-api"
_OS = {"linux": "Linux", "windows": "Windows", "rhel": "RHEL", "suse": "SUSE"}
_TERM_HOURS = {"1yr": Decimal(8760), "3yr": Decimal(26280)}
_PURCHASE_ORDER = ("No Upfront", "Partial Upfront", "All Upfront")


def _match(field: str, value: str) -> dict[str, str]:
    return {"Type": "TERM_MATCH", "Field": field, "Value": value}


def _usd(dim: dict[str, Any]) -> Decimal | None:
    value = dim.get("pricePerUnit", {}).get("USD")
    return Decimal(value) if value is not None else None


def parse_ec2_terms(price_list: list[Any]) -> dict[str, str]:
    """``{"on-demand": "0.096", "committed-1y": ..., "committed-3y": ...}`` from PriceList items."""
    out: dict[str, str] = {}
    for raw in price_list:
        item = json.loads(raw) if isinstance(raw, str) else raw
        attrs = item.get("product", {}).get("attributes", {})
        if attrs.get("licenseModel") == "Bring your own license":
            continue
        terms = item.get("terms", {})
        if "on-demand" not in out:
            for offer in terms.get("OnDemand", {}).values():
                for dim in offer.get("priceDimensions", {}).values():
                    price = _usd(dim)
                    if dim.get("unit") == "Hrs" and price:
                        out["on-demand"] = format(price.normalize(), "f")
        best: dict[str, tuple[int, Decimal, str]] = {}
        for offer in terms.get("Reserved", {}).values():
            ta = offer.get("termAttributes", {})
            length, option = ta.get("LeaseContractLength"), ta.get("PurchaseOption")
            if ta.get("OfferingClass") != "standard" or length not in _TERM_HOURS or option not in _PURCHASE_ORDER:
                continue
            hourly = upfront = Decimal(0)
            for dim in offer.get("priceDimensions", {}).values():
                price = _usd(dim) or Decimal(0)
                if dim.get("unit") == "Hrs":
                    hourly += price
                elif dim.get("unit") == "Quantity":
                    upfront += price
            effective = hourly + upfront / _TERM_HOURS[length]
            rank = _PURCHASE_ORDER.index(option)
            term = "committed-1y" if length == "1yr" else "committed-3y"
            if term not in best or rank < best[term][0]:
                best[term] = (rank, effective, option)
        for term, (_, effective, option) in best.items():
            out.setdefault(term, format(effective.quantize(Decimal("0.0000000001")).normalize(), "f"))
            out.setdefault(f"{term}-option", option)
    return out


class AwsPricingCatalog:
    """A catalog layer backed by the AWS Price List Query API with a disk cache."""

    provider = "aws"

    def __init__(self, client: Any = None, cache: PriceCache | None = None, *, today: date | None = None) -> None:
        self._client = client
        self.cache = cache
        self.today = today

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("pricing", region_name="us-east-1")
        return self._client

    def _products(self, filters: list[dict[str, str]]) -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        kwargs: dict[str, Any] = {"ServiceCode": "AmazonEC2", "Filters": filters, "FormatVersion": "aws_v1", "MaxResults": 100}
        try:
            while True:
                page = self.client.get_products(**kwargs)
                yield from page.get("PriceList", [])
                token = page.get("NextToken")
                if not token:
                    return
                kwargs["NextToken"] = token
        except NoCredentialsError as exc:
            raise CredentialsError("no AWS credentials for the Price List API", hint="configure AWS credentials or run without live prices") from exc
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            where = {"provider": "aws", "region": "us-east-1", "service": "pricing", "operation": "GetProducts"}
            if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
                raise PermissionDenied(str(exc), permission="pricing:GetProducts", hint="grant pricing:GetProducts to the audit identity", **where) from exc
            if code in ("ThrottlingException", "Throttling"):
                raise Throttled(str(exc), hint="retry later; cached prices are used meanwhile", **where) from exc
            raise ProviderError(str(exc), **where) from exc
        except BotoCoreError as exc:
            raise ProviderError(f"AWS Price List API unreachable: {exc}", provider="aws", service="pricing", operation="GetProducts",
                                hint="check network access to api.pricing.us-east-1.amazonaws.com") from exc

    def _cached(self, key: str, fetch: Any) -> tuple[dict[str, str], date]:
        now = datetime.now(timezone.utc)
        if self.cache is not None:
            hit = self.cache.get(key, now)
            if hit is not None:
                stale = self.cache.get_stale(key)
                fetched = stale[0].date() if stale else now.date()
                return hit, fetched
        try:
            value = fetch()
        except ProviderError:
            stale = self.cache.get_stale(key) if self.cache is not None else None
            if stale is None:
                raise
            log.warning("AWS Price List API failed; using the price cached on %s for %s", stale[0].date(), key)
            return stale[1], stale[0].date()
        if self.cache is not None:
            self.cache.put(key, value, now)
        return value, self.today or now.date()

    def instance_hour(self, provider: str, region: str, instance_type: str, term: Term = "on-demand", platform: str = "linux") -> PriceQuote | None:
        if provider != "aws" or term == "spot" or platform not in _OS:
            return None
        filters = [
            _match("instanceType", instance_type), _match("regionCode", region),
            _match("operatingSystem", _OS[platform]), _match("tenancy", "Shared"),
            _match("preInstalledSw", "NA"), _match("capacitystatus", "Used"),
        ]
        key = f"ec2|{region}|{instance_type}|{platform}"
        terms, as_of = self._cached(key, lambda: parse_ec2_terms(list(self._products(filters))))
        if term not in terms:
            return None
        note = f"GetProducts {instance_type} {region} {_OS[platform]}"
        if term != "on-demand":
            note += f"; Standard RI {terms.get(term + '-option')}, effective hourly"
        return PriceQuote(Money.of(terms[term], "USD"), "hour", SOURCE, as_of, note=note)

    def storage_gb_month(self, provider: str, region: str, storage_class: str) -> PriceQuote | None:
        if provider != "aws":
            return None
        if storage_class == "snapshot":
            filters = [_match("productFamily", "Storage Snapshot"), _match("regionCode", region)]
            wanted = "EBS:SnapshotUsage"
        elif storage_class in ("gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"):
            filters = [_match("productFamily", "Storage"), _match("regionCode", region), _match("volumeApiName", storage_class)]
            wanted = "EBS:VolumeUsage"
        else:
            return None

        def fetch() -> dict[str, str]:
            for raw in self._products(filters):
                item = json.loads(raw) if isinstance(raw, str) else raw
                usage = item.get("product", {}).get("attributes", {}).get("usagetype", "")
                if not usage.split("-", 1)[-1].startswith(wanted) and not usage.startswith(wanted):
                    continue
                for offer in item.get("terms", {}).get("OnDemand", {}).values():
                    for dim in offer.get("priceDimensions", {}).values():
                        price = _usd(dim)
                        if dim.get("unit") == "GB-Mo" and price is not None:
                            return {"gb-month": format(price.normalize(), "f")}
            return {}

        value, as_of = self._cached(f"ebs|{region}|{storage_class}", fetch)
        if "gb-month" not in value:
            return None
        return PriceQuote(Money.of(value["gb-month"], "USD"), "GB-month", SOURCE, as_of, note=f"GetProducts EBS {storage_class} {region}")

    def address_hour(self, provider: str, region: str) -> PriceQuote | None:
        return None
