"""Collection through the real AcsClient against recorded API answers."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from finml.errors import CredentialsError
from finml.model import InstanceState, Kind
from finml.provider import CollectContext
from finml.raw import RawPages
from providers.alibaba import AlibabaProvider, AlibabaSettings
from providers.alibaba.api import ECS, AlibabaApi
from tests.providers.alibaba.alibaba_server import TEST_SECRET, AliyunServer

NOW = datetime(2024, 1, 3, tzinfo=timezone.utc)


def collect(server: AliyunServer, sleeps: list[float] | None = None, **settings: object) -> RawPages:
    sleeps = sleeps if sleeps is not None else []
    opts: dict[str, object] = {"page_size": 2, **settings}
    provider = AlibabaProvider(AlibabaSettings(**opts), client_factory=server.factory(), sleep=sleeps.append)  # type: ignore[arg-type]
    ctx = CollectContext(pages=RawPages(), now=NOW, lookback_days=2)
    provider.collect(ctx)
    return ctx.pages


def test_collects_every_page_of_both_paging_styles(server: AliyunServer) -> None:
    pages = collect(server)
    estate = AlibabaProvider.normalise(pages)
    ids = {r.id for r in estate.resources}
    assert {"i-bp1running0000001", "i-bp1keepchg0000002", "i-bp1stopchg0000003", "i-t4nsgrunning00001"} <= ids
    assert {"d-bp1sys00000000001", "d-bp1unattached0002", "d-bp1sys00000000003", "d-bp1fromimage00004"} <= ids
    # DescribeInstances paged by MaxResults/NextToken, DescribeDisks by PageNumber/PageSize
    inst_calls = [r for r in server.requests if r["Action"] == "DescribeInstances" and r["RegionId"] == "cn-hangzhou"]
    assert [c.get("NextToken") for c in inst_calls] == [None, "2"]
    assert all("MaxResults" in c and "PageNumber" not in c for c in inst_calls)
    disk_calls = [r for r in server.requests if r["Action"] == "DescribeDisks" and r["RegionId"] == "cn-hangzhou"]
    assert [c["PageNumber"] for c in disk_calls] == ["1", "2"]
    assert len(pages.select("alibaba", operation="DescribeDisks")) == 3  # 2 in hangzhou, 1 in singapore
    assert pages.issues == []
    assert {p.account for p in pages} == {"1234567890123456"}  # from STS GetCallerIdentity


def test_model_from_collected_pages(server: AliyunServer) -> None:
    estate = AlibabaProvider.normalise(collect(server))
    by_id = {r.id: r for r in estate.resources}
    keep = by_id["i-bp1keepchg0000002"]
    assert keep.state is InstanceState.STOPPED_ALLOCATED and keep.billed_while_stopped  # type: ignore[attr-defined]
    stop = by_id["i-bp1stopchg0000003"]
    assert stop.state is InstanceState.STOPPED and not stop.billed_while_stopped  # type: ignore[attr-defined]
    assert by_id["i-t4nsgrunning00001"].lifecycle == "reserved-capacity"  # type: ignore[attr-defined]
    assert by_id["i-t4nsgrunning00001"].type_info.burstable  # type: ignore[attr-defined]
    disk = by_id["d-bp1unattached0002"]
    assert disk.kind is Kind.VOLUME and disk.attached_to == () and disk.volume_type == "cloud_efficiency"  # type: ignore[attr-defined]
    assert disk.last_detached_at == datetime(2024, 1, 2, 3, 4, tzinfo=timezone.utc)  # type: ignore[attr-defined]
    assert by_id["eip-bp1unused000001"].state == "unassociated"  # type: ignore[attr-defined]
    assert by_id["eip-bp1unused000001"].tags == {"env": "prod"}
    assert by_id["eip-bp1inuse0000002"].associated_with == "i-bp1running0000001"  # type: ignore[attr-defined]
    snap = by_id["s-bp1usedbyimage001"]
    assert set(snap.used_by) == {"m-bp1golden00000001", "d-bp1fromimage00004"}  # type: ignore[attr-defined]
    assert by_id["s-bp1orphan00000002"].used_by == ()  # type: ignore[attr-defined]
    assert by_id["m-bp1golden00000001"].snapshot_ids == ("s-bp1usedbyimage001",)  # type: ignore[attr-defined]
    assert estate.instance_types[("alibaba", "ecs.g6.xlarge")].vcpus == 4
    assert by_id["i-bp1running0000001"].volume_ids == ("d-bp1sys00000000001",)  # type: ignore[attr-defined]


def test_metrics_follow_next_token_and_parse_string_datapoints(server: AliyunServer) -> None:
    pages = collect(server)
    cpu_pages = [p for p in pages.select("alibaba", operation="DescribeMetricList") if p.params["MetricName"] == "CPUUtilization" and p.region == "cn-hangzhou"]
    assert len(cpu_pages) == 2  # 30 points, 24 per page
    assert isinstance(cpu_pages[0].response["Datapoints"], str)
    series = AlibabaProvider.normalise(pages).metrics_for("i-bp1running0000001")
    assert len(series["cpu.utilization"]) == 30 and set(series["cpu.utilization"].values) == {3.5}
    # (8000 + 800) bit/s over 3600 s = 3 960 000 bytes per hour
    assert series["network.out.bytes"].values[0] == pytest.approx(3_960_000)
    assert "network.in.bytes" not in series


def test_throttled_then_success_is_retried(server: AliyunServer) -> None:
    server.fail("DescribeDisks", "Throttling.User", "Request was denied due to user flow control.", 400,
                region="cn-hangzhou", times=2)
    sleeps: list[float] = []
    pages = collect(server, sleeps)
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] * 1.0 - 1e-9
    assert pages.issues == []
    assert "d-bp1unattached0002" in {r.id for r in AlibabaProvider.normalise(pages).resources}


def test_throttling_that_outlives_retries_is_recorded(server: AliyunServer) -> None:
    server.fail("DescribeSnapshots", "Throttling", "Request was denied due to request throttling.", 503,
                region="cn-hangzhou", times=10)
    sleeps: list[float] = []
    pages = collect(server, sleeps, max_retries=3)
    assert len(sleeps) == 3
    [issue] = pages.issues
    assert issue.cause == "throttled" and issue.operation == "DescribeSnapshots" and issue.region == "cn-hangzhou"


def test_forbidden_ram_is_an_issue_naming_the_action(server: AliyunServer) -> None:
    server.fail("DescribeSnapshots", "Forbidden.RAM",
                "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
                403, region="cn-hangzhou")
    pages = collect(server)
    [issue] = pages.issues
    assert issue.cause == "access-denied"
    assert issue.permission == "ecs:DescribeSnapshots"
    assert "ecs:DescribeSnapshots" in (issue.hint or "")
    ids = {r.id for r in AlibabaProvider.normalise(pages).resources}
    assert "d-bp1unattached0002" in ids and "eip-bp1unused000001" in ids  # the rest went on


def test_region_not_available_skips_only_that_region(server: AliyunServer) -> None:
    server.fail("DescribeInstances", "InvalidRegionId.NotFound", "The specified RegionId does not exist.", 404,
                region="ap-southeast-1")
    pages = collect(server)
    [issue] = pages.issues
    assert issue.cause == "region-disabled" and issue.region == "ap-southeast-1"
    regions = {r.region for r in AlibabaProvider.normalise(pages).resources}
    assert regions == {"cn-hangzhou"}


@pytest.mark.parametrize(("code", "message", "status"), [
    ("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404),
    ("SignatureDoesNotMatch", "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&x", 400),
])
def test_rejected_key_is_a_credentials_error(server: AliyunServer, code: str, message: str, status: int) -> None:
    server.fail("GetCallerIdentity", code, message, status)
    with pytest.raises(CredentialsError) as info:
        collect(server)
    assert code in str(info.value)
    assert TEST_SECRET not in str(info.value) and TEST_SECRET not in (info.value.hint or "")
    assert server.actions() == ["GetCallerIdentity"]


def test_collection_is_read_only(server: AliyunServer) -> None:
    server.fail("DescribeDisks", "Throttling.User", "flow control", 400)
    collect(server)
    actions = server.actions()
    assert {"GetCallerIdentity", "DescribeRegions", "DescribeInstances", "DescribeDisks", "DescribeSnapshots",
            "DescribeImages", "DescribeEipAddresses", "DescribeInstanceTypes", "DescribeMetricList"} <= set(actions)
    assert all(a.startswith(("Describe", "List", "Get", "Query")) for a in actions), actions


def test_requests_are_signed_and_sent_to_product_endpoints(server: AliyunServer) -> None:
    collect(server, regions=("cn-hangzhou",), account="prod")
    first = server.requests[0]
    assert first["Action"] == "DescribeInstances" and first["Version"] == "2014-05-26"
    assert first["SignatureMethod"] == "HMAC-SHA1" and first["Signature"] and first["Format"] == "JSON"
    assert "AccessKeySecret" not in first and TEST_SECRET not in str(server.requests)
    hosts = dict(zip(server.actions(), server.hosts, strict=True))
    assert hosts["DescribeEipAddresses"].startswith("vpc.") and hosts["DescribeMetricList"].startswith("metrics.")
    assert "DescribeRegions" not in server.actions() and "GetCallerIdentity" not in server.actions()


def test_non_read_only_actions_are_refused(server: AliyunServer) -> None:
    api = AlibabaApi(server.factory())
    with pytest.raises(ValueError, match="DeleteDisk"):
        api.call(ECS, "DeleteDisk", "cn-hangzhou", {"DiskId": "d-1"})
    assert server.requests == []


def test_endpoint_overrides(server: AliyunServer) -> None:
    collect(server, regions=("ap-southeast-1",), account="prod",
            endpoints={"cms": "metrics.ap-southeast-1.aliyuncs.com", "vpc@ap-southeast-1": "vpc.example.internal"})
    hosts = dict(zip(server.actions(), server.hosts, strict=True))
    assert hosts["DescribeMetricList"] == "metrics.ap-southeast-1.aliyuncs.com"
    assert hosts["DescribeEipAddresses"] == "vpc.example.internal"


def test_docs_policy_covers_every_action_sent(server: AliyunServer) -> None:
    import json
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[3] / "docs" / "alibaba.md"
    block = re.search(r"```json\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    assert block is not None
    allowed = set(json.loads(block.group(1))["Statement"][0]["Action"])
    collect(server)
    products = {"DescribeEipAddresses": "vpc", "DescribeMetricList": "cms", "GetCallerIdentity": "sts"}
    sent = {f"{products.get(a, 'ecs')}:{a}" for a in server.actions()} - {"sts:GetCallerIdentity"}
    assert sent <= allowed, sent - allowed


def test_empty_instance_list_hiding_a_missing_permission_is_reported(server: AliyunServer) -> None:
    server.data[("cn-hangzhou", "DescribeInstances")] = []  # what a RAM user without the permission sees
    pages = collect(server)
    [issue] = pages.issues
    assert issue.cause == "access-denied" and issue.permission == "ecs:DescribeInstances"
    assert issue.region == "cn-hangzhou" and "i-bp1keepchg0000002" in issue.message


def test_failure_on_a_later_page_keeps_earlier_pages_and_blames_only_throttling(server: AliyunServer) -> None:
    server.fail("DescribeInstances", "Throttling.User", "Request was denied due to user flow control.", 400,
                region="cn-hangzhou", times=10, after=1)
    pages = collect(server, max_retries=1)
    [issue] = pages.issues  # no access-denied guess from the disks of unlisted instances
    assert issue.cause == "throttled" and issue.operation == "DescribeInstances"
    ids = {r.id for r in AlibabaProvider.normalise(pages).resources}
    assert {"i-bp1running0000001", "i-bp1keepchg0000002"} <= ids and "i-bp1stopchg0000003" not in ids


def test_a_single_injected_acs_client_serves_every_region(server: AliyunServer) -> None:
    from aliyunsdkcore.client import AcsClient

    from tests.providers.alibaba.alibaba_server import TEST_KEY_ID

    client = server.mount_on(AcsClient(TEST_KEY_ID, TEST_SECRET, "cn-hangzhou", auto_retry=False))
    provider = AlibabaProvider(AlibabaSettings(page_size=2), acs_client=client, sleep=lambda s: None)
    ctx = CollectContext(pages=RawPages(), now=NOW, lookback_days=2)
    provider.collect(ctx)
    assert {p.region for p in ctx.pages.select("alibaba", operation="DescribeDisks")} == {"cn-hangzhou", "ap-southeast-1"}
