"""Azure collection through the real azure-mgmt clients against a fake ARM transport."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError
from conftest import (
    ARM,
    SUB_A,
    SUB_B,
    FakeArm,
    FakeCredential,
    arm_id,
    disk_json,
    forbidden,
    page,
    status_json,
    vm_json,
)

from finml.errors import CredentialsError, MissingExtraError
from finml.model import Address, Instance, InstanceState, Kind, Snapshot, Volume
from finml.provider import CollectContext
from finml.raw import RawPages
from providers.azure import AzureProvider, AzureSettings

NOW = datetime(2026, 11, 1, 12, 30, tzinfo=timezone.utc)
SUBS = rf"/subscriptions/{SUB_A}"


def vms_a() -> tuple[dict[str, Any], ...]:
    return (
        vm_json(SUB_A, "rg-ml", "train-1", "Standard_D2s_v3", "eastus", data_disks=["train-1-data"]),
        vm_json(SUB_A, "rg-ml", "gpu-stopped", "Standard_NC6s_v3", "eastus"),
        vm_json(SUB_A, "rg-ml", "old-dealloc", "Standard_D2s_v3", "westeurope", os_type="Windows"),
    )


def serve_subscription_a(arm: FakeArm) -> None:
    """One subscription with every resource kind; lists paged with nextLink."""
    vm1, vm2, vm3 = vms_a()
    skip = f"{ARM}{SUBS}/providers/Microsoft.Compute/virtualMachines?api-version=2026-04-01&$skiptoken=p2"
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/virtualMachines", page([vm3]), query={"$skiptoken": "p2"})
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/virtualMachines",
              page([status_json(vm1, "running"), status_json(vm2, "stopped")]), query={"statusOnly": "true"})
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/virtualMachines", page([vm1, vm2], skip))
    arm.route(rf"{SUBS}/resourceGroups/rg-ml/providers/Microsoft.Compute/virtualMachines/old-dealloc/instanceView", {
        "computerName": "old-dealloc", "osName": "Windows Server 2022 Datacenter",
        "statuses": [
            {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
             "time": "2026-08-01T07:00:00.0000000+00:00"},
            {"code": "PowerState/deallocated", "level": "Info", "displayStatus": "VM deallocated"}],
    })
    skus = {"value": [
        {"resourceType": "virtualMachines", "name": "Standard_D2s_v3", "tier": "Standard", "size": "D2s_v3",
         "family": "standardDSv3Family", "locations": ["eastus"], "locationInfo": [{"location": "eastus", "zones": ["1"]}],
         "capabilities": [{"name": "vCPUs", "value": "2"}, {"name": "MemoryGB", "value": "8"},
                          {"name": "CpuArchitectureType", "value": "x64"}], "restrictions": []},
        {"resourceType": "virtualMachines", "name": "Standard_NC6s_v3", "tier": "Standard", "size": "NC6s_v3",
         "family": "standardNCSv3Family", "locations": ["eastus"],
         "capabilities": [{"name": "vCPUs", "value": "6"}, {"name": "MemoryGB", "value": "112"},
                          {"name": "GPUs", "value": "1"}], "restrictions": []},
        {"resourceType": "virtualMachines", "name": "Standard_M416ms_v2", "tier": "Standard", "size": "M416ms_v2",
         "family": "standardMSv2Family", "locations": ["eastus"],
         "capabilities": [{"name": "vCPUs", "value": "416"}, {"name": "MemoryGB", "value": "11400"}]},
        {"resourceType": "disks", "name": "Premium_LRS", "tier": "Premium", "size": "P10", "locations": ["eastus"],
         "capabilities": [{"name": "MaxSizeGiB", "value": "128"}]},
    ]}
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/skus", skus)
    d_next = f"{ARM}{SUBS}/providers/Microsoft.Compute/disks?api-version=2025-01-02&$skiptoken=d2"
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/disks", page([
        disk_json(SUB_A, "rg-ml", "old-scratch", "eastus", sku="Premium_LRS", gib=512, state="Unattached",
                  last_owner="2026-09-01T10:00:00.0000000+00:00"),
    ]), query={"$skiptoken": "d2"})
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/disks", page([
        disk_json(SUB_A, "rg-ml", "train-1-data", "eastus", sku="Premium_LRS", gib=256, state="Attached",
                  managed_by=vm1["id"]),
        disk_json(SUB_A, "rg-ml", "old-dealloc_OsDisk_1", "westeurope", sku="StandardSSD_LRS", gib=128,
                  state="Reserved", managed_by=vm3["id"]),
    ], d_next))
    src = arm_id(SUB_A, "rg-ml", "Microsoft.Compute", "disks", "deleted-disk")
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/snapshots", page([
        {"name": "deleted-disk-final", "id": arm_id(SUB_A, "rg-ml", "Microsoft.Compute", "snapshots", "deleted-disk-final"),
         "type": "Microsoft.Compute/snapshots", "location": "eastus", "sku": {"name": "Standard_LRS", "tier": "Standard"},
         "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": src},
                        "diskSizeGB": 200, "incremental": True, "timeCreated": "2025-12-24T18:07:14.2413524+00:00",
                        "provisioningState": "Succeeded", "diskState": "Unattached"}},
        {"name": "AzureBackup_train-1", "id": arm_id(SUB_A, "AzureBackupRG_eastus_1", "Microsoft.Compute", "snapshots",
                                                      "AzureBackup_train-1"),
         "type": "Microsoft.Compute/snapshots", "location": "eastus", "tags": {"AzureBackupRGName": "AzureBackupRG_eastus_1"},
         "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": vm1["id"]},
                        "diskSizeGB": 30, "incremental": True, "timeCreated": "2026-10-30T01:00:00+00:00"}},
    ]))
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/images", page([
        {"name": "golden", "id": arm_id(SUB_A, "rg-img", "Microsoft.Compute", "images", "golden"),
         "type": "Microsoft.Compute/images", "location": "eastus",
         "properties": {"sourceVirtualMachine": {"id": vm1["id"]}, "storageProfile": {
             "osDisk": {"osType": "Linux", "osState": "Generalized", "caching": "ReadWrite", "diskSizeGB": 200,
                        "snapshot": {"id": arm_id(SUB_A, "RG-ML", "Microsoft.Compute", "snapshots",
                                                  "deleted-disk-final")}},
             "dataDisks": [], "zoneResilient": True}, "provisioningState": "Succeeded", "hyperVGeneration": "V2"}},
    ]))
    nic_cfg = arm_id(SUB_A, "rg-ml", "Microsoft.Network", "networkInterfaces", "train-1-nic") + "/ipConfigurations/ipconfig1"
    arm.route(rf"{SUBS}/providers/Microsoft.Network/publicIPAddresses", page([
        {"name": "train-1-ip", "id": arm_id(SUB_A, "rg-ml", "Microsoft.Network", "publicIPAddresses", "train-1-ip"),
         "location": "eastus", "sku": {"name": "Standard", "tier": "Regional"},
         "properties": {"provisioningState": "Succeeded", "ipAddress": "20.42.1.7", "publicIPAddressVersion": "IPv4",
                        "publicIPAllocationMethod": "Static", "idleTimeoutInMinutes": 4,
                        "ipConfiguration": {"id": nic_cfg}}},
        {"name": "forgotten-ip", "id": arm_id(SUB_A, "rg-ml", "Microsoft.Network", "publicIPAddresses", "forgotten-ip"),
         "location": "eastus", "sku": {"name": "Standard", "tier": "Regional"},
         "properties": {"provisioningState": "Succeeded", "ipAddress": "20.42.9.9", "publicIPAddressVersion": "IPv4",
                        "publicIPAllocationMethod": "Static", "idleTimeoutInMinutes": 4}},
        {"name": "nat-ip", "id": arm_id(SUB_A, "rg-net", "Microsoft.Network", "publicIPAddresses", "nat-ip"),
         "location": "westeurope", "sku": {"name": "Standard", "tier": "Regional"},
         "properties": {"ipAddress": "51.1.2.3", "publicIPAllocationMethod": "Static",
                        "natGateway": {"id": arm_id(SUB_A, "rg-net", "Microsoft.Network", "natGateways", "nat")}}},
    ]))
    arm.route(rf"{SUBS}/resourceGroups/rg-ml/providers/Microsoft.Compute/virtualMachines/train-1/providers/"
              r"Microsoft.Insights/metrics", metrics_json(vm1["id"]))


def metrics_json(vm_id: str) -> dict[str, Any]:
    stamps = ["2026-10-31T10:00:00Z", "2026-10-31T11:00:00Z", "2026-10-31T12:00:00Z"]

    def series(name: str, unit: str, agg: str, values: list[float | None]) -> dict[str, Any]:
        return {"id": f"{vm_id}/providers/Microsoft.Insights/metrics/{name}", "type": "Microsoft.Insights/metrics",
                "name": {"value": name, "localizedValue": name}, "unit": unit, "errorCode": "Success",
                "timeseries": [{"metadatavalues": [], "data": [
                    {"timeStamp": t, agg: v} if v is not None else {"timeStamp": t}
                    for t, v in zip(stamps, values, strict=True)]}]}

    return {"cost": 11, "timespan": "2026-10-18T12:00:00Z/2026-11-01T12:00:00Z", "interval": "PT1H",
            "namespace": "Microsoft.Compute/virtualMachines", "resourceregion": "eastus", "value": [
                series("Percentage CPU", "Percent", "average", [2.5, 3.0, None]),
                series("Network In Total", "Bytes", "total", [1000.0, 2000.0, 3000.0]),
                series("Network Out Total", "Bytes", "total", [10.0, 20.0, 30.0]),
                series("Available Memory Bytes", "Bytes", "average", [6 * 1024**3, 4 * 1024**3, 2 * 1024**3]),
            ]}


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
