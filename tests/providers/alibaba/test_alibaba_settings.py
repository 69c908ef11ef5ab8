"""Credentials, settings, lazy SDK import, and the RPC JSON helpers."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from finml.errors import ConfigError, CredentialsError, MissingExtraError
from finml.settings import build
from providers.alibaba import AlibabaProvider, AlibabaSettings
from providers.alibaba.settings import resolve_access_key
from providers.alibaba.shapes import items, json_list, parse_time, tags


def test_environment_key_wins_and_secret_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tEnvKey")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret-value")
    key = resolve_access_key(AlibabaSettings())
    assert key.key_id == "LTAI5tEnvKey" and key.source == "environment"
    assert "env-secret-value" not in repr(key) and "env-secret-value" not in str(key)


def test_half_an_environment_key_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tEnvKey")
    with pytest.raises(CredentialsError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        resolve_access_key(AlibabaSettings())


def _cli_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({
        "current": "prod",
        "profiles": [
            {"name": "default", "mode": "AK", "access_key_id": "LTAIdefault", "access_key_secret": "s1",
             "region_id": "cn-hangzhou", "output_format": "json", "language": "en"},
            {"name": "prod", "mode": "AK", "access_key_id": "LTAIprod", "access_key_secret": "s2",
             "region_id": "ap-southeast-1", "output_format": "json", "language": "en"},
            {"name": "sso", "mode": "CloudSSO"},
        ],
        "meta_path": "",
    }))
    return path


def test_cli_config_profiles(tmp_path: Path) -> None:
    path = _cli_config(tmp_path)
    assert resolve_access_key(AlibabaSettings(), path).key_id == "LTAIprod"  # the current profile
    assert resolve_access_key(AlibabaSettings(profile="default"), path).key_id == "LTAIdefault"
    with pytest.raises(CredentialsError, match="CloudSSO"):
        resolve_access_key(AlibabaSettings(profile="sso"), path)
    with pytest.raises(CredentialsError, match="no profile 'nope'"):
        resolve_access_key(AlibabaSettings(profile="nope"), path)


def test_no_credentials_at_all(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError) as info:
        resolve_access_key(AlibabaSettings(), tmp_path / "missing.json")
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in (info.value.hint or "")


def test_settings_from_config_table() -> None:
    s = build(AlibabaSettings, {"regions": ["cn-hangzhou"], "account": "prod", "max_workers": 2},
              "providers.alibaba")
    assert s.regions == ("cn-hangzhou",) and s.account == "prod" and s.max_workers == 2
    with pytest.raises(ConfigError, match="providers.alibaba.region"):
        build(AlibabaSettings, {"region": "cn-hangzhou"}, "providers.alibaba")


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tEnvKey")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret-value")
    monkeypatch.setitem(sys.modules, "aliyunsdkcore.client", None)
    with pytest.raises(MissingExtraError) as info:
        AlibabaProvider().api()
    assert info.value.extra == "alibaba" and "finml[alibaba]" in (info.value.hint or "")


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-01-02T03:04Z", datetime(2024, 1, 2, 3, 4, tzinfo=timezone.utc)),
    ("2021-04-23T01:37:38Z", datetime(2021, 4, 23, 1, 37, 38, tzinfo=timezone.utc)),
    ("2024-01-02T03:04:05.000Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    ("2024-01-02T11:04+08:00", datetime(2024, 1, 2, 3, 4, tzinfo=timezone.utc)),
    ("2024-01-02 03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    (1704067200000, datetime(2024, 1, 1, tzinfo=timezone.utc)),
    ("", None), (None, None), ("not a time", None),
])
def test_parse_time(text: object, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_list_wrappers_flat_and_single() -> None:
    assert items({"Disks": {"Disk": [{"DiskId": "d-1"}]}}, "Disks", "Disk") == [{"DiskId": "d-1"}]
    assert items({"Disks": [{"DiskId": "d-1"}]}, "Disks", "Disk") == [{"DiskId": "d-1"}]
    assert items({"Disks": {"Disk": {"DiskId": "d-1"}}}, "Disks", "Disk") == [{"DiskId": "d-1"}]
    assert items({"Disks": {}}, "Disks", "Disk") == [] and items({}, "Disks", "Disk") == []
    assert tags({"Tags": {"Tag": [{"TagKey": "a", "TagValue": "1"}, {"Key": "b", "Value": "2"}]}}) == {"a": "1", "b": "2"}
    assert json_list('[{"timestamp": 1, "Average": 2}]') == [{"timestamp": 1, "Average": 2}]
    assert json_list("") == [] and json_list("{bad") == []
