"""Fixtures for the GCP provider tests (fakes in gcp_fakes.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.providers.gcp.gcp_fakes import FakeGoogleApis, FakeMonitoring


@pytest.fixture
def google_apis() -> FakeGoogleApis:
    return FakeGoogleApis()


@pytest.fixture
def monitoring() -> Iterator[FakeMonitoring]:
    fake = FakeMonitoring()
    yield fake
    fake.close()


@pytest.fixture
def gcp_clients(google_apis: FakeGoogleApis, monitoring: FakeMonitoring) -> Callable[..., dict[str, Any]]:
    """The ``**clients`` for GcpProvider: anonymous credentials, the fake HTTP layer, the fake gRPC."""
    from google.auth.credentials import AnonymousCredentials

    def make(**extra: Any) -> dict[str, Any]:
        return {"credentials": AnonymousCredentials(), "http_adapter": google_apis,
                "monitoring": monitoring.client(), **extra}

    return make
