"""Fixtures: a recorded Alibaba Cloud endpoint behind the real AcsClient."""

from __future__ import annotations

import pytest

from tests.providers.alibaba.alibaba_recorded import DATA, metrics
from tests.providers.alibaba.alibaba_server import AliyunServer


@pytest.fixture()
def server() -> AliyunServer:
    return AliyunServer({k: list(v) for k, v in DATA.items()}, metrics=metrics())


@pytest.fixture(autouse=True)
def _no_alibaba_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
