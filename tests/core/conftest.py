from __future__ import annotations

from collections.abc import Iterator

import pytest

from providers import registry
from tests.core.fake_estate import FakeProvider


@pytest.fixture()
def fake_provider() -> Iterator[type[FakeProvider]]:
    registry.register("fake", FakeProvider)
    yield FakeProvider
    registry._paths.pop("fake", None)
    registry._loaded.pop("fake", None)
