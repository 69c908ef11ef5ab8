"""The AWS Price List Query API catalog, with botocore's Stubber (moto has no Pricing API).

Stubber validates every request and response against the botocore service model, so the shapes
used here are the real GetProducts shapes; PriceList items are the JSON strings AWS returns.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from finml.errors import PermissionDenied
from finml.pricing import LayeredCatalog, _Guarded
from finml.pricing.aws import AwsPricingCatalog, parse_ec2_terms
from finml.pricing.cache import PriceCache
from finml.pricing.embedded import EmbeddedCatalog

SKU = "2WTMTR9HDDT7AA73"


def _dim(code: str, unit: str, usd: str, desc: str) -> dict[str, Any]:
    return {code: {"unit": unit, "endRange": "Inf", "description": desc, "appliesTo": [], "rateCode": code,
                   "beginRange": "0", "pricePerUnit": {"USD": usd}}}


def _reserved(code: str, length: str, cls: str, option: str, hourly: str, upfront: str | None) -> dict[str, Any]:
    dims = _dim(f"{SKU}.{code}.6YS6EN2CT7", "Hrs", hourly, "Linux/UNIX (Amazon VPC), m5.large reserved instance applied")
    if upfront is not None:
        dims.update(_dim(f"{SKU}.{code}.2TG2D8R56U", "Quantity", upfront, "Upfront Fee"))
    return {f"{SKU}.{code}": {"priceDimensions": dims, "sku": SKU, "effectiveDate": "2026-10-01T00:00:00Z",
                              "offerTermCode": code,
                              "termAttributes": {"LeaseContractLength": length, "OfferingClass": cls, "PurchaseOption": option}}}


def m5_large_product(licence: str = "No License required") -> str:
    reserved: dict[str, Any] = {}
    reserved.update(_reserved("4NA7Y494T4", "1yr", "standard", "No Upfront", "0.0600000000", None))
    reserved.update(_reserved("6QCMYABX3D", "1yr", "standard", "All Upfront", "0.0000000000", "493"))
    reserved.update(_reserved("7NE97W5U4E", "1yr", "convertible", "No Upfront", "0.0690000000", None))
    reserved.update(_reserved("NQ3QZPMQV9", "3yr", "standard", "All Upfront", "0.0000000000", "1078"))
    reserved.update(_reserved("38NPMPTW36", "3yr", "standard", "Partial Upfront", "0.0210000000", "552"))
    item = {
        "product": {"productFamily": "Compute Instance", "sku": SKU, "attributes": {
            "instanceType": "m5.large", "regionCode": "us-east-1", "location": "US East (N. Virginia)",
            "operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used",
            "licenseModel": licence, "operation": "RunInstances", "usagetype": "BoxUsage:m5.large",
            "vcpu": "2", "memory": "8 GiB", "servicecode": "AmazonEC2"}},
        "serviceCode": "AmazonEC2",
        "terms": {
            "OnDemand": {f"{SKU}.JRTCKXETXF": {
                "priceDimensions": _dim(f"{SKU}.JRTCKXETXF.6YS6EN2CT7", "Hrs", "0.0960000000",
                                        "$0.096 per On Demand Linux m5.large Instance Hour"),
                "sku": SKU, "effectiveDate": "2026-10-01T00:00:00Z", "offerTermCode": "JRTCKXETXF", "termAttributes": {}}},
            "Reserved": reserved,
        },
        "version": "20261001000000", "publicationDate": "2026-10-01T00:00:00Z",
    }
    return json.dumps(item)


def ec2_params(instance_type: str = "m5.large", region: str = "us-east-1") -> dict[str, Any]:
    return {
        "ServiceCode": "AmazonEC2", "FormatVersion": "aws_v1", "MaxResults": 100,
        "Filters": [
            {"Type": "TERM_MATCH", "Field": "instanceType", "Value": instance_type},
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
            {"Type": "TERM_MATCH", "Field": "operatingSystem", "Value": "Linux"},
            {"Type": "TERM_MATCH", "Field": "tenancy", "Value": "Shared"},
            {"Type": "TERM_MATCH", "Field": "preInstalledSw", "Value": "NA"},
            {"Type": "TERM_MATCH", "Field": "capacitystatus", "Value": "Used"},
        ],
    }


@pytest.fixture()
def client() -> Any:
    return boto3.client("pricing", region_name="us-east-1")


def test_parse_terms_prefers_standard_no_upfront_else_effective_rate() -> None:
    terms = parse_ec2_terms([m5_large_product()])
    assert terms["on-demand"] == "0.096"
    assert terms["committed-1y"] == "0.06" and terms["committed-1y-option"] == "No Upfront"
    # 3yr: Partial Upfront (552 / 26280 + 0.021) preferred over All Upfront
    assert Decimal(terms["committed-3y"]) == (Decimal(552) / Decimal(26280) + Decimal("0.021")).quantize(Decimal("1e-10")).normalize()
    assert terms["committed-3y-option"] == "Partial Upfront"


def test_bring_your_own_licence_products_are_ignored() -> None:
    assert parse_ec2_terms([m5_large_product("Bring your own license")]) == {}


def test_get_products_on_demand_and_reserved_then_cache(client: Any, tmp_path: Path) -> None:
    cache = PriceCache(tmp_path, "aws-pricing")
    with Stubber(client) as stub:
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [m5_large_product()]}, ec2_params())
        catalog = AwsPricingCatalog(client, cache)
        od = catalog.instance_hour("aws", "us-east-1", "m5.large")
        assert od is not None and od.price.amount == Decimal("0.096") and od.source == "aws-pricing-api"
        assert od.as_of == datetime.now(timezone.utc).date()
        # the reserved terms came with the same call: no second request
        ri = catalog.instance_hour("aws", "us-east-1", "m5.large", "committed-1y")
        assert ri is not None and ri.price.amount == Decimal("0.06") and "No Upfront" in (ri.note or "")
        stub.assert_no_pending_responses()
    # a new process with the same data dir: served from the disk cache, the client is never called
    fresh = boto3.client("pricing", region_name="us-east-1")
    with Stubber(fresh) as stub:
        again = AwsPricingCatalog(fresh, PriceCache(tmp_path, "aws-pricing")).instance_hour("aws", "us-east-1", "m5.large")
        assert again is not None and again.price.amount == Decimal("0.096")
        stub.assert_no_pending_responses()
    assert catalog.instance_hour("azure", "eastus", "Standard_D2s_v5") is None
    assert catalog.address_hour("aws", "us-east-1") is None


def test_api_failure_falls_back_to_a_stale_cache_entry(client: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from datetime import timedelta

    cache = PriceCache(tmp_path, "aws-pricing", ttl=timedelta(days=7))
    cache.put("ec2|us-east-1|m5.large|linux", {"on-demand": "0.095"}, now=datetime.now(timezone.utc) - timedelta(days=30))
    with Stubber(client) as stub:
        stub.add_client_error("get_products", service_error_code="ThrottlingException", service_message="Rate exceeded",
                              expected_params=ec2_params())
        with caplog.at_level(logging.WARNING):
            q = AwsPricingCatalog(client, cache).instance_hour("aws", "us-east-1", "m5.large")
    assert q is not None and q.price.amount == Decimal("0.095")
    assert q.as_of == (datetime.now(timezone.utc) - timedelta(days=30)).date()
    assert "using the price cached" in caplog.text


def test_access_denied_is_translated_and_the_layer_falls_back(client: Any, tmp_path: Path) -> None:
    with Stubber(client) as stub:
        stub.add_client_error("get_products", service_error_code="AccessDeniedException", service_message="not allowed",
                              expected_params=ec2_params())
        with pytest.raises(PermissionDenied) as info:
            AwsPricingCatalog(client, PriceCache(tmp_path, "p")).instance_hour("aws", "us-east-1", "m5.large")
    assert info.value.permission == "pricing:GetProducts"

    with Stubber(client) as stub:
        stub.add_client_error("get_products", service_error_code="AccessDeniedException", service_message="not allowed",
                              expected_params=ec2_params())
        guarded = _Guarded("aws", AwsPricingCatalog(client, PriceCache(tmp_path, "q")))
        layered = LayeredCatalog([guarded, EmbeddedCatalog.load()])
        q = layered.instance_hour("aws", "us-east-1", "m5.large")
        assert q is not None and q.source.startswith("embedded:")
        # switched off after the failure: no further API calls (none are stubbed)
        assert layered.instance_hour("aws", "us-east-1", "m5.xlarge") is not None
        assert guarded.failed


def test_ebs_gp3_price_from_storage_products(client: Any, tmp_path: Path) -> None:
    product = {
        "product": {"productFamily": "Storage", "sku": "7U7TWP44UP36AT3R", "attributes": {
            "regionCode": "eu-west-1", "volumeApiName": "gp3", "usagetype": "EU-EBS:VolumeUsage.gp3",
            "storageMedia": "SSD-backed", "servicecode": "AmazonEC2"}},
        "serviceCode": "AmazonEC2",
        "terms": {"OnDemand": {"7U7TWP44UP36AT3R.JRTCKXETXF": {
            "priceDimensions": _dim("7U7TWP44UP36AT3R.JRTCKXETXF.6YS6EN2CT7", "GB-Mo", "0.0880000000",
                                    "$0.088 per GB-month of General Purpose (gp3) provisioned storage - EU (Ireland)"),
            "sku": "7U7TWP44UP36AT3R", "effectiveDate": "2026-10-01T00:00:00Z", "offerTermCode": "JRTCKXETXF",
            "termAttributes": {}}}},
        "version": "20261001000000", "publicationDate": "2026-10-01T00:00:00Z",
    }
    params = {"ServiceCode": "AmazonEC2", "FormatVersion": "aws_v1", "MaxResults": 100, "Filters": [
        {"Type": "TERM_MATCH", "Field": "productFamily", "Value": "Storage"},
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "eu-west-1"},
        {"Type": "TERM_MATCH", "Field": "volumeApiName", "Value": "gp3"}]}
    with Stubber(client) as stub:
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [json.dumps(product)]}, params)
        q = AwsPricingCatalog(client, PriceCache(tmp_path, "aws-pricing")).storage_gb_month("aws", "eu-west-1", "gp3")
    assert q is not None and q.price.amount == Decimal("0.088") and q.unit == "GB-month"


def test_pagination_follows_next_token(client: Any, tmp_path: Path) -> None:
    with Stubber(client) as stub:
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [], "NextToken": "t1"}, ec2_params())
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [m5_large_product()]},
                          {**ec2_params(), "NextToken": "t1"})
        q = AwsPricingCatalog(client, PriceCache(tmp_path, "aws-pricing")).instance_hour("aws", "us-east-1", "m5.large", "committed-3y")
        stub.assert_no_pending_responses()
    assert q is not None and q.source == "aws-pricing-api"
