"""The bundled demo estate: every provider and every recommender shows up, reproducibly."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner

from finml.cli import cli
from providers import registry as providers
from recommenders import registry as recommenders


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["audit", "--demo", "--format", "json", "--no-record"])
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_every_provider_and_recommender_fires(demo: dict[str, Any]) -> None:
    assert set(demo["run"]["providers"]) == set(providers.names()) == {"aws", "azure", "gcp", "alibaba"}
    by_provider = Counter(f["provider"] for f in demo["findings"])
    assert set(by_provider) == set(providers.names())
    fired = {f["recommender"] for f in demo["findings"]}
    assert fired == set(recommenders.names()), f"silent: {set(recommenders.names()) - fired}"
    assert demo["collection_errors"] == []


def test_findings_carry_savings_evidence_and_price_source(demo: dict[str, Any]) -> None:
    total = sum(Decimal(f["monthly_saving"]["amount"]) for f in demo["findings"])
    assert demo["totals"]["all"] == [{"amount": str(total), "currency": "USD"}]
    for f in demo["findings"]:
        assert f["evidence"], f["id"]
        assert Decimal(f["monthly_saving"]["amount"]) >= 0
        if Decimal(f["monthly_saving"]["amount"]) > 0 and f["recommender"] != "commitment-utilisation":
            assert f["evidence"].get("price_source") or f["evidence"].get("cost_source") or \
                f["evidence"].get("source"), f"{f['recommender']}: saving without a price source"


def test_planted_traps_are_not_proposed(demo: dict[str, Any]) -> None:
    snapshots = {f["resource_id"] for f in demo["findings"] if f["recommender"] == "snapshot-cleanup"}
    protected = {s["resource_id"] for s in demo["skipped"] if s["recommender"] == "snapshot-cleanup"}
    assert protected and not (snapshots & protected)
    assert any("backup" in s["reason"] for s in demo["skipped"] if s["recommender"] == "snapshot-cleanup")


def test_scope_is_the_providers_asked_for() -> None:
    result = CliRunner().invoke(cli, ["audit", "--demo", "-p", "alibaba", "--format", "json", "--no-record"])
    doc = json.loads(result.stdout)
    # the demo bills cover all four clouds; an Alibaba audit shows Alibaba findings only
    assert {f["provider"] for f in doc["findings"]} == {"alibaba"}
