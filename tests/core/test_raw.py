from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from finml.errors import InputError
from finml.model import CollectionIssue
from finml.raw import RawPages, scrub


def test_round_trip_and_secrets_never_written(tmp_path: Path) -> None:
    pages = RawPages()
    when = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
    pages.add("aws", "111", "us-east-1", "ec2", "DescribeInstances",
              {"Reservations": [{"LaunchTime": when, "UserData": "c2VjcmV0", "Price": Decimal("1.5")}],
               "ResponseMetadata": {"RequestId": "x"}}, params={"NextToken": "abc"})
    pages.add("aws", "111", "us-east-1", "ec2", "DescribeInstances", {"Reservations": []})
    pages.add_issue(CollectionIssue(provider="aws", account="111", region="eu-west-1", service="ec2",
                                    operation="DescribeVolumes", cause="access-denied", message="denied",
                                    permission="ec2:DescribeVolumes"))
    pages.write_dir(tmp_path, created_at=when, finml_version="t")
    text = "".join(p.read_text() for p in tmp_path.rglob("*.json"))
    assert "c2VjcmV0" not in text and "RequestId" not in text

    back = RawPages.read_dir(tmp_path)
    got = back.select(service="ec2")
    assert [p.page for p in got] == [0, 1]
    assert got[0].response["Reservations"][0]["LaunchTime"] == when.isoformat()
    assert got[0].response["Reservations"][0]["Price"] == "1.5"
    assert got[0].params == {"NextToken": "abc"}
    assert back.issues[0].permission == "ec2:DescribeVolumes"


def test_scrub_keeps_paging_tokens_and_empty_values() -> None:
    assert scrub({"NextToken": "t", "SecretAccessKey": "k", "Password": ""}) == {
        "NextToken": "t", "SecretAccessKey": "***", "Password": ""}


def test_not_a_snapshot(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="manifest.json") as err:
        RawPages.read_dir(tmp_path)
    assert err.value.hint and "finml collect" in err.value.hint


def test_damaged_page_names_file_and_line(tmp_path: Path) -> None:
    pages = RawPages()
    pages.add("aws", "1", "r", "s", "Op", {"a": 1})
    pages.write_dir(tmp_path, created_at=datetime.now(timezone.utc), finml_version="t")
    f = next(tmp_path.rglob("Op.00000.json"))
    f.write_text('{"params": {},\n "response": ')
    with pytest.raises(InputError) as err:
        RawPages.read_dir(tmp_path)
    assert str(f) in str(err.value) and "line 2" in str(err.value)
    json.loads((tmp_path / "manifest.json").read_text())
