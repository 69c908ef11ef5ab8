"""A deterministic sample Azure estate in the raw ARM REST shapes, for ``finml audit --demo``.

Two subscriptions (``contoso-prod``, ``contoso-ml``), three regions, about 90 resources, with
planted waste: unattached managed disks, unassociated Standard public IPs, a GPU VM *stopped* but
not deallocated (still billed), an idle VM, an oversized VM, orphaned and old snapshots, and a
traps: a snapshot owned by Azure Backup, an old snapshot a managed image is built from and an old
snapshot a Compute Gallery image version was published from, none of which may be reported as
orphaned.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from finml.raw import GLOBAL, RawPages

PROVIDER = "azure"
PROD = "8c56d827-5f07-45ce-8f2b-6c5001db5c6f"
ML = "2b1b5f6e-1f3a-4d0e-9a51-7d0c3b2e9a11"

SKUS: dict[str, tuple[int, float, int, str]] = {
    # size: (vCPUs, MemoryGB, GPUs, family)
    "Standard_B2s": (2, 4, 0, "standardBSFamily"),
    "Standard_D2s_v5": (2, 8, 0, "standardDSv5Family"),
    "Standard_D4s_v5": (4, 16, 0, "standardDSv5Family"),
    "Standard_D8s_v5": (8, 32, 0, "standardDSv5Family"),
    "Standard_E16s_v5": (16, 128, 0, "standardESv5Family"),
    "Standard_F4s_v2": (4, 8, 0, "standardFSv2Family"),
    "Standard_NC6s_v3": (6, 112, 1, "standardNCSv3Family"),
    "Standard_NC24ads_A100_v4": (24, 220, 1, "StandardNCADSA100v4Family"),
}

# (subscription, resource group, name, size, region, power state, os, cpu profile, data disk GiB)
_VMS: list[tuple[str, str, str, str, str, str, str, str, int]] = [
    (PROD, "rg-web", "web-01", "Standard_D4s_v5", "eastus", "running", "Linux", "busy", 128),
    (PROD, "rg-web", "web-02", "Standard_D4s_v5", "eastus", "running", "Linux", "busy", 128),
    (PROD, "rg-web", "web-03", "Standard_D4s_v5", "westeurope", "running", "Linux", "busy", 0),
    (PROD, "rg-api", "api-01", "Standard_D8s_v5", "eastus", "running", "Linux", "busy", 256),
    (PROD, "rg-api", "api-02", "Standard_D8s_v5", "westeurope", "running", "Linux", "busy", 256),
    (PROD, "rg-data", "sql-01", "Standard_E16s_v5", "eastus", "running", "Windows", "oversized", 1024),
    (PROD, "rg-tools", "jump-01", "Standard_B2s", "eastus", "running", "Linux", "idle", 0),
    (PROD, "rg-tools", "build-agent-01", "Standard_F4s_v2", "eastus2", "running", "Linux", "busy", 256),
    (PROD, "rg-tools", "legacy-app-01", "Standard_D2s_v5", "eastus2", "deallocated", "Windows", "none", 128),
    (PROD, "rg-batch", "batch-01", "Standard_D2s_v5", "eastus2", "running", "Linux", "busy", 0),
    (PROD, "rg-batch", "batch-02", "Standard_D2s_v5", "eastus2", "running", "Linux", "busy", 0),
    (ML, "rg-ml-train", "ml-train-01", "Standard_NC24ads_A100_v4", "eastus", "running", "Linux", "busy", 1024),
    (ML, "rg-ml-train", "ml-train-02", "Standard_NC6s_v3", "eastus", "running", "Linux", "busy", 512),
    (ML, "rg-ml-train", "ml-train-03", "Standard_NC6s_v3", "eastus", "stopped", "Linux", "none", 512),
    (ML, "rg-ml-serve", "ml-serve-01", "Standard_D4s_v5", "westeurope", "running", "Linux", "busy", 0),
    (ML, "rg-ml-serve", "ml-serve-02", "Standard_D4s_v5", "westeurope", "running", "Linux", "busy", 0),
    (ML, "rg-ml-dev", "notebook-01", "Standard_D8s_v5", "westeurope", "running", "Linux", "idle", 256),
    (ML, "rg-ml-dev", "notebook-02", "Standard_D4s_v5", "westeurope", "deallocated", "Linux", "none", 128),
    (ML, "rg-ml-dev", "notebook-03", "Standard_D4s_v5", "eastus", "running", "Linux", "busy", 0),
    (ML, "rg-ml-data", "etl-01", "Standard_E16s_v5", "eastus", "running", "Linux", "busy", 512),
]

# (subscription, rg, name, sku, region, GiB, days since detach/creation)
_LOOSE_DISKS = [
    (PROD, "rg-data", "sql-01-old-data", "Premium_LRS", "eastus", 512, 63),
    (PROD, "rg-web", "web-migration-tmp", "StandardSSD_LRS", "westeurope", 128, 21),
    (PROD, "rg-tools", "scratch-disk", "Standard_LRS", "eastus2", 256, 2),
    (ML, "rg-ml-train", "dataset-cache-a100", "Premium_LRS", "eastus", 1024, 35),
]

# (subscription, rg, name, region, bound to) - ARM reports no creation time for public IPs
_LOOSE_IPS = [
    (PROD, "rg-web", "pip-web-old-lb", "eastus", None),
    (ML, "rg-ml-serve", "pip-serve-canary", "westeurope", None),
    (PROD, "rg-net", "pip-natgw-eastus", "eastus", "natGateway"),
]


def _arm(sub: str, rg: str, provider: str, kind: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider}/{kind}/{name}"


def _uuid(seed: str) -> str:
    return str(uuid.UUID(bytes=hashlib.md5(seed.encode()).digest(), version=4))


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0+00:00"


def demo_pages(now: datetime) -> RawPages:
    rng = random.Random(20261101)
    pages = RawPages()
    vms: dict[str, list[dict[str, Any]]] = {PROD: [], ML: []}
    status: dict[str, list[dict[str, Any]]] = {PROD: [], ML: []}
    disks: dict[str, list[dict[str, Any]]] = {PROD: [], ML: []}
    snaps: dict[str, list[dict[str, Any]]] = {PROD: [], ML: []}
    ips: dict[str, list[dict[str, Any]]] = {PROD: [], ML: []}
    images: dict[str, list[dict[str, Any]]] = {PROD: [], ML: []}
    sizes: dict[tuple[str, str], set[str]] = {}
    metrics: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []

    for i, (sub, rg, name, size, region, power, os_type, profile, data_gib) in enumerate(_VMS):
        vm_id = _arm(sub, rg, "Microsoft.Compute", "virtualMachines", name)
        created = now - timedelta(days=90 + 11 * i)
        os_disk_id = _arm(sub, rg, "Microsoft.Compute", "disks", f"{name}_OsDisk_1")
        data = []
        disk_state = "Attached" if power != "deallocated" else "Reserved"
        disks[sub].append(_disk(os_disk_id, region, "Premium_LRS", 128 if os_type == "Windows" else 64,
                                created, vm_id, disk_state, os_type))
        if data_gib:
            data_id = _arm(sub, rg, "Microsoft.Compute", "disks", f"{name}-data-0")
            data.append({"lun": 0, "name": f"{name}-data-0", "createOption": "Attach", "caching": "ReadOnly",
                         "managedDisk": {"id": data_id, "storageAccountType": "Premium_LRS"},
                         "diskSizeGB": data_gib, "toBeDetached": False})
            disks[sub].append(_disk(data_id, region, "Premium_LRS", data_gib, created, vm_id, disk_state, None))
        vms[sub].append(_vm(vm_id, name, region, size, os_type, created, os_disk_id, data,
                            {"env": "prod" if sub == PROD else "ml", "owner": rg.removeprefix("rg-")}))
        statuses = [
            {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
             "time": _ts(now - timedelta(days=9 if power == "stopped" else 40, hours=3))},
            {"code": f"PowerState/{power}", "level": "Info",
             "displayStatus": {"running": "VM running", "stopped": "VM stopped",
                               "deallocated": "VM deallocated"}[power]},
        ]
        status[sub].append({"name": name, "id": vm_id, "location": region,
                            "properties": {"instanceView": {"statuses": statuses}}})
        sizes.setdefault((sub, region), set()).add(size)
        if power == "running":
            ip_id = _arm(sub, rg, "Microsoft.Network", "publicIPAddresses", f"{name}-ip")
            if i % 2 == 0:
                nic_cfg = _arm(sub, rg, "Microsoft.Network", "networkInterfaces", f"{name}-nic") + "/ipConfigurations/ipconfig1"
                ips[sub].append(_ip(ip_id, region, f"20.{10 + i}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                                    {"ipConfiguration": {"id": nic_cfg}}))
            metrics.append((sub, region, {"resource_uri": vm_id}, _metrics(rng, now, vm_id, region, profile,
                                                                             SKUS[size][1])))
        if i % 4 == 1 and data_gib:
            snap_id = _arm(sub, rg, "Microsoft.Compute", "snapshots", f"{name}-data-0-weekly")
            snaps[sub].append(_snapshot(snap_id, region, data_gib, now - timedelta(days=6),
                                        _arm(sub, rg, "Microsoft.Compute", "disks", f"{name}-data-0"), True, {}))

    for sub, rg, name, sku, region, gib, days in _LOOSE_DISKS:
        disk_id = _arm(sub, rg, "Microsoft.Compute", "disks", name)
        disks[sub].append(_disk(disk_id, region, sku, gib, now - timedelta(days=days + 100), None, "Unattached",
                                None, detached=now - timedelta(days=days)))

    for sub, rg, name, region, bound in _LOOSE_IPS:
        ip_id = _arm(sub, rg, "Microsoft.Network", "publicIPAddresses", name)
        extra: dict[str, Any] = {}
        if bound == "natGateway":
            extra = {"natGateway": {"id": _arm(sub, rg, "Microsoft.Network", "natGateways", "natgw-eastus")}}
        ips[sub].append(_ip(ip_id, region, f"52.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                            extra))
    # A Basic dynamic IP with no address: not billed, not reported.
    ips[PROD].append(_ip(_arm(PROD, "rg-tools", "Microsoft.Network", "publicIPAddresses", "pip-unused-dynamic"),
                         "eastus2", None, {}, sku="Basic", allocation="Dynamic"))

    # Orphaned (source disk deleted) and old snapshots, plus an Azure Backup trap.
    gone = _arm(PROD, "rg-data", "Microsoft.Compute", "disks", "sql-00-data-0")
    snaps[PROD].append(_snapshot(_arm(PROD, "rg-data", "Microsoft.Compute", "snapshots", "sql-00-data-final"),
                                 "eastus", 1024, now - timedelta(days=210), gone, False, {"purpose": "pre-migration"}))
    snaps[PROD].append(_snapshot(_arm(PROD, "rg-web", "Microsoft.Compute", "snapshots", "web-01-os-2024"),
                                 "eastus", 64, now - timedelta(days=420),
                                 _arm(PROD, "rg-web", "Microsoft.Compute", "disks", "web-01_OsDisk_1"), False, {}))
    gone_ml = _arm(ML, "rg-ml-train", "Microsoft.Compute", "disks", "ml-train-00-data-0")
    snaps[ML].append(_snapshot(_arm(ML, "rg-ml-train", "Microsoft.Compute", "snapshots", "ml-train-00-ckpt"),
                               "eastus", 2048, now - timedelta(days=150), gone_ml, True, {}))
    # Trap: an old snapshot of a deleted disk that a managed image is still built from.
    golden = _arm(ML, "rg-ml-images", "Microsoft.Compute", "snapshots", "golden-cuda-os-2025")
    snaps[ML].append(_snapshot(golden, "eastus", 64, now - timedelta(days=300),
                               _arm(ML, "rg-ml-images", "Microsoft.Compute", "disks", "builder-os"), False, {}))
    images[ML].append(_image(_arm(ML, "rg-ml-images", "Microsoft.Compute", "images", "cuda-12-ubuntu"), "eastus",
                             golden, now - timedelta(days=299)))
    # Trap: an old snapshot of a deleted build disk that a Compute Gallery image version was
    # published from (the version names it in storageProfile.osDiskImage.source.id).
    app_base = _arm(PROD, "rg-images", "Microsoft.Compute", "snapshots", "app-base-os-2025")
    snaps[PROD].append(_snapshot(app_base, "eastus", 64, now - timedelta(days=240),
                                 _arm(PROD, "rg-images", "Microsoft.Compute", "disks", "app-builder-os"), False, {}))
    gallery_id = _arm(PROD, "rg-images", "Microsoft.Compute", "galleries", "contosoImages")
    galleries: dict[str, list[dict[str, Any]]] = {PROD: [_gallery(gallery_id, "eastus")], ML: []}
    definition_id = f"{gallery_id}/images/app-base-ubuntu"
    definition = _gallery_image(definition_id, "eastus")
    versions = [_gallery_image_version(f"{definition_id}/versions/1.3.0", "eastus", now - timedelta(days=239),
                                       app_base.replace("/resourceGroups/rg-images/", "/resourceGroups/RG-IMAGES/"))]
    backup_rg = "AzureBackupRG_eastus_1"
    snaps[PROD].append(_snapshot(
        _arm(PROD, backup_rg, "Microsoft.Compute", "snapshots", "AzureBackup_sql-01-data-0_2026"),
        "eastus", 1024, now - timedelta(days=3), gone, True,
        {"AzureBackupRGName": backup_rg, "CreatedBy": "AzureBackup"},
        managed_by=_arm(PROD, backup_rg, "Microsoft.Compute", "restorePointCollections", "AzureBackup_sql-01")))

    for sub in (PROD, ML):
        _add_list(pages, sub, "compute", "virtual_machines.list_all", vms[sub], 8)
        _add_list(pages, sub, "compute", "virtual_machines.list_all_status", status[sub], 8,
                  {"statusOnly": "true"})
        _add_list(pages, sub, "compute", "disks.list", disks[sub], 12)
        _add_list(pages, sub, "compute", "snapshots.list", snaps[sub], 50)
        _add_list(pages, sub, "compute", "images.list", images[sub], 50)
        _add_list(pages, sub, "network", "public_ip_addresses.list_all", ips[sub], 50)
        _add_list(pages, sub, "compute", "galleries.list", galleries[sub], 50)
    pages.add(PROVIDER, PROD, "eastus", "compute", "gallery_images.list_by_gallery", {"value": [definition]},
              {"gallery_id": gallery_id})
    pages.add(PROVIDER, PROD, "eastus", "compute", "gallery_image_versions.list_by_gallery_image",
              {"value": versions}, {"gallery_image_id": definition_id})
    for (sub, region), used in sorted(sizes.items()):
        pages.add(PROVIDER, sub, region, "compute", "resource_skus.list",
                  {"value": [_sku(s, region) for s in sorted(used)]},
                  {"$filter": f"location eq '{region}'", "kept": "virtualMachines sizes in use"})
    for sub, region, params, body in metrics:
        pages.add(PROVIDER, sub, region, "monitor", "metrics.list", body, {**params, "interval": "PT1H"})
    return pages


def _add_list(pages: RawPages, sub: str, service: str, operation: str, items: list[dict[str, Any]],
              page_size: int, params: dict[str, Any] | None = None) -> None:
    chunks = [items[i:i + page_size] for i in range(0, len(items), page_size)] or [[]]
    for n, chunk in enumerate(chunks):
        body: dict[str, Any] = {"value": chunk}
        if n + 1 < len(chunks):
            body["nextLink"] = (f"https://management.azure.com/subscriptions/{sub}/providers/demo"
                                f"?api-version=2024-07-01&$skiptoken=page{n + 1}")
        pages.add(PROVIDER, sub, GLOBAL, service, operation, body, params)


def _vm(vm_id: str, name: str, region: str, size: str, os_type: str, created: datetime, os_disk: str,
        data: list[dict[str, Any]], tags: dict[str, str]) -> dict[str, Any]:
    image = ({"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter-azure-edition",
              "version": "latest", "exactVersion": "20348.2762.241006"} if os_type == "Windows" else
             {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest",
              "exactVersion": "24.04.202410090"})
    return {
        "name": name, "id": vm_id, "type": "Microsoft.Compute/virtualMachines", "location": region, "tags": tags,
        "properties": {
            "vmId": _uuid(vm_id),
            "hardwareProfile": {"vmSize": size},
            "storageProfile": {
                "imageReference": image,
                "osDisk": {"osType": os_type, "name": os_disk.rsplit("/", 1)[1], "createOption": "FromImage",
                           "caching": "ReadWrite", "managedDisk": {"id": os_disk, "storageAccountType": "Premium_LRS"},
                           "deleteOption": "Delete", "diskSizeGB": 128 if os_type == "Windows" else 64},
                "dataDisks": data,
            },
            "osProfile": {"computerName": name, "adminUsername": "azureuser", "secrets": []},
            "networkProfile": {"networkInterfaces": [{"id": vm_id.replace(
                "Microsoft.Compute/virtualMachines", "Microsoft.Network/networkInterfaces") + "-nic"}]},
            "provisioningState": "Succeeded",
            "timeCreated": _ts(created),
        },
    }


def _disk(disk_id: str, region: str, sku: str, gib: int, created: datetime, managed_by: str | None,
          state: str, os_type: str | None, detached: datetime | None = None) -> dict[str, Any]:
    tier = {"Premium_LRS": "Premium", "StandardSSD_LRS": "Standard", "Standard_LRS": "Standard"}[sku]
    props: dict[str, Any] = {
        "creationData": {"createOption": "FromImage" if os_type else "Empty"},
        "diskSizeGB": gib, "diskSizeBytes": gib * 1024**3, "diskIOPSReadWrite": 500 if gib < 256 else 2300,
        "diskMBpsReadWrite": 100 if gib < 256 else 150,
        "encryption": {"type": "EncryptionAtRestWithPlatformKey"}, "networkAccessPolicy": "AllowAll",
        "publicNetworkAccess": "Enabled", "timeCreated": _ts(created), "provisioningState": "Succeeded",
        "diskState": state, "uniqueId": _uuid(disk_id),
        "tier": {"Premium": "P10", "Standard": "E10"}.get(tier) if sku != "Standard_LRS" else None,
    }
    if os_type:
        props["osType"] = os_type
        props["hyperVGeneration"] = "V2"
    if detached is not None:
        props["LastOwnershipUpdateTime"] = _ts(detached)
    disk: dict[str, Any] = {"name": disk_id.rsplit("/", 1)[1], "id": disk_id, "type": "Microsoft.Compute/disks",
                            "location": region, "tags": {}, "sku": {"name": sku, "tier": tier}, "properties": props}
    if managed_by:
        disk["managedBy"] = managed_by
    return disk


def _snapshot(snap_id: str, region: str, gib: int, created: datetime, source: str, incremental: bool,
              tags: dict[str, str], managed_by: str | None = None) -> dict[str, Any]:
    snap: dict[str, Any] = {
        "name": snap_id.rsplit("/", 1)[1], "id": snap_id, "type": "Microsoft.Compute/snapshots", "location": region,
        "tags": tags, "sku": {"name": "Standard_LRS", "tier": "Standard"},
        "properties": {
            "creationData": {"createOption": "Copy", "sourceResourceId": source,
                             "sourceUniqueId": _uuid(source)},
            "diskSizeGB": gib, "diskSizeBytes": gib * 1024**3, "incremental": incremental,
            "encryption": {"type": "EncryptionAtRestWithPlatformKey"}, "timeCreated": _ts(created),
            "provisioningState": "Succeeded", "diskState": "Unattached",
        },
    }
    if managed_by:
        snap["managedBy"] = managed_by
    return snap


def _image(image_id: str, region: str, snapshot_id: str, created: datetime) -> dict[str, Any]:
    return {"name": image_id.rsplit("/", 1)[1], "id": image_id, "type": "Microsoft.Compute/images",
            "location": region, "tags": {"built": created.strftime("%Y-%m-%d")},
            "properties": {"storageProfile": {
                "osDisk": {"osType": "Linux", "osState": "Generalized", "snapshot": {"id": snapshot_id},
                           "caching": "ReadWrite", "storageAccountType": "Premium_LRS", "diskSizeGB": 64},
                "dataDisks": [], "zoneResilient": False},
                "provisioningState": "Succeeded", "hyperVGeneration": "V2"}}


def _gallery(gallery_id: str, region: str) -> dict[str, Any]:
    sub = gallery_id.split("/")[2]
    return {"name": gallery_id.rsplit("/", 1)[1], "id": gallery_id, "type": "Microsoft.Compute/galleries",
            "location": region, "tags": {},
            "properties": {"description": "Golden images", "provisioningState": "Succeeded",
                           "identifier": {"uniqueName": f"{sub}-{gallery_id.rsplit('/', 1)[1].upper()}"},
                           "sharingProfile": {"permissions": "Private"}}}


def _gallery_image(definition_id: str, region: str) -> dict[str, Any]:
    return {"name": definition_id.rsplit("/", 1)[1], "id": definition_id, "type": "Microsoft.Compute/galleries/images",
            "location": region, "tags": {},
            "properties": {"osType": "Linux", "osState": "Generalized", "hyperVGeneration": "V2",
                           "architecture": "x64", "provisioningState": "Succeeded",
                           "identifier": {"publisher": "contoso", "offer": "app-base", "sku": "ubuntu-24_04"},
                           "recommended": {"vCPUs": {"min": 2, "max": 16}, "memory": {"min": 4, "max": 64}}}}


def _gallery_image_version(version_id: str, region: str, published: datetime, snapshot_id: str) -> dict[str, Any]:
    return {"name": version_id.rsplit("/", 1)[1], "id": version_id, "type": "Microsoft.Compute/galleries/images/versions",
            "location": region, "tags": {"built-by": "packer"},
            "properties": {
                "publishingProfile": {"targetRegions": [{"name": "East US", "regionalReplicaCount": 1,
                                                         "storageAccountType": "Standard_LRS"}],
                                      "replicaCount": 1, "excludeFromLatest": False, "publishedDate": _ts(published),
                                      "storageAccountType": "Standard_LRS"},
                "storageProfile": {"osDiskImage": {"sizeInGB": 64, "hostCaching": "ReadWrite",
                                                   "source": {"id": snapshot_id}}},
                "safetyProfile": {"allowDeletionOfReplicatedLocations": False},
                "provisioningState": "Succeeded"}}


def _ip(ip_id: str, region: str, address: str | None, bound: dict[str, Any], sku: str = "Standard",
        allocation: str = "Static") -> dict[str, Any]:
    props: dict[str, Any] = {"provisioningState": "Succeeded", "publicIPAddressVersion": "IPv4",
                             "publicIPAllocationMethod": allocation, "idleTimeoutInMinutes": 4,
                             "ipTags": [], **bound}
    if address:
        props["ipAddress"] = address
    return {"name": ip_id.rsplit("/", 1)[1], "id": ip_id, "type": "Microsoft.Network/publicIPAddresses",
            "location": region, "sku": {"name": sku, "tier": "Regional"}, "properties": props}


def _sku(size: str, region: str) -> dict[str, Any]:
    vcpus, mem, gpus, family = SKUS[size]
    caps = [{"name": "vCPUs", "value": str(vcpus)}, {"name": "MemoryGB", "value": f"{mem:g}"},
            {"name": "CpuArchitectureType", "value": "x64"}, {"name": "PremiumIO", "value": "True"}]
    if gpus:
        caps.append({"name": "GPUs", "value": str(gpus)})
    return {"resourceType": "virtualMachines", "name": size, "tier": "Standard", "size": size.removeprefix("Standard_"),
            "family": family, "locations": [region],
            "locationInfo": [{"location": region, "zones": ["1", "2", "3"], "zoneDetails": []}],
            "capabilities": caps, "restrictions": []}


def _metrics(rng: random.Random, now: datetime, vm_id: str, region: str, profile: str, mem_gb: float) -> dict[str, Any]:
    hours = 14 * 24
    end = now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=hours)
    stamps = [(start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ") for h in range(hours)]
    cpu_base = {"busy": 45.0, "idle": 1.2, "oversized": 4.0}[profile]
    mem_used = {"busy": 0.6, "idle": 0.15, "oversized": 0.1}[profile]
    net = {"busy": 4.0e8, "idle": 4.0e4, "oversized": 3.0e7}[profile]  # idle: ~1.5 MB a day
    cpu = [round(max(0.1, cpu_base * (0.6 + 0.8 * rng.random())), 3) for _ in stamps]
    avail = [round(mem_gb * 1024**3 * (1 - mem_used * (0.9 + 0.2 * rng.random()))) for _ in stamps]
    n_in = [round(net * (0.5 + rng.random())) for _ in stamps]
    n_out = [round(net * 0.6 * (0.5 + rng.random())) for _ in stamps]

    def series(name: str, unit: str, agg: str, values: list[float] | list[int]) -> dict[str, Any]:
        return {"id": f"{vm_id}/providers/Microsoft.Insights/metrics/{name}", "type": "Microsoft.Insights/metrics",
                "name": {"value": name, "localizedValue": name}, "displayDescription": name, "unit": unit,
                "timeseries": [{"metadatavalues": [], "data": [
                    {"timeStamp": t, agg: v} for t, v in zip(stamps, values, strict=True)]}],
                "errorCode": "Success"}

    return {
        "cost": hours * 4 - 1, "timespan": f"{stamps[0]}/{end.strftime('%Y-%m-%dT%H:%M:%SZ')}", "interval": "PT1H",
        "value": [series("Percentage CPU", "Percent", "average", cpu),
                  series("Network In Total", "Bytes", "total", n_in),
                  series("Network Out Total", "Bytes", "total", n_out),
                  series("Available Memory Bytes", "Bytes", "average", avail)],
        "namespace": "Microsoft.Compute/virtualMachines", "resourceregion": region,
    }
