"""Azure Compute Gallery image versions: collected through the real azure-mgmt-compute client over
the fake ARM transport, normalised into images that pin their source snapshots."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from click.testing import CliRunner

from finml.audit import DEMO_NOW, Source, analyse
from finml.cli import cli
from finml.config import Config
from finml.model import Image, Kind, Snapshot
from finml.raw import RawPages
from providers.azure import AzureProvider
from providers.azure.demo import PROD
from tests.providers.azure.arm_estate import DEFINITION, GALLERY, SUBS, serve_subscription_a
from tests.providers.azure.fake_arm import SUB_A, FakeArm, arm_id, forbidden
from tests.providers.azure.test_azure_collect import by_name, collect

GALLERY_OPS = ("galleries.list", "gallery_images.list_by_gallery", "gallery_image_versions.list_by_gallery_image")
VERSIONS_PATH = f"{SUBS}/resourceGroups/rg-img/providers/Microsoft.Compute/galleries/imgGallery/images/web-base/versions"


def test_galleries_definitions_and_versions_are_paged_and_stored_as_rest_json(arm: FakeArm) -> None:
    serve_subscription_a(arm)
    pages, provider = collect(arm)
    assert pages.issues == []
    galleries = pages.select("azure", "compute", "galleries.list")
    assert len(galleries) == 2 and galleries[0].response["nextLink"].endswith("$skiptoken=g2")  # nextLink followed
    assert [g["name"] for p in galleries for g in p.response["value"]] == ["imgGallery", "emptyGallery"]
    definitions = pages.select("azure", "compute", "gallery_images.list_by_gallery")
    assert sorted(p.params["gallery_id"].rsplit("/", 1)[1] for p in definitions) == ["emptyGallery", "imgGallery"]
    versions = pages.select("azure", "compute", "gallery_image_versions.list_by_gallery_image")
    assert len(versions) == 2 and {p.params["gallery_image_id"] for p in versions} == {DEFINITION}
    assert {p.region for p in versions} == {"eastus"}
    first = versions[0].response["value"][0]  # as ARM sent it
    assert first["properties"]["storageProfile"]["osDiskImage"]["source"]["id"].endswith("/snapshots/web-base-os")
    paths = arm.paths()
    assert paths.count(f"{SUBS}/providers/Microsoft.Compute/galleries") == 2
    assert paths.count(VERSIONS_PATH) == 2
    assert {m for m, _ in arm.requests} == {"GET"} and provider.guard.refused == []


def test_image_versions_pin_their_source_snapshots(arm: FakeArm) -> None:
    serve_subscription_a(arm)
    pages, _ = collect(arm)
    estate = AzureProvider.normalise(pages)
    images = {r.id: r for r in estate.of_kind(Kind.IMAGE)}
    v100 = images[f"{DEFINITION}/versions/1.0.0"]
    assert isinstance(v100, Image) and v100.name == "imgGallery/web-base/1.0.0"
    assert v100.account == SUB_A and v100.region == "eastus" and v100.state == "succeeded"
    assert v100.created_at == datetime(2026, 4, 1, 10, 0, 0, 123456, tzinfo=timezone.utc)
    # the snapshot only, not the managed data disk; the id as ARM wrote it (RG-IMG)
    assert v100.snapshot_ids == (arm_id(SUB_A, "RG-IMG", "Microsoft.Compute", "snapshots", "web-base-os"),)
    v110 = images[f"{DEFINITION}/versions/1.1.0"]
    assert isinstance(v110, Image) and v110.snapshot_ids == ()  # published from a managed image
    snap = by_name(estate, Kind.SNAPSHOT)["web-base-os"]
    assert isinstance(snap, Snapshot) and snap.used_by == (v100.id,)  # matched case-insensitively


def test_galleries_denied_is_an_issue_and_vms_and_disks_still_collect(arm: FakeArm) -> None:
    arm.route(rf"{SUBS}/providers/Microsoft.Compute/galleries", forbidden("Microsoft.Compute/galleries/read", SUB_A))
    serve_subscription_a(arm)
    pages, _ = collect(arm)
    [issue] = pages.issues
    assert (issue.cause, issue.operation, issue.account) == ("access-denied", "galleries.list", SUB_A)
    assert issue.permission == "Microsoft.Compute/galleries/read" and "Reader" in (issue.hint or "")
    assert not any("/galleries/" in p for p in arm.paths())  # nothing to walk into
    estate = AzureProvider.normalise(pages)
    assert len(estate.of_kind(Kind.INSTANCE)) == 3 and len(estate.of_kind(Kind.VOLUME)) == 3
    assert [r.name for r in estate.of_kind(Kind.IMAGE)] == ["golden"]  # the managed image still collected


def test_versions_denied_names_the_versions_permission(arm: FakeArm) -> None:
    arm.route(VERSIONS_PATH, forbidden("Microsoft.Compute/galleries/images/versions/read", SUB_A))
    serve_subscription_a(arm)
    pages, _ = collect(arm)
    [issue] = pages.issues
    assert issue.operation == "gallery_image_versions.list_by_gallery_image" and issue.region == "eastus"
    assert issue.permission == "Microsoft.Compute/galleries/images/versions/read"
    assert pages.select("azure", "compute", "gallery_images.list_by_gallery")


def test_galleries_are_read_in_every_region(arm: FakeArm) -> None:
    serve_subscription_a(arm)
    pages, _ = collect(arm, regions=["westeurope"])
    versions = pages.select("azure", "compute", "gallery_image_versions.list_by_gallery_image")
    assert {v["name"] for p in versions for v in p.response["value"]} == {"1.0.0", "1.1.0"}  # eastus gallery
    assert "regions" not in pages.select("azure", "compute", "galleries.list")[0].params


def test_newer_storage_profile_source_and_duplicates() -> None:
    snap = arm_id(SUB_A, "rg", "Microsoft.Compute", "snapshots", "s1")
    ver = {"name": "2.0.0", "id": f"{GALLERY}/images/x/versions/2.0.0", "location": "East US",
           "properties": {"storageProfile": {"source": {"id": snap},
                                             "osDiskImage": {"source": {"id": snap.upper()}},
                                             "dataDiskImages": [{"lun": 1, "source": {"uri": "https://a/b.vhd"}}]}}}
    pages = RawPages()
    pages.add("azure", SUB_A, "eastus", "compute", "gallery_image_versions.list_by_gallery_image",
              {"value": [ver]}, {"gallery_image_id": f"{GALLERY}/images/x"})
    (img,) = AzureProvider.normalise(pages).of_kind(Kind.IMAGE)
    assert isinstance(img, Image) and img.snapshot_ids == (snap,) and img.region == "eastus"
    assert img.name == "imgGallery/x/2.0.0" and img.created_at is None


def _snapshot_cleanup(pages: RawPages) -> tuple[set[str], dict[str, str]]:
    result = analyse(pages, Config(), now=DEMO_NOW, source=Source("demo"), recommender_names=["snapshot-cleanup"])
    return ({f.resource_name or "" for f in result.findings},
            {s.resource_id.rsplit("/", 1)[1]: s.reason for s in result.skipped})


def test_demo_gallery_version_protects_its_snapshot() -> None:
    result = CliRunner().invoke(cli, ["audit", "--demo", "-p", "azure", "--format", "json"])
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    proposed = {f["resource_name"] for f in out["findings"] if f["recommender"] == "snapshot-cleanup"}
    assert "app-base-os-2025" not in proposed and "sql-00-data-final" in proposed
    [skip] = [s for s in out["skipped"] if s["resource_id"].endswith("/snapshots/app-base-os-2025")]
    assert skip["recommender"] == "snapshot-cleanup" and skip["reason"].startswith("protected: in use by ")
    assert "/galleries/contosoImages/images/app-base-ubuntu/versions/1.3.0" in skip["reason"]

    # control: without the gallery pages the same snapshot (orphaned, 240 days old) is proposed
    pages = AzureProvider.demo_pages(DEMO_NOW)
    without = RawPages()
    for p in pages:
        if p.operation not in GALLERY_OPS:
            without.add(p.provider, p.account, p.region, p.service, p.operation, p.response, p.params)
    found, _ = _snapshot_cleanup(without)
    assert "app-base-os-2025" in found
    found, skipped = _snapshot_cleanup(pages)
    assert "app-base-os-2025" not in found and "app-base-os-2025" in skipped
    images = {r.name for r in AzureProvider.normalise(pages).of_kind(Kind.IMAGE) if r.account == PROD}
    assert images == {"contosoImages/app-base-ubuntu/1.3.0"}
