"""Live price layers come from the provider plug-ins and fall back to the embedded table."""

from __future__ import annotations

from decimal import Decimal

import pytest

from finml.config import parse
from finml.pricing import default_catalog


def _config(mode: str, live: bool = True) -> object:
    return parse({"providers": {"fake": {"live_prices": mode}}, "audit": {"live_prices": live}})


def test_live_layer_answers_before_the_embedded_table(fake_provider: object) -> None:
    quote = default_catalog(_config("ok")).storage_gb_month("fake", "us-east-1", "gp3")
    assert quote is not None and quote.source == "fake-live-api" and quote.price.amount == Decimal("0.50")
    # the layer answers only for its own provider: AWS still comes from the embedded table
    other = default_catalog(_config("ok")).storage_gb_month("aws", "us-east-1", "gp3")
    assert other is not None and other.source.startswith("embedded")


def test_live_prices_are_off_unless_asked(fake_provider: object) -> None:
    assert default_catalog(_config("ok", live=False)).storage_gb_month("fake", "us-east-1", "gp3") is None


def test_failing_live_layer_warns_once_and_falls_back(fake_provider: object, caplog: pytest.LogCaptureFixture) -> None:
    catalog = default_catalog(_config("failing"))
    assert catalog.storage_gb_month("fake", "us-east-1", "gp3") is None  # no embedded 'fake' prices
    assert catalog.storage_gb_month("fake", "us-east-1", "gp3") is None
    assert sum("live fake prices unavailable" in r.message for r in caplog.records) == 1
