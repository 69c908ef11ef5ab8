"""The pure Azure normaliser on hand-written raw pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from finml.model import InstanceState, Kind
from finml.raw import GLOBAL, RawPages
from providers.azure.normalise import is_backup_managed, normalise, parse_duration_s, parse_time
from tests.providers.azure.fake_arm import SUB_A, disk_json, status_json, vm_json


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-02T10:15:31.4227161+00:00", datetime(2026, 3, 2, 10, 15, 31, 422716, tzinfo=timezone.utc)),
    ("2026-10-31T11:00:00Z", datetime(2026, 10, 31, 11, tzinfo=timezone.utc)),
    ("2026-10-31T11:00:00.5-02:00", datetime(2026, 10, 31, 11, 0, 0, 500000, tzinfo=timezone(timedelta(hours=-2)))),
    ("2026-10-31T11:00:00", datetime(2026, 10, 31, 11, tzinfo=timezone.utc)),
    ("not a time", None), (None, None), ("", None),
])
def test_parse_time(text: Any, expected: datetime | None) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(("text", "seconds"), [("PT1H", 3600), ("PT5M", 300), ("P1D", 86400), ("PT1M", 60),
                                               ("PT1H30M", 5400), ("FULL", 3600), (None, 3600)])
def test_parse_duration(text: str | None, seconds: int) -> None:
    assert parse_duration_s(text) == seconds


def pages_with(operation: str, items: list[dict[str, Any]], service: str = "compute") -> RawPages:
    pages = RawPages()
    pages.add("azure", SUB_A, GLOBAL, service, operation, {"value": items})
    return pages


@pytest.mark.parametrize(("power", "state", "billed"), [
    ("running", InstanceState.RUNNING, False), ("starting", InstanceState.PENDING, False),
    ("stopping", InstanceState.STOPPING, False), ("deallocating", InstanceState.STOPPING, False),
    ("stopped", InstanceState.STOPPED_ALLOCATED, True), ("deallocated", InstanceState.STOPPED, False),
    ("unknown", InstanceState.UNKNOWN, False),
])
def test_power_states(power: str, state: InstanceState, billed: bool) -> None:
    vm = vm_json(SUB_A, "rg", "vm", "Standard_D2s_v3", "East US", priority="Spot")
    pages = pages_with("virtual_machines.list_all", [vm])
    pages.add("azure", SUB_A, GLOBAL, "compute", "virtual_machines.list_all_status", {"value": [status_json(vm, power)]})
    [inst] = normalise(pages).of_kind(Kind.INSTANCE)
    assert inst.state == state and inst.billed_while_stopped is billed  # type: ignore[attr-defined]
    assert inst.region == "eastus" and inst.lifecycle == "spot"  # type: ignore[attr-defined]
    assert inst.type_info is None  # type: ignore[attr-defined]  # no SKU page: facts unknown


def test_vm_without_any_status_is_unknown() -> None:
    pages = pages_with("virtual_machines.list_all", [vm_json(SUB_A, "rg", "vm", "Standard_D2s_v3", "eastus")])
    [inst] = normalise(pages).of_kind(Kind.INSTANCE)
    assert inst.state == InstanceState.UNKNOWN  # type: ignore[attr-defined]


def test_memory_metric_needs_vm_memory() -> None:
    vm = vm_json(SUB_A, "rg", "vm", "Standard_D2s_v3", "eastus")
    pages = pages_with("virtual_machines.list_all", [vm])
    pages.add("azure", SUB_A, "eastus", "monitor", "metrics.list", {"interval": "PT1H", "value": [
        {"name": {"value": "Available Memory Bytes"}, "unit": "Bytes",
         "timeseries": [{"data": [{"timeStamp": "2026-10-31T11:00:00Z", "average": 1.0e9}]}]},
        {"name": {"value": "Percentage CPU"}, "unit": "Percent",
         "timeseries": [{"data": [{"timeStamp": "2026-10-31T11:00:00Z", "average": 12.5}]}]},
    ]}, {"resource_uri": vm["id"]})
    estate = normalise(pages)
    assert set(estate.metrics_for(vm["id"])) == {"cpu.utilization"}


def test_disk_states_and_unallocated_ips() -> None:
    pages = pages_with("disks.list", [
        disk_json(SUB_A, "rg", "never-attached", "eastus", sku="StandardSSD_LRS", gib=64, state="Unattached"),
        disk_json(SUB_A, "rg", "exporting", "eastus", sku="Standard_LRS", gib=64, state="ActiveSAS"),
    ])
    pages.add("azure", SUB_A, GLOBAL, "network", "public_ip_addresses.list_all", {"value": [
        {"name": "dyn", "id": f"/subscriptions/{SUB_A}/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/dyn",
         "location": "eastus", "sku": {"name": "Basic"}, "properties": {"publicIPAllocationMethod": "Dynamic"}},
    ]})
    estate = normalise(pages)
    vols = {r.name: r for r in estate.of_kind(Kind.VOLUME)}
    assert vols["never-attached"].last_detached_at is None  # type: ignore[attr-defined]
    assert vols["never-attached"].created_at == datetime(2026, 1, 10, 9, tzinfo=timezone.utc)
    assert vols["exporting"].state == "activesas"  # type: ignore[attr-defined]
    assert estate.of_kind(Kind.ADDRESS) == []  # a dynamic IP with no address is not billed


@pytest.mark.parametrize(("snap", "expected"), [
    ({"id": "/subscriptions/s/resourceGroups/AzureBackupRG_westeurope_1/providers/Microsoft.Compute/snapshots/x"}, True),
    ({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/x",
      "managedBy": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataProtection/backupVaults/v"}, True),
    ({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/x",
      "tags": {"AzureBackupRGName": "AzureBackupRG_1"}}, True),
    ({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/x",
      "tags": {"purpose": "backup before upgrade"}}, False),
])
def test_backup_markers(snap: dict[str, Any], expected: bool) -> None:
    assert is_backup_managed(snap) is expected
