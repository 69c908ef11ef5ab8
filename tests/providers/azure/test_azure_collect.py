"""Azure collection through the real azure-mgmt clients against a fake ARM transport."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from finml.errors import CredentialsError, MissingExtraError
from finml.model import Address, Instance, InstanceState, Kind, Snapshot, Volume
from finml.provider import CollectContext
from finml.raw import RawPages
from providers.azure import AzureProvider, AzureSettings
from tests.providers.azure.arm_estate import SUBS, serve_subscription_a
from tests.providers.azure.fake_arm import (
    ARM,
    SUB_A,
    SUB_B,
    FakeArm,
    FakeCredential,
    arm_id,
    disk_json,
    forbidden,
    page,
)

NOW = datetime(2026, 11, 1, 12, 30, tzinfo=timezone.utc)


def collect(arm: FakeArm, credential: Any = None, **settings: Any) -> tuple[RawPages, AzureProvider]:
    settings.setdefault("subscriptions", [SUB_A])
    settings.setdefault("max_workers", 2)
    provider = AzureProvider(AzureSettings(**settings), credential=credential or FakeCredential(), transport=arm)
    pages = RawPages()
    provider.collect(CollectContext(pages=pages, now=NOW, lookback_days=14))
    return pages, provider


def by_name(estate: Any, kind: Kind) -> dict[str, Any]:
    return {r.name: r for r in estate.of_kind(kind)}


def test_collect_and_normalise_subscription(arm: FakeArm) -> None:
    serve_subscription_a(arm)
    pages, _ = collect(arm)
    assert pages.issues == []
    estate = AzureProvider.normalise(pages)

    vms = by_name(estate, Kind.INSTANCE)
    assert set(vms) == {"train-1", "gpu-stopped", "old-dealloc"}  # page 2 via nextLink
    running, stopped, dealloc = vms["train-1"], vms["gpu-stopped"], vms["old-dealloc"]
    assert isinstance(running, Instance) and running.state == InstanceState.RUNNING
    assert running.account == SUB_A and running.region == "eastus"
    assert running.id == arm_id(SUB_A, "rg-ml", "Microsoft.Compute", "virtualMachines", "train-1")
    assert running.type_info is not None and (running.type_info.vcpus, running.type_info.memory_gib) == (2, 8.0)
    assert len(running.volume_ids) == 2 and running.tags == {"team": "ml"}
    assert stopped.state == InstanceState.STOPPED_ALLOCATED and stopped.billed_while_stopped
    assert stopped.state_since == datetime(2026, 10, 20, 8, 0, 0, 123456, tzinfo=timezone.utc)
    assert stopped.type_info is not None and stopped.type_info.gpus == 1
    # not in the statusOnly listing: read from its instance view
    assert dealloc.state == InstanceState.STOPPED and not dealloc.billed_while_stopped
    assert dealloc.platform == "windows" and dealloc.region == "westeurope"
    assert ("azure", "Standard_M416ms_v2") not in estate.instance_types  # SKUs not in use are not kept

    disks = by_name(estate, Kind.VOLUME)
    assert isinstance(disks["old-scratch"], Volume)
    assert disks["old-scratch"].attached_to == () and disks["old-scratch"].state == "available"
    assert disks["old-scratch"].last_detached_at == datetime(2026, 9, 1, 10, tzinfo=timezone.utc)
    assert disks["old-scratch"].volume_type == "Premium_LRS" and disks["old-scratch"].size_gib == 512
    assert disks["train-1-data"].attached_to == (running.id,) and disks["train-1-data"].state == "in-use"
    assert disks["old-dealloc_OsDisk_1"].state == "in-use"  # Reserved: attached to a deallocated VM

    snaps = by_name(estate, Kind.SNAPSHOT)
    final = snaps["deleted-disk-final"]
    assert isinstance(final, Snapshot) and not final.backup_managed and final.incremental
    assert final.source_volume_id == arm_id(SUB_A, "rg-ml", "Microsoft.Compute", "disks", "deleted-disk")
    assert snaps["AzureBackup_train-1"].backup_managed
    image: Any = estate.of_kind(Kind.IMAGE)[0]
    assert final.used_by == (image.id,)  # matched case-insensitively (RG-ML vs rg-ml), as ARM ids are
    assert len(image.snapshot_ids) == 1

    ips = by_name(estate, Kind.ADDRESS)
    assert isinstance(ips["forgotten-ip"], Address) and ips["forgotten-ip"].state == "unassociated"
    assert ips["train-1-ip"].associated_with and ips["train-1-ip"].associated_with.endswith("ipconfig1")
    assert ips["nat-ip"].state == "associated"

    series = estate.metrics_for(running.id)
    assert series["cpu.utilization"].values == [2.5, 3.0]  # the point with no average is dropped
    assert series["cpu.utilization"].period_s == 3600
    assert series["network.in.bytes"].values == [1000.0, 2000.0, 3000.0]
    assert series["memory.utilization"].values == pytest.approx([25.0, 50.0, 75.0])


def test_raw_pages_keep_rest_json_and_secrets_are_scrubbed(arm: FakeArm) -> None:
    serve_subscription_a(arm)
    pages, _ = collect(arm)
    vm_pages = pages.select("azure", "compute", "virtual_machines.list_all")
    assert len(vm_pages) == 2 and vm_pages[0].response["nextLink"].endswith("$skiptoken=p2")
    first = vm_pages[0].response["value"][0]
    assert first["properties"]["hardwareProfile"] == {"vmSize": "Standard_D2s_v3"}  # REST casing, as sent
    assert first["properties"]["osProfile"]["adminPassword"] == "***"
    disk_pages = pages.select("azure", "compute", "disks.list")
    assert [len(p.response["value"]) for p in disk_pages] == [2, 1]
    metrics = pages.select("azure", "monitor", "metrics.list")
    assert metrics[0].params["interval"] == "PT1H"
    assert metrics[0].params["timespan"] == "2026-10-18T12:00:00Z/2026-11-01T12:00:00Z"


def test_collection_is_read_only(arm: FakeArm) -> None:
    serve_subscription_a(arm)
    _, provider = collect(arm)
    methods = {m for m, _ in arm.requests}
    assert methods == {"GET"}, arm.requests
    assert provider.guard.refused == []
    paths = arm.paths()
    assert any(p.endswith("/instanceView") for p in paths)
    assert sum(p.endswith("Microsoft.Compute/virtualMachines") for p in paths) == 3  # 2 pages + statusOnly
    # metrics only for the running VM
    assert [p for p in paths if p.endswith("/metrics")] == [
        f"{SUBS}/resourceGroups/rg-ml/providers/Microsoft.Compute/virtualMachines/train-1/providers/"
        "Microsoft.Insights/metrics"]


def test_region_filter_drops_other_regions(arm: FakeArm) -> None:
    serve_subscription_a(arm)
    pages, _ = collect(arm, regions=["East US"])
    estate = AzureProvider.normalise(pages)
    assert {r.region for r in estate.resources} == {"eastus"}
    assert "old-dealloc" not in by_name(estate, Kind.INSTANCE)
    assert not any(p.endswith("/instanceView") for p in arm.paths())


def test_throttling_honours_retry_after_then_succeeds(arm: FakeArm) -> None:
    throttled = (429, {"error": {"code": "TooManyRequests", "message": "Rate limit exceeded."}},
                 {"Retry-After": "7"})
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/disks", throttled, page([
        disk_json(SUB_A, "rg", "d1", "eastus", sku="Standard_LRS", gib=32, state="Unattached")]))
    arm.route(rf"{SUBS}/.*", page([]))
    pages, _ = collect(arm)
    assert pages.issues == []
    assert 7.0 in arm.sleeps  # azure-core's RetryPolicy slept what Retry-After asked (via transport.sleep)
    assert [r.name for r in AzureProvider.normalise(pages).of_kind(Kind.VOLUME)] == ["d1"]
    assert arm.paths().count(f"{SUBS}/providers/Microsoft.Compute/disks") == 2


def test_throttling_that_outlives_retries_is_an_issue(arm: FakeArm) -> None:
    throttled = (429, {"error": {"code": "TooManyRequests", "message": "Rate limit exceeded."}},
                 {"Retry-After": "1"})
    arm.route(rf"{SUBS}/providers/Microsoft.Network/publicIPAddresses", throttled)
    arm.route(rf"{SUBS}/.*", page([]))
    pages, _ = collect(arm, max_retries=2)
    [issue] = pages.issues
    assert (issue.cause, issue.operation, issue.account) == ("throttled", "public_ip_addresses.list_all", SUB_A)
    assert arm.paths().count(f"{SUBS}/providers/Microsoft.Network/publicIPAddresses") == 3


def test_access_denied_is_an_issue_and_other_subscriptions_continue(arm: FakeArm) -> None:
    serve_subscription_a(arm)
    arm.route(rf"/subscriptions/{SUB_B}/providers/Microsoft.Compute/virtualMachines",
              forbidden("Microsoft.Compute/virtualMachines/read", SUB_B))
    arm.route(rf"/subscriptions/{SUB_B}/.*", page([]))
    pages, _ = collect(arm, subscriptions=[SUB_A, SUB_B])
    [issue] = pages.issues
    assert issue.cause == "access-denied" and issue.account == SUB_B
    assert issue.permission == "Microsoft.Compute/virtualMachines/read"
    assert "AuthorizationFailed" in issue.message and "Reader" in (issue.hint or "")
    estate = AzureProvider.normalise(pages)
    assert len(estate.of_kind(Kind.INSTANCE)) == 3  # subscription A fully collected


def test_http_401_is_an_auth_issue(arm: FakeArm) -> None:
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/snapshots", (401, {"error": {
        "code": "InvalidAuthenticationTokenTenant",
        "message": "The access token is from the wrong issuer. It must match the tenant associated with this "
                   "subscription."}}))
    arm.route(rf"{SUBS}/.*", page([]))
    pages, _ = collect(arm)
    [issue] = pages.issues
    assert issue.cause == "auth" and issue.operation == "snapshots.list"
    assert "InvalidAuthenticationTokenTenant" in issue.message and "az login" in (issue.hint or "")


def test_credential_failure_raises_credentials_error(arm: FakeArm) -> None:
    cred = FakeCredential(ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token"))
    with pytest.raises(CredentialsError) as info:
        collect(arm, credential=cred)
    assert "az login" in (info.value.hint or "") and "AZURE_CLIENT_ID" in (info.value.hint or "")
    assert arm.requests == []


def test_unregistered_provider_is_never_registered_by_finml(arm: FakeArm) -> None:
    arm.route(rf"{SUBS}/providers/Microsoft.Network/publicIPAddresses", (409, {"error": {
        "code": "MissingSubscriptionRegistration",
        "message": "The subscription is not registered to use namespace 'Microsoft.Network'. See "
                   "https://aka.ms/rps-not-found for how to register subscriptions."}}))
    arm.route(rf"{SUBS}/.*", page([]))
    pages, provider = collect(arm)
    [issue] = pages.issues
    assert issue.cause == "region-disabled" and "az provider register --namespace Microsoft.Network" in (issue.hint or "")
    # azure-mgmt-core tried to POST a registration; the read-only guard refused it locally
    assert [m for m, _ in provider.guard.refused] == ["POST"]
    assert {m for m, _ in arm.requests} == {"GET"}


def test_subscription_discovery_skips_disabled(arm: FakeArm) -> None:
    arm.route(r"/subscriptions", page([
        {"id": f"/subscriptions/{SUB_A}", "subscriptionId": SUB_A, "tenantId": "t", "displayName": "prod",
         "state": "Enabled", "authorizationSource": "RoleBased"},
        {"id": f"/subscriptions/{SUB_B}", "subscriptionId": SUB_B, "tenantId": "t", "displayName": "old",
         "state": "Disabled", "authorizationSource": "RoleBased"},
    ]))
    serve_subscription_a(arm)
    pages, _ = collect(arm, subscriptions=[])
    [issue] = pages.issues
    assert issue.account == SUB_B and "Disabled" in issue.message
    assert not any(SUB_B in p for p in arm.paths())
    assert len(AzureProvider.normalise(pages).of_kind(Kind.INSTANCE)) == 3


def test_missing_sdk_names_the_extra(arm: FakeArm, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "azure.identity", None)
    with pytest.raises(MissingExtraError) as info:
        collect(arm)
    assert info.value.extra == "azure" and "finml[azure]" in (info.value.hint or "")


def test_failure_on_a_later_page_keeps_earlier_pages(arm: FakeArm) -> None:
    nxt = f"{ARM}{SUBS}/providers/Microsoft.Compute/disks?api-version=2025-01-02&$skiptoken=d2"
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/disks",
              (500, {"error": {"code": "InternalServerError", "message": "boom"}}), query={"$skiptoken": "d2"})
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/disks", page([
        disk_json(SUB_A, "rg", "d1", "eastus", sku="Standard_LRS", gib=32, state="Unattached")], nxt))
    arm.route(rf"{SUBS}/.*", page([]))
    pages, _ = collect(arm, max_retries=1)
    [issue] = pages.issues
    assert issue.cause == "error" and issue.operation == "disks.list" and "InternalServerError" in issue.message
    assert [r.name for r in AzureProvider.normalise(pages).of_kind(Kind.VOLUME)] == ["d1"]
