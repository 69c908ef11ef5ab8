"""``finml audit`` end to end for Alibaba Cloud: live (recorded endpoint) and --demo."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner

from finml.audit import DEMO_NOW, Source, gather, normalise
from finml.cli import cli
from finml.config import Config
from finml.model import InstanceState
from providers.alibaba import api as api_mod
from tests.providers.alibaba.alibaba_server import TEST_KEY_ID, TEST_SECRET, AliyunServer


@pytest.fixture()
def live(server: AliyunServer, monkeypatch: pytest.MonkeyPatch) -> AliyunServer:
    """Credentials from the environment; every AcsClient the provider builds talks to ``server``."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", TEST_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", TEST_SECRET)
    real = api_mod.default_client_factory

    def factory(key_id: str, secret: str) -> Callable[[str], Any]:
        make = real(key_id, secret)
        return lambda region: server.mount_on(make(region))

    monkeypatch.setattr(api_mod, "default_client_factory", factory)
    return server


def test_live_audit_finds_planted_waste(live: AliyunServer) -> None:
    result = CliRunner().invoke(cli, ["audit", "--provider", "alibaba", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    found = {(f["recommender"], f["resource_id"]) for f in out["findings"]}
    assert ("unattached-volumes", "d-bp1unattached0002") in found
    assert ("unused-addresses", "eip-bp1unused000001") in found
    assert not any(rid == "eip-bp1inuse0000002" for _, rid in found)
    assert {f["account"] for f in out["findings"]} == {"1234567890123456"}
    assert all(a.startswith(("Describe", "List", "Get", "Query")) for a in live.actions())
    assert TEST_SECRET not in result.output


def test_gather_with_injected_clients_models_keep_charging(server: AliyunServer) -> None:
    pages = gather(["alibaba"], Source("live"), Config(), now=DEMO_NOW,
                   clients={"alibaba": {"client_factory": server.factory(), "sleep": lambda s: None}})
    estate = normalise(pages)
    keep = next(r for r in estate.resources if r.id == "i-bp1keepchg0000002")
    assert keep.state is InstanceState.STOPPED_ALLOCATED and keep.billed_while_stopped  # type: ignore[attr-defined]


def test_live_audit_with_a_rejected_key_exits_2(live: AliyunServer) -> None:
    live.fail("GetCallerIdentity", "InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
    result = CliRunner().invoke(cli, ["audit", "--provider", "alibaba", "--format", "json"])
    assert result.exit_code == 2
    assert "InvalidAccessKeyId.NotFound" in result.output and "Traceback" not in result.output
    assert TEST_SECRET not in result.output


def test_live_audit_with_a_denied_action_is_partial(live: AliyunServer) -> None:
    live.fail("DescribeDisks", "Forbidden.RAM", "User not authorized to operate on the specified resource.", 403,
              region="ap-southeast-1")
    result = CliRunner().invoke(cli, ["audit", "--provider", "alibaba", "--format", "json"])
    assert result.exit_code == 4, result.output
    out = json.loads(result.stdout)
    [err] = out["collection_errors"]
    assert err["permission"] == "ecs:DescribeDisks" and err["region"] == "ap-southeast-1"
    assert any(f["resource_id"] == "d-bp1unattached0002" for f in out["findings"])


def test_demo_audit_is_deterministic_and_has_alibaba_findings() -> None:
    runs = [CliRunner().invoke(cli, ["audit", "--demo", "-p", "alibaba", "--format", "json"]) for _ in range(2)]
    assert all(r.exit_code == 0 for r in runs), runs[0].output
    outs = [json.loads(r.stdout) for r in runs]
    assert [f["id"] for f in outs[0]["findings"]] == [f["id"] for f in outs[1]["findings"]]
    findings = outs[0]["findings"]
    assert {f["provider"] for f in findings} == {"alibaba"}
    recs = [f["recommender"] for f in findings]
    assert recs.count("unattached-volumes") == 3  # the 2-day-old detached disk is not reported
    assert recs.count("unused-addresses") == 3
    assert {f["region"] for f in findings} == {"cn-hangzhou", "ap-southeast-1"}


def test_demo_estate_shape() -> None:
    from providers.alibaba import AlibabaProvider

    pages = AlibabaProvider.demo_pages(DEMO_NOW)
    estate = AlibabaProvider.normalise(pages)
    assert 50 <= len(estate.resources) <= 80
    keep = [r for r in estate.resources if getattr(r, "billed_while_stopped", False)]
    assert len(keep) == 1 and keep[0].state is InstanceState.STOPPED_ALLOCATED  # type: ignore[attr-defined]
    trap = [r for r in estate.resources if getattr(r, "used_by", ()) and r.raw.get("Usage") == "image"]
    assert len(trap) == 1 and trap[0].used_by[0].startswith("m-")  # type: ignore[attr-defined]
    idle = [r for r in estate.resources if r.name and r.name.startswith("idle-reporting")]
    cpu = estate.metrics_for(idle[0].id)["cpu.utilization"]
    assert len(cpu) == 14 * 24 and max(cpu.values) < 5
    listing = [p for p in pages.select("alibaba", operation="DescribeInstances")]
    assert all("Instance" in p.response["Instances"] for p in listing)
    assert AlibabaProvider.demo_pages(DEMO_NOW).select("alibaba")[3].response == pages.select("alibaba")[3].response


def test_help_and_registry_do_not_import_the_sdk() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from finml.cli import cli\n"
        "assert CliRunner().invoke(cli, ['--help']).exit_code == 0\n"
        "from providers import registry\n"
        "cls = registry.get('alibaba')\n"
        "assert cls.extra == 'alibaba'\n"
        "assert not [m for m in sys.modules if m.startswith('aliyunsdk')], 'SDK imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_collect_snapshot_then_audit_offline(live: AliyunServer, tmp_path: Any) -> None:
    out = tmp_path / "snap"
    collected = CliRunner().invoke(cli, ["collect", "-p", "alibaba", "--out", str(out)])
    assert collected.exit_code == 0, collected.output
    written = "".join(p.read_text() for p in out.rglob("*.json"))
    assert TEST_SECRET not in written and "d-bp1unattached0002" in written
    requests_before = len(live.requests)
    offline = CliRunner().invoke(cli, ["audit", "--from", str(out), "--format", "json"])
    assert offline.exit_code == 0, offline.output
    assert len(live.requests) == requests_before  # no API call offline
    ids = {f["resource_id"] for f in json.loads(offline.stdout)["findings"]}
    assert {"d-bp1unattached0002", "eip-bp1unused000001"} <= ids
