"""A hand-written ARM estate for one subscription, served by :class:`FakeArm`."""

from __future__ import annotations

from typing import Any

from tests.providers.azure.fake_arm import (
    ARM,
    SUB_A,
    FakeArm,
    arm_id,
    disk_json,
    page,
    status_json,
    vm_json,
)

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
        {"name": "web-base-os", "id": arm_id(SUB_A, "rg-img", "Microsoft.Compute", "snapshots", "web-base-os"),
         "type": "Microsoft.Compute/snapshots", "location": "eastus", "sku": {"name": "Standard_LRS", "tier": "Standard"},
         "properties": {"creationData": {"createOption": "Copy",
                                         "sourceResourceId": arm_id(SUB_A, "rg-img", "Microsoft.Compute", "disks",
                                                                    "web-builder-os")},
                        "diskSizeGB": 30, "incremental": False, "timeCreated": "2026-03-30T09:12:44.5512706+00:00",
                        "provisioningState": "Succeeded", "diskState": "Unattached"}},
        {"name": "AzureBackup_train-1", "id": arm_id(SUB_A, "AzureBackupRG_eastus_1", "Microsoft.Compute", "snapshots",
                                                      "AzureBackup_train-1"),
         "type": "Microsoft.Compute/snapshots", "location": "eastus", "tags": {"AzureBackupRGName": "AzureBackupRG_eastus_1"},
         "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": vm1["id"]},
                        "diskSizeGB": 30, "incremental": True, "timeCreated": "2026-10-30T01:00:00+00:00"}},
    ]))
    serve_galleries_a(arm)
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


GALLERY = arm_id(SUB_A, "rg-img", "Microsoft.Compute", "galleries", "imgGallery")
DEFINITION = f"{GALLERY}/images/web-base"


def serve_galleries_a(arm: FakeArm) -> None:
    """Two galleries (listing paged by nextLink), one image definition, two versions (paged): 1.0.0
    published from a snapshot (OS) and a managed disk (data), 1.1.0 from a managed image."""
    empty = arm_id(SUB_A, "rg-img-we", "Microsoft.Compute", "galleries", "emptyGallery")
    g_next = f"{ARM}{SUBS}/providers/Microsoft.Compute/galleries?api-version=2026-03-03&$skiptoken=g2"
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/galleries", page([_gallery(empty, "westeurope")]),
              query={"$skiptoken": "g2"})
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/galleries", page([_gallery(GALLERY, "eastus")], g_next))
    arm.route(rf"{SUBS}/resourceGroups/rg-img-we/providers/Microsoft.Compute/galleries/emptyGallery/images", page([]))
    arm.route(rf"{SUBS}/resourceGroups/rg-img/providers/Microsoft.Compute/galleries/imgGallery/images", page([
        {"name": "web-base", "id": DEFINITION, "type": "Microsoft.Compute/galleries/images", "location": "eastus",
         "properties": {"osType": "Linux", "osState": "Generalized", "hyperVGeneration": "V2",
                        "identifier": {"publisher": "contoso", "offer": "web", "sku": "base"},
                        "provisioningState": "Succeeded"}}]))
    versions = rf"{SUBS}/resourceGroups/rg-img/providers/Microsoft.Compute/galleries/imgGallery/images/web-base/versions"
    v_next = f"{ARM}{versions}?api-version=2026-03-03&$skiptoken=v2"
    snapshot = arm_id(SUB_A, "RG-IMG", "Microsoft.Compute", "snapshots", "web-base-os")  # ARM casing varies
    data_disk = arm_id(SUB_A, "rg-img", "Microsoft.Compute", "disks", "web-builder-data")
    managed_image = arm_id(SUB_A, "rg-img", "Microsoft.Compute", "images", "golden")
    arm.route(versions, page([_version("1.1.0", {"source": {"id": managed_image},
                                                 "osDiskImage": {"sizeInGB": 30, "hostCaching": "ReadWrite"}})]),
              query={"$skiptoken": "v2"})
    arm.route(versions, page([_version("1.0.0", {
        "osDiskImage": {"sizeInGB": 30, "hostCaching": "ReadWrite", "source": {"id": snapshot}},
        "dataDiskImages": [{"lun": 0, "sizeInGB": 64, "hostCaching": "None", "source": {"id": data_disk}}]})], v_next))


def _gallery(gallery_id: str, location: str) -> dict[str, Any]:
    return {"name": gallery_id.rsplit("/", 1)[1], "id": gallery_id, "type": "Microsoft.Compute/galleries",
            "location": location, "properties": {"description": "", "provisioningState": "Succeeded",
                                                 "identifier": {"uniqueName": f"{SUB_A}-GALLERY"}}}


def _version(name: str, storage: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "id": f"{DEFINITION}/versions/{name}", "type": "Microsoft.Compute/galleries/images/versions",
            "location": "eastus", "tags": {"build": name},
            "properties": {"publishingProfile": {
                "targetRegions": [{"name": "East US", "regionalReplicaCount": 1, "storageAccountType": "Standard_LRS"}],
                "replicaCount": 1, "excludeFromLatest": False, "storageAccountType": "Standard_LRS",
                "publishedDate": "2026-04-01T10:00:00.1234567+00:00"},
                "storageProfile": storage, "provisioningState": "Succeeded",
                "safetyProfile": {"allowDeletionOfReplicatedLocations": False}}}
