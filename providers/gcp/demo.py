"""A deterministic sample GCP estate in the raw REST shapes, with planted waste.

Two projects (``acme-ml-prod``, ``acme-web-stg``), three regions. Planted:

* unattached disks (no ``users``): ``ml-scratch-old`` (pd-ssd 500 GB), ``ml-dataset-copy``
  (pd-balanced 1 TB), ``web-old-boot`` (pd-standard 50 GB), and one detached 2 days ago (too young);
* unused static addresses (``status: RESERVED``): ``ml-legacy-ingress``, ``web-old-lb`` (regional)
  and ``ml-old-global-lb`` (global, left behind by a deleted load balancer);
* an idle VM (``ml-notebook-idle``, CPU ~1 %), an oversized VM (``ml-etl-big``, n2-standard-16 at
  ~6 % CPU), a VM stopped (``TERMINATED``) for 60 days whose disks are still billed;
* old snapshots (> 1 year), scheduled (``autoCreated``) snapshots, and the trap: an old snapshot
  that backs a custom image (``golden-base-v3``), so it must not be deleted;
* a 1-year committed use discount (CUD) in us-central1.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from finml.raw import GLOBAL, RawPages

API = "https://www.googleapis.com/compute/v1"
PROD, STG = "acme-ml-prod", "acme-web-stg"
_NUMBERS = {PROD: "481516234200", STG: "481516234201"}
_TZ = timezone(timedelta(hours=-7))

MACHINE_TYPES: dict[str, dict[str, Any]] = {
    "e2-medium": {"guestCpus": 2, "memoryMb": 4096, "isSharedCpu": True},
    "e2-standard-4": {"guestCpus": 4, "memoryMb": 16384, "isSharedCpu": False},
    "n2-standard-4": {"guestCpus": 4, "memoryMb": 16384, "isSharedCpu": False},
    "n2-standard-16": {"guestCpus": 16, "memoryMb": 65536, "isSharedCpu": False},
    "n2-highmem-8": {"guestCpus": 8, "memoryMb": 65536, "isSharedCpu": False},
    "n1-standard-8": {"guestCpus": 8, "memoryMb": 30720, "isSharedCpu": False},
    "a2-highgpu-1g": {"guestCpus": 12, "memoryMb": 87040, "isSharedCpu": False,
                      "accelerators": [{"guestAcceleratorType": "nvidia-tesla-a100", "guestAcceleratorCount": 1}]},
}

# name, project, zone, type, status, cpu profile (mean %, spread) or None, data disk GB, days since state
_VMS: list[tuple[str, str, str, str, str, tuple[float, float] | None, int, int]] = [
    ("ml-train-a100", PROD, "us-central1-a", "a2-highgpu-1g", "RUNNING", (55.0, 20.0), 500, 20),
    ("ml-etl-big", PROD, "us-central1-a", "n2-standard-16", "RUNNING", (6.0, 3.0), 200, 90),
    ("ml-notebook-idle", PROD, "us-central1-b", "n2-standard-4", "RUNNING", (1.0, 0.5), 100, 40),
    ("ml-feature-store", PROD, "us-central1-b", "n2-highmem-8", "RUNNING", (45.0, 15.0), 300, 120),
    ("ml-serving-1", PROD, "us-central1-c", "n2-standard-4", "RUNNING", (40.0, 15.0), 0, 60),
    ("ml-serving-2", PROD, "us-central1-c", "n2-standard-4", "RUNNING", (42.0, 15.0), 0, 60),
    ("ml-infer-t4", PROD, "europe-west4-a", "n1-standard-8", "RUNNING", (35.0, 15.0), 0, 30),
    ("ml-batch-spot", PROD, "europe-west4-a", "e2-standard-4", "RUNNING", (70.0, 10.0), 0, 3),
    ("ml-labeler-old", PROD, "europe-west4-b", "e2-standard-4", "TERMINATED", None, 250, 60),
    ("ml-suspended-dev", PROD, "us-central1-a", "e2-medium", "SUSPENDED", None, 0, 10),
    ("web-frontend-1", STG, "europe-west4-a", "e2-medium", "RUNNING", (25.0, 10.0), 0, 30),
    ("web-frontend-2", STG, "europe-west4-b", "e2-medium", "RUNNING", (24.0, 10.0), 0, 30),
    ("web-api-1", STG, "asia-southeast1-a", "e2-standard-4", "RUNNING", (30.0, 12.0), 0, 45),
    ("web-api-2", STG, "asia-southeast1-b", "e2-standard-4", "RUNNING", (28.0, 12.0), 0, 45),
    ("web-db", STG, "asia-southeast1-a", "n2-highmem-8", "RUNNING", (35.0, 10.0), 400, 200),
    ("web-cron", STG, "europe-west4-a", "e2-medium", "STOPPING", None, 0, 0),
]

# name, project, zone, type, size GB, days since detach (None = never attached), created days ago
_LOOSE_DISKS = [
    ("ml-scratch-old", PROD, "us-central1-a", "pd-ssd", 500, 95, 300),
    ("ml-dataset-copy", PROD, "us-central1-b", "pd-balanced", 1000, None, 45),
    ("ml-tmp-fresh", PROD, "europe-west4-a", "pd-balanced", 200, 2, 20),
    ("web-old-boot", STG, "asia-southeast1-a", "pd-standard", 50, 400, 700),
]


def _ts(t: datetime) -> str:
    """GCP resource timestamps: RFC 3339 with milliseconds and the API's -07:00 offset."""
    return t.astimezone(_TZ).isoformat(timespec="milliseconds")


def _z(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rid(rng: random.Random) -> str:
    return str(rng.randrange(10**18, 10**19))


def _scoped(items: dict[str, list[dict[str, Any]]], key: str, scopes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for scope in scopes:
        if items.get(scope):
            out[scope] = {key: items[scope]}
        else:
            out[scope] = {"warning": {"code": "NO_RESULTS_ON_PAGE",
                                      "message": f"There are no results for scope '{scope}' on this page.",
                                      "data": [{"key": "scope", "value": scope}]}}
    return out


def demo_pages(now: datetime) -> RawPages:
    rng = random.Random(20261101)
    pages = RawPages()
    zones = ["us-central1-a", "us-central1-b", "us-central1-c", "europe-west4-a", "europe-west4-b",
             "asia-southeast1-a", "asia-southeast1-b"]
    zone_scopes = [f"zones/{z}" for z in zones]
    region_scopes = [f"regions/{r}" for r in ("us-central1", "europe-west4", "asia-southeast1")]
    inst: dict[str, dict[str, list[dict[str, Any]]]] = {PROD: {}, STG: {}}
    disks: dict[str, dict[str, list[dict[str, Any]]]] = {PROD: {}, STG: {}}
    snaps: dict[str, list[dict[str, Any]]] = {PROD: [], STG: []}
    ids: dict[str, str] = {}
    day = timedelta(days=1)

    def disk(project: str, zone: str, name: str, dtype: str, size: int, created: datetime,
             users: list[str], **extra: Any) -> dict[str, Any]:
        d = {"kind": "compute#disk", "id": _rid(rng), "name": name, "sizeGb": str(size), "status": "READY",
             "creationTimestamp": _ts(created), "zone": f"{API}/projects/{project}/zones/{zone}",
             "selfLink": f"{API}/projects/{project}/zones/{zone}/disks/{name}",
             "type": f"{API}/projects/{project}/zones/{zone}/diskTypes/{dtype}",
             "physicalBlockSizeBytes": "4096", **extra}
        if users:
            d["users"] = users
            d["lastAttachTimestamp"] = _ts(created + timedelta(minutes=1))
        disks[project].setdefault(f"zones/{zone}", []).append(d)
        return d

    for name, project, zone, mtype, status, _cpu, data_gb, days in _VMS:
        created = now - timedelta(days=days + 30 + rng.randrange(100))
        link = f"{API}/projects/{project}/zones/{zone}/instances/{name}"
        boot = disk(project, zone, name, "pd-balanced", 50, created, [link],
                    sourceImage=f"{API}/projects/debian-cloud/global/images/debian-12-bookworm-v20260910",
                    licenses=[f"{API}/projects/debian-cloud/global/licenses/debian-12-bookworm"])
        vm_disks = [{"kind": "compute#attachedDisk", "type": "PERSISTENT", "mode": "READ_WRITE",
                     "source": boot["selfLink"], "deviceName": "persistent-disk-0", "index": 0,
                     "boot": True, "autoDelete": True, "diskSizeGb": "50", "interface": "SCSI",
                     "licenses": boot["licenses"]}]
        if data_gb:
            data = disk(project, zone, f"{name}-data", "pd-ssd", data_gb, created, [link])
            vm_disks.append({"kind": "compute#attachedDisk", "type": "PERSISTENT", "mode": "READ_WRITE",
                             "source": data["selfLink"], "deviceName": "data", "index": 1, "boot": False,
                             "autoDelete": False, "diskSizeGb": str(data_gb), "interface": "SCSI"})
        ids[name] = _rid(rng)
        vm: dict[str, Any] = {
            "kind": "compute#instance", "id": ids[name], "name": name, "status": status,
            "creationTimestamp": _ts(created), "zone": f"{API}/projects/{project}/zones/{zone}",
            "machineType": f"{API}/projects/{project}/zones/{zone}/machineTypes/{mtype}",
            "selfLink": link, "disks": vm_disks, "cpuPlatform": "Intel Cascade Lake",
            "labels": {"team": "ml" if project == PROD else "web", "env": "prod" if project == PROD else "stg"},
            "scheduling": {"onHostMaintenance": "MIGRATE", "automaticRestart": True, "preemptible": False,
                           "provisioningModel": "STANDARD"},
            "networkInterfaces": [{"network": f"{API}/projects/{project}/global/networks/default",
                                   "networkIP": f"10.128.0.{len(ids) + 1}", "name": "nic0"}],
            "lastStartTimestamp": _ts(now - timedelta(days=days + 5) if status != "RUNNING" else now - days * day),
        }
        if status in ("TERMINATED", "STOPPING"):
            vm["lastStopTimestamp"] = _ts(now - days * day)
        if status == "SUSPENDED":
            vm["lastSuspendedTimestamp"] = _ts(now - days * day)
        if name.startswith("ml-serving-"):
            vm["metadata"] = {"kind": "compute#metadata", "items": [
                {"key": "instance-template", "value": f"projects/{_NUMBERS[project]}/global/instanceTemplates/ml-serving-tpl-v2"},
                {"key": "created-by",
                 "value": f"projects/{_NUMBERS[project]}/zones/{zone}/instanceGroupManagers/ml-serving-mig"}]}
        if name == "ml-batch-spot":
            vm["scheduling"] = {"provisioningModel": "SPOT", "preemptible": True, "automaticRestart": False,
                                "onHostMaintenance": "TERMINATE", "instanceTerminationAction": "STOP"}
        if name == "ml-infer-t4":
            vm["guestAccelerators"] = [{"acceleratorType": f"{API}/projects/{project}/zones/{zone}/acceleratorTypes/nvidia-tesla-t4",
                                        "acceleratorCount": 1}]
            vm["scheduling"]["onHostMaintenance"] = "TERMINATE"
        inst[project].setdefault(f"zones/{zone}", []).append(vm)

    for name, project, zone, dtype, size, detached, created_days in _LOOSE_DISKS:
        extra: dict[str, Any] = {}
        if detached is not None:
            extra = {"lastAttachTimestamp": _ts(now - timedelta(days=created_days - 1)),
                     "lastDetachTimestamp": _ts(now - timedelta(days=detached))}
        disk(project, zone, name, dtype, size, now - timedelta(days=created_days), [], **extra)

    # snapshots: scheduled dailies, old manual ones, and one backing an image (the trap)
    for project, vm_names in ((PROD, ["ml-feature-store", "ml-etl-big"]), (STG, ["web-db"])):
        for vm_name in vm_names:
            zone = next(v[2] for v in _VMS if v[0] == vm_name)
            for k in range(1, 8):
                snaps[project].append(_snapshot(project, f"{vm_name}-data-sched-{k:02d}", zone, f"{vm_name}-data",
                                                300, now - k * day, rng, scheduled=True))
    for k, age in enumerate((420, 510, 600, 730)):
        snaps[PROD].append(_snapshot(PROD, f"ml-manual-backup-{k + 1}", "us-central1-a", "ml-etl-big-data", 200,
                                     now - age * day, rng))
    snaps[STG].append(_snapshot(STG, "web-db-pre-migration", "asia-southeast1-a", "web-db-data", 400,
                                now - 800 * day, rng))
    golden = _snapshot(PROD, "golden-base-v3-src", "us-central1-a", "ml-train-a100", 50, now - 500 * day, rng)
    snaps[PROD].append(golden)
    snaps[STG].append(_snapshot(STG, "web-old-boot-final", "asia-southeast1-a", "web-old-boot", 50,
                                now - 390 * day, rng))

    images = [{"kind": "compute#image", "id": _rid(rng), "name": "golden-base-v3", "status": "READY",
               "creationTimestamp": _ts(now - 495 * day), "diskSizeGb": "50", "archiveSizeBytes": "3816062976",
               "sourceSnapshot": golden["selfLink"], "sourceSnapshotId": golden["id"], "sourceType": "RAW",
               "storageLocations": ["us"], "family": "golden-base",
               "selfLink": f"{API}/projects/{PROD}/global/images/golden-base-v3"},
              {"kind": "compute#image", "id": _rid(rng), "name": "ml-cuda-12-base", "status": "READY",
               "creationTimestamp": _ts(now - 100 * day), "diskSizeGb": "100", "archiveSizeBytes": "9663676416",
               "sourceDisk": f"{API}/projects/{PROD}/zones/us-central1-a/disks/ml-train-a100",
               "sourceType": "RAW", "storageLocations": ["us"],
               "selfLink": f"{API}/projects/{PROD}/global/images/ml-cuda-12-base"}]
    machine_images = [{"kind": "compute#machineImage", "id": _rid(rng), "name": "web-db-mi-2026-06", "status": "READY",
                       "creationTimestamp": _ts(now - 150 * day), "totalStorageBytes": "21474836480",
                       "sourceInstance": f"{API}/projects/{STG}/zones/asia-southeast1-a/instances/web-db",
                       "storageLocations": ["asia-southeast1"],
                       "savedDisks": [{"kind": "compute#savedDisk",
                                       "sourceDisk": f"{API}/projects/{STG}/zones/asia-southeast1-a/disks/web-db",
                                       "storageBytes": "10737418240", "architecture": "X86_64"}],
                       "selfLink": f"{API}/projects/{STG}/global/machineImages/web-db-mi-2026-06"}]

    templates = {"global": [_template(PROD, "ml-serving-tpl-v2", "n2-standard-4", "global/images/golden-base-v3",
                                      now - 300 * day),
                            _template(PROD, "ml-serving-tpl-v1", "n2-standard-4", "global/images/ml-cuda-12-base",
                                      now - 400 * day)]}
    migs = {"zones/us-central1-c": [{
        "kind": "compute#instanceGroupManager", "id": _rid(rng), "name": "ml-serving-mig",
        "creationTimestamp": _ts(now - 300 * day), "zone": f"{API}/projects/{PROD}/zones/us-central1-c",
        "instanceTemplate": f"{API}/projects/{PROD}/global/instanceTemplates/ml-serving-tpl-v2",
        "versions": [{"instanceTemplate": f"{API}/projects/{PROD}/global/instanceTemplates/ml-serving-tpl-v2",
                      "targetSize": {"calculated": 2}}],
        "baseInstanceName": "ml-serving", "targetSize": 2, "status": {"isStable": True},
        "instanceGroup": f"{API}/projects/{PROD}/zones/us-central1-c/instanceGroups/ml-serving-mig",
        "selfLink": f"{API}/projects/{PROD}/zones/us-central1-c/instanceGroupManagers/ml-serving-mig"}]}

    addresses: dict[str, dict[str, list[dict[str, Any]]]] = {PROD: {}, STG: {}}
    for project, region, name, ip, user in (
        (PROD, "us-central1", "ml-serving-ip", "34.68.10.21", "ml-serving-1"),
        (PROD, "us-central1", "ml-legacy-ingress", "34.68.10.99", None),
        (PROD, "europe-west4", "ml-infer-ip", "34.90.4.17", "ml-infer-t4"),
        (STG, "asia-southeast1", "web-api-ip", "34.124.8.3", "web-api-1"),
        (STG, "europe-west4", "web-old-lb", "34.91.200.5", None),
        (STG, "europe-west4", "web-internal", "10.164.0.50", "web-frontend-1"),
    ):
        a: dict[str, Any] = {
            "kind": "compute#address", "id": _rid(rng), "name": name, "address": ip,
            "status": "IN_USE" if user else "RESERVED",
            "addressType": "INTERNAL" if ip.startswith("10.") else "EXTERNAL",
            "networkTier": "PREMIUM", "creationTimestamp": _ts(now - timedelta(days=200)),
            "region": f"{API}/projects/{project}/regions/{region}",
            "selfLink": f"{API}/projects/{project}/regions/{region}/addresses/{name}",
        }
        if user:
            zone = next(v[2] for v in _VMS if v[0] == user)
            a["users"] = [f"{API}/projects/{project}/zones/{zone}/instances/{user}"]
        addresses[project].setdefault(f"regions/{region}", []).append(a)

    # Global static addresses (global/addresses): one reserved for a load balancer that was deleted.
    # A fixed id, so the seeded ids of everything generated after it are unchanged.
    global_addresses: dict[str, list[dict[str, Any]]] = {PROD: [{
        "kind": "compute#address", "id": "5405405405405405405", "name": "ml-old-global-lb",
        "address": "34.117.52.140", "status": "RESERVED", "addressType": "EXTERNAL", "ipVersion": "IPV4",
        "networkTier": "PREMIUM", "description": "external HTTPS load balancer (decommissioned)",
        "creationTimestamp": _ts(now - timedelta(days=260)),
        "selfLink": f"{API}/projects/{PROD}/global/addresses/ml-old-global-lb",
    }], STG: []}

    commitment = {
        "kind": "compute#commitment", "id": _rid(rng), "name": "ml-n2-1y-2026", "status": "ACTIVE",
        "plan": "TWELVE_MONTH", "type": "GENERAL_PURPOSE_N2", "category": "MACHINE",
        "creationTimestamp": _ts(now - 120 * day), "startTimestamp": _ts(now - 120 * day),
        "endTimestamp": _ts(now + 245 * day), "autoRenew": False,
        "resources": [{"type": "VCPU", "amount": "24"}, {"type": "MEMORY", "amount": "98304"}],
        "region": f"{API}/projects/{PROD}/regions/us-central1",
        "selfLink": f"{API}/projects/{PROD}/regions/us-central1/commitments/ml-n2-1y-2026",
    }

    for project in (PROD, STG):
        by_zone = inst[project]
        scopes = zone_scopes
        if project == PROD:  # two pages, to show aggregatedList pagination in the snapshot
            half = len(scopes) // 2
            for i, part in enumerate((scopes[:half], scopes[half:])):
                body: dict[str, Any] = {"kind": "compute#instanceAggregatedList",
                                        "id": f"projects/{project}/aggregated/instances",
                                        "items": _scoped(by_zone, "instances", part),
                                        "selfLink": f"{API}/projects/{project}/aggregated/instances"}
                if i == 0:
                    body["nextPageToken"] = "CkQIgICAgICAgICAAR"
                pages.add("gcp", project, GLOBAL, "compute", "instances.aggregatedList", body,
                          {"project": project, "maxResults": 500})
        else:
            pages.add("gcp", project, GLOBAL, "compute", "instances.aggregatedList",
                      {"kind": "compute#instanceAggregatedList", "items": _scoped(by_zone, "instances", scopes),
                       "selfLink": f"{API}/projects/{project}/aggregated/instances"},
                      {"project": project, "maxResults": 500})
        used = sorted({v[3] for v in _VMS if v[1] == project})
        mt_items = {f"zones/{z}": [_machine_type(project, z, t) for t in used]
                    for z in zones if any(v[1] == project and v[2] == z for v in _VMS)}
        pages.add("gcp", project, GLOBAL, "compute", "machineTypes.aggregatedList",
                  {"kind": "compute#machineTypeAggregatedList", "items": _scoped(mt_items, "machineTypes", list(mt_items))},
                  {"project": project, "maxResults": 500, "filter": f'name eq "({"|".join(used)})"'})
        for op, key, items, scope in (
            ("disks.aggregatedList", "disks", disks[project], zone_scopes),
            ("addresses.aggregatedList", "addresses", addresses[project], region_scopes),
        ):
            pages.add("gcp", project, GLOBAL, "compute", op,
                      {"kind": f"compute#{key[:-1] if key != 'addresses' else 'address'}AggregatedList",
                       "items": _scoped(items, key, scope)}, {"project": project, "maxResults": 500})
        global_list: dict[str, Any] = {"kind": "compute#addressList", "id": f"projects/{project}/global/addresses",
                                       "selfLink": f"{API}/projects/{project}/global/addresses"}
        if global_addresses[project]:
            global_list["items"] = global_addresses[project]
        pages.add("gcp", project, GLOBAL, "compute", "globalAddresses.list", global_list,
                  {"project": project, "maxResults": 500})
        commits = {"regions/us-central1": [commitment]} if project == PROD else {}
        pages.add("gcp", project, GLOBAL, "compute", "regionCommitments.aggregatedList",
                  {"kind": "compute#commitmentAggregatedList", "items": _scoped(commits, "commitments", region_scopes)},
                  {"project": project, "maxResults": 500})
        pages.add("gcp", project, GLOBAL, "compute", "instanceTemplates.aggregatedList",
                  {"kind": "compute#instanceTemplateAggregatedList",
                   "items": _scoped(templates if project == PROD else {}, "instanceTemplates",
                                    ["global", *region_scopes])}, {"project": project, "maxResults": 500})
        pages.add("gcp", project, GLOBAL, "compute", "instanceGroupManagers.aggregatedList",
                  {"kind": "compute#instanceGroupManagerAggregatedList",
                   "items": _scoped(migs if project == PROD else {}, "instanceGroupManagers", zone_scopes)},
                  {"project": project, "maxResults": 500})
        pages.add("gcp", project, GLOBAL, "compute", "snapshots.list",
                  {"kind": "compute#snapshotList", "items": snaps[project]}, {"project": project, "maxResults": 500})
        pages.add("gcp", project, GLOBAL, "compute", "images.list",
                  {"kind": "compute#imageList", "items": images if project == PROD else []},
                  {"project": project, "maxResults": 500})
        pages.add("gcp", project, GLOBAL, "compute", "machineImages.list",
                  {"kind": "compute#machineImageList", "items": machine_images if project == STG else []},
                  {"project": project, "maxResults": 500})
    _add_metrics(pages, now, rng, ids)
    return pages


def _snapshot(project: str, name: str, zone: str, disk: str, size: int, created: datetime,
              rng: random.Random, scheduled: bool = False) -> dict[str, Any]:
    region = zone.rsplit("-", 1)[0]
    s: dict[str, Any] = {
        "kind": "compute#snapshot", "id": _rid(rng), "name": name, "status": "READY",
        "creationTimestamp": _ts(created), "diskSizeGb": str(size),
        "storageBytes": str(int(size * 1024**3 * (0.08 if scheduled else rng.uniform(0.3, 0.7)))),
        "storageBytesStatus": "UP_TO_DATE", "snapshotType": "STANDARD",
        "sourceDisk": f"{API}/projects/{project}/zones/{zone}/disks/{disk}", "sourceDiskId": _rid(rng),
        "storageLocations": ["us" if region.startswith("us") else region],
        "selfLink": f"{API}/projects/{project}/global/snapshots/{name}",
    }
    if scheduled:
        s["autoCreated"] = True
        s["sourceSnapshotSchedulePolicy"] = f"{API}/projects/{project}/regions/{region}/resourcePolicies/daily-7d"
        s["labels"] = {"goog-snapshot-schedule": "daily-7d"}
    return s


def _template(project: str, name: str, mtype: str, image: str, created: datetime) -> dict[str, Any]:
    return {"kind": "compute#instanceTemplate", "id": str(7_000_000_000_000_000_000 + sum(map(ord, name))),
            "name": name,
            "creationTimestamp": _ts(created),
            "properties": {"machineType": mtype, "labels": {"team": "ml"},
                           "disks": [{"kind": "compute#attachedDisk", "type": "PERSISTENT", "boot": True,
                                      "autoDelete": True, "mode": "READ_WRITE",
                                      "initializeParams": {"sourceImage": f"projects/{project}/{image}",
                                                           "diskSizeGb": "50", "diskType": "pd-balanced"}}],
                           "networkInterfaces": [{"network": f"{API}/projects/{project}/global/networks/default"}]},
            "selfLink": f"{API}/projects/{project}/global/instanceTemplates/{name}"}


def _machine_type(project: str, zone: str, name: str) -> dict[str, Any]:
    facts = MACHINE_TYPES[name]
    return {"kind": "compute#machineType", "id": str(900000 + sorted(MACHINE_TYPES).index(name)), "name": name,
            "description": f"{facts['guestCpus']} vCPUs, {facts['memoryMb'] / 1024:g} GB RAM",
            "guestCpus": facts["guestCpus"], "memoryMb": facts["memoryMb"], "isSharedCpu": facts["isSharedCpu"],
            "maximumPersistentDisks": 128, "maximumPersistentDisksSizeGb": "263168", "zone": zone,
            "architecture": "X86_64", "selfLink": f"{API}/projects/{project}/zones/{zone}/machineTypes/{name}",
            **({"accelerators": facts["accelerators"]} if "accelerators" in facts else {})}


def _add_metrics(pages: RawPages, now: datetime, rng: random.Random, ids: dict[str, str]) -> None:
    end = now.replace(minute=0, second=0, microsecond=0)
    hours = 14 * 24
    stamps = [_z(end - timedelta(hours=h)) for h in range(hours + 1)]  # newest first, as the API returns
    starts, stamps = stamps[1:], stamps[:-1]
    for project in (PROD, STG):
        series: dict[str, list[dict[str, Any]]] = {"cpu": [], "in": [], "out": [], "mem": []}
        for name, proj, zone, _t, status, cpu, _d, _days in _VMS:
            if proj != project or cpu is None or status != "RUNNING":
                continue
            mean, spread = cpu
            res = {"type": "gce_instance", "labels": {"project_id": project, "instance_id": ids[name], "zone": zone}}
            cpu_vals = [max(0.001, min(0.99, rng.gauss(mean, spread / 2) / 100)) for _ in stamps]
            net = 4e4 if mean < 5 else 5e8  # idle: ~2 MB a day, under the Trusted Advisor 5 MB
            series["cpu"].append({"metric": {"type": "compute.googleapis.com/instance/cpu/utilization",
                                             "labels": {"instance_name": name}},
                                  "resource": res, "metricKind": "GAUGE", "valueType": "DOUBLE",
                                  "points": [{"interval": {"startTime": t, "endTime": t},
                                              "value": {"doubleValue": round(v, 6)}} for t, v in zip(stamps, cpu_vals, strict=True)]})
            for key, mtype in (("in", "received_bytes_count"), ("out", "sent_bytes_count")):
                series[key].append({"metric": {"type": f"compute.googleapis.com/instance/network/{mtype}"},
                                    "resource": res, "metricKind": "DELTA", "valueType": "INT64",
                                    "points": [{"interval": {"startTime": s, "endTime": t},
                                                "value": {"int64Value": str(int(rng.uniform(0.5, 1.5) * net))}}
                                               for s, t in zip(starts, stamps, strict=True)]})
            if project == PROD:  # the Ops Agent runs only in prod
                mem_mean = 18.0 if name == "ml-etl-big" else 55.0
                series["mem"].append({"metric": {"type": "agent.googleapis.com/memory/percent_used",
                                                 "labels": {"state": "used"}},
                                      "resource": res, "metricKind": "GAUGE", "valueType": "DOUBLE",
                                      "points": [{"interval": {"startTime": t, "endTime": t},
                                                  "value": {"doubleValue": round(rng.gauss(mem_mean, 4), 3)}}
                                                 for t in stamps]})
        for key, mtype in (("cpu", "compute.googleapis.com/instance/cpu/utilization"),
                           ("in", "compute.googleapis.com/instance/network/received_bytes_count"),
                           ("out", "compute.googleapis.com/instance/network/sent_bytes_count"),
                           ("mem", "agent.googleapis.com/memory/percent_used")):
            body: dict[str, Any] = {"timeSeries": series[key]} if series[key] else {}
            if key == "cpu":
                body["unit"] = "10^2.%"
            pages.add("gcp", project, GLOBAL, "monitoring", "timeSeries.list", body,
                      {"name": f"projects/{project}", "metricType": mtype,
                       "interval.startTime": stamps[-1], "interval.endTime": stamps[0],
                       "aggregation.alignmentPeriod": "3600s"})
