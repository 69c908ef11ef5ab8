"""Fixtures for the Azure provider tests (fakes live in :mod:`tests.providers.azure.fake_arm`)."""

from __future__ import annotations

import pytest

from tests.providers.azure.fake_arm import FakeArm, FakeCredential


@pytest.fixture
def credential() -> FakeCredential:
    return FakeCredential()


@pytest.fixture
def arm() -> FakeArm:
    return FakeArm()
