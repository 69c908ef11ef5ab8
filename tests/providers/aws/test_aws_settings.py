"""[providers.aws] settings, error classification and the IAM policy document."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from finml import settings as settings_mod
from finml.config import parse
from finml.errors import ConfigError
from providers.aws import AwsProvider, AwsSettings
from providers.aws.permissions import OPERATIONS, classify

POLICY = Path(__file__).resolve().parents[3] / "docs" / "aws-iam-policy.json"
COLLECTORS = Path(__file__).resolve().parents[3] / "providers" / "aws"


def _build(table: dict[str, object]) -> AwsSettings:
    config = parse({"providers": {"aws": table}})
    return settings_mod.build(AwsSettings, config.provider_table("aws"), "providers.aws")


def test_settings_from_toml_tables() -> None:
    s = _build({
        "profile": "audit", "regions": ["us-east-1", "eu-west-1"], "max_workers": 4,
        "accounts": [{"id": "222222222222", "role_arn": "arn:aws:iam::222222222222:role/finml-audit",
                      "external_id": "x-1", "name": "data"}],
        "discover_organization": True, "organization_role_name": "finml-audit",
        "s3_buckets_exclude": ["*-logs"], "skip_services": ["savingsplans"],
    })
    assert s.regions == ("us-east-1", "eu-west-1") and s.accounts[0].external_id == "x-1"
    AwsProvider(s)  # valid


@pytest.mark.parametrize(("table", "key"), [
    ({"skip_services": ["lambda"]}, "providers.aws.skip_services"),
    ({"max_workers": 0}, "providers.aws.max_workers"),
    ({"accounts": [{"id": "12", "role_arn": "x"}]}, "providers.aws.accounts[0]"),
    ({"metrics_period_s": 90}, "providers.aws.metrics_period_s"),
])
def test_invalid_settings_name_the_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as err:
        AwsProvider(_build(table))
    assert err.value.key == key


def test_unknown_setting_rejected() -> None:
    with pytest.raises(ConfigError, match="providers.aws.region"):
        _build({"region": "us-east-1"})


@pytest.mark.parametrize(("code", "cause"), [
    ("UnauthorizedOperation", "access-denied"), ("AccessDenied", "access-denied"),
    ("RequestLimitExceeded", "throttled"), ("ThrottlingException", "throttled"),
    ("OptInRequired", "region-disabled"), ("AuthFailure", "auth"), ("InternalError", "error"),
])
def test_classify(code: str, cause: str) -> None:
    c = classify("ec2", "DescribeSnapshots", code, "ap-east-1")
    assert c.cause == cause and c.permission == "ec2:DescribeSnapshots" and c.hint


def test_policy_grants_exactly_the_operations_and_only_reads() -> None:
    policy = json.loads(POLICY.read_text())
    inventory = {a for st in policy["Statement"] if st["Sid"] != "FinmlLivePrices" for a in st["Action"]}
    assert inventory == set(OPERATIONS.values())
    live = next(st for st in policy["Statement"] if st["Sid"] == "FinmlLivePrices")
    assert live["Action"] == ["pricing:GetProducts"]  # only with [audit] live_prices = true
    granted = inventory | set(live["Action"])
    for action in granted:
        verb = action.split(":")[1]
        assert verb.startswith(("Describe", "List", "Get")) or action == "sts:AssumeRole", action


def test_every_operation_in_the_code_is_listed() -> None:
    """Operation names passed to scope.pages/scope.call in the collectors are all in OPERATIONS."""
    called: set[tuple[str, str]] = set()
    pattern = re.compile(r'scope\.(?:pages|call)\(\s*"([a-z0-9]+)",\s*(?:"([A-Za-z0-9]+)"|(\w+))')
    for path in [*COLLECTORS.glob("collectors/*.py"), COLLECTORS / "collect.py"]:
        for svc, op, _var in pattern.findall(path.read_text()):
            if op:
                called.add((svc, op))
            else:  # s3 bucket settings loop over a tuple of operation names
                called.update(("s3", o) for o in ("GetBucketVersioning", "GetObjectLockConfiguration", "GetBucketEncryption"))
    assert len(called) >= 20
    assert called <= set(OPERATIONS)


def test_parse_helpers() -> None:
    from datetime import datetime, timezone

    from providers.aws._parse import months, transition_time, ts
    from providers.aws.collectors.cloudwatch import batch_size
    from providers.aws.collectors.s3 import bucket_region, wanted

    assert transition_time("User initiated (2026-10-01 12:30:00 GMT)") == datetime(2026, 10, 1, 12, 30, tzinfo=timezone.utc)
    assert transition_time("") is None
    assert ts("2026-01-01T00:00:00.000Z") == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert months(94608000) == 36 and months(None) is None
    assert (bucket_region(None), bucket_region("EU"), bucket_region("ap-east-1")) == ("us-east-1", "eu-west-1", "ap-east-1")
    assert wanted("data-1", ("data-*",), ()) and not wanted("logs", ("data-*",), ()) and not wanted("x-tmp", (), ("*-tmp",))
    assert batch_size(336) == 300 and batch_size(24) == 500 and batch_size(10**6) == 1
