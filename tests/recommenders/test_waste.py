"""Waste recommenders: what case files cannot express (collection issues, settings validation,
helpers, the grouping engine at the edges)."""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pyarrow as pa
import pytest

from finml import settings as settings_mod
from finml.errors import ConfigError
from finml.focus import SCHEMA, TableCostsView
from finml.model import CollectionIssue, Estate, Snapshot, StoredObject
from finml.pricing import default_catalog
from finml.recommender import RecommenderContext
from recommenders import registry
from recommenders._object_groups import GroupRules, group_objects, needing_checksum
from recommenders._waste import billed_costs, id_matches, norm_id, short_id
from recommenders.s3_duplicates import S3Duplicates
from recommenders.snapshot_cleanup import SnapshotCleanup

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
WASTE = ("snapshot-cleanup", "s3-duplicates", "stopped-instances", "unattached-volumes", "unused-addresses")


def _ctx() -> RecommenderContext:
    return RecommenderContext(prices=default_catalog(), now=NOW)


def _snap(sid: str, **kw: object) -> Snapshot:
    base: dict[str, object] = dict(provider="aws", account="1", region="us-east-1", id=sid, size_gib=10.0,
                                   source_volume_id="vol-gone", created_at=NOW - timedelta(days=200))
    base.update(kw)
    return Snapshot(**base)  # type: ignore[arg-type]


def test_orphans_are_not_concluded_when_volume_inventory_failed() -> None:
    estate = Estate(resources=[_snap("snap-1", created_at=NOW - timedelta(days=30))])
    estate.issues.append(CollectionIssue(
        provider="aws", account="1", region="us-east-1", service="ec2", operation="DescribeVolumes",
        cause="access-denied", message="not authorized", permission="ec2:DescribeVolumes",
    ))
    ctx = _ctx()
    assert list(SnapshotCleanup().run(estate, ctx)) == []
    assert "cannot tell whether source volume exists" in ctx.skipped[0].reason
    # An issue for another account does not block the verdict.
    estate.issues[0] = dataclasses.replace(estate.issues[0], account="2")
    assert [f.resource_id for f in SnapshotCleanup().run(estate, _ctx())] == ["snap-1"]


def test_old_snapshots_are_still_judged_by_age_when_inventory_failed() -> None:
    estate = Estate(resources=[_snap("snap-old", created_at=NOW - timedelta(days=400)),
                               _snap("snap-new", created_at=NOW - timedelta(days=10))])
    estate.issues.append(CollectionIssue(provider="aws", account=None, region=None, service="ec2",
                                         operation="DescribeVolumes", cause="throttled", message="slow down"))
    findings = list(SnapshotCleanup().run(estate, _ctx()))
    assert [f.resource_id for f in findings] == ["snap-old"]
    assert "older than 90 days" in findings[0].evidence["reason"]


def test_snapshot_finding_carries_the_keep_tag_for_central_exclusions() -> None:
    # A tag outside keep_tags is not a protection, and the finding carries the tags so that
    # [exclude] tags in finml.toml can still dismiss it centrally.
    estate = Estate(resources=[_snap("snap-t", tags={"team": "ml"})])
    (finding,) = SnapshotCleanup().run(estate, _ctx())
    assert finding.tags == {"team": "ml"}
    custom = settings_mod.build(SnapshotCleanup.Settings, {"keep_tags": ["team"]}, "recommenders.snapshot-cleanup")
    ctx = _ctx()
    assert list(SnapshotCleanup(custom).run(estate, ctx)) == []
    assert ctx.skipped[0].reason == "protected: retention tag team"


def test_billed_costs_match_arns_and_uris_and_drop_mixed_currencies() -> None:
    def row(rid: str, cost: str, cur: str, day: int) -> dict[str, object]:
        r: dict[str, object] = {c: None for c in SCHEMA.names}
        r.update(ResourceId=rid, EffectiveCost=Decimal(cost), BillingCurrency=cur,
                 ChargePeriodStart=NOW - timedelta(days=day), ChargePeriodEnd=NOW - timedelta(days=day - 1))
        return r

    table = pa.Table.from_pylist([
        row("arn:aws:ec2:us-east-1:1:snapshot/snap-a", "0.24", "USD", 2),
        row("arn:aws:ec2:us-east-1:1:snapshot/snap-a", "0.24", "USD", 1),
        row("/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/SNAPSHOTS/AZ", "1", "EUR", 1),
        row("snap-mixed", "1", "USD", 2),
        row("snap-mixed", "1", "EUR", 1),
        row("snap-a", "5", "USD", 40),  # outside the 30-day window
    ], schema=SCHEMA)
    ids = ["snap-a", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/az", "snap-mixed"]
    got = billed_costs(TableCostsView(table), ids, NOW)
    assert set(got) == set(ids[:2])
    assert got["snap-a"].rows == 2 and got["snap-a"].total.amount == Decimal("0.48")
    assert got["snap-a"].monthly.amount == Decimal("0.48") / Decimal(48) * Decimal(730)
    assert got[ids[1]].monthly.currency == "EUR"


def test_id_helpers() -> None:
    link = "https://www.googleapis.com/compute/v1/projects/p/zones/z/disks/d1"
    assert norm_id(link) == "projects/p/zones/z/disks/d1"
    assert short_id("arn:aws:ec2:us-east-1:1:snapshot/snap-1") == "snap-1"
    assert id_matches(link, "projects/p/zones/z/disks/d1")
    assert id_matches("arn:aws:ec2:us-east-1:1:volume/vol-1", "vol-1")
    assert not id_matches("vol-1", "vol-10")


def test_keep_policy_is_validated_like_finml_toml() -> None:
    with pytest.raises(ConfigError) as exc:
        settings_mod.build(S3Duplicates.Settings, {"keep_policy": "newest"}, "recommenders.s3-duplicates")
    assert exc.value.key == "recommenders.s3-duplicates.keep_policy"


def _obj(bucket: str, key: str, etag: str, **kw: object) -> StoredObject:
    base: dict[str, object] = dict(size=50 << 20, storage_class="STANDARD", last_modified=NOW - timedelta(days=60))
    base.update(kw)
    return StoredObject("aws", "1", bucket, key, etag=etag, **base)  # type: ignore[arg-type]


def test_likely_groups_never_join_objects_proven_different() -> None:
    objs = [
        _obj("a", "x/data.bin", '"aa11aa11aa11aa11aa11aa11aa11aa11-7"', checksum_algorithm="CRC64NVME", checksum="AAA="),
        _obj("b", "y/data.bin", '"bb22bb22bb22bb22bb22bb22bb22bb22-4"', checksum_algorithm="CRC64NVME", checksum="BBB="),
        _obj("c", "z/data.bin", '"cc33cc33cc33cc33cc33cc33cc33cc33-4"', checksum_algorithm="CRC64NVME"),
    ]
    proven, likely = group_objects(objs, GroupRules())
    assert proven == []
    # c may equal a or b, but a and b differ: c joins the first (a) only.
    assert [g.members for g in likely] == [[0, 2]]
    assert needing_checksum(objs, likely) == [2]
    objs[2] = dataclasses.replace(objs[2], checksum="BBB=")
    proven, likely = group_objects(objs, GroupRules())
    assert [(g.members, g.proof) for g in proven] == [([1, 2], "CRC64NVME:BBB=")]
    assert likely == []


def test_noncurrent_versions_are_ignored() -> None:
    objs = [
        _obj("v", "k.bin", '"0123456789abcdef0123456789abcdef"', version_id="2"),
        _obj("v", "k.bin", '"fedcba9876543210fedcba9876543210"', version_id="1", last_modified=NOW - timedelta(days=90)),
        _obj("w", "other.bin", '"fedcba9876543210fedcba9876543210"'),
    ]
    proven, likely = group_objects(objs, GroupRules())
    assert proven == [] and likely == []


@pytest.mark.parametrize("name", WASTE)
def test_waste_recommenders_document_rules_and_settings(name: str) -> None:
    cls = registry.get(name)
    doc = sys.modules[cls.__module__].__doc__ or ""
    assert cls.name == name and cls.summary
    for word in ("Detects", "Why it costs", "Action", "Risk"):
        assert word in doc, f"{name} module docstring lacks {word!r}"
    assert "finml-default" in cls.RULE_SETS
    for f in settings_mod.describe(cls.Settings):
        assert f["doc"] and f["source"], f"{name}.{f['name']} lacks doc or source"


def test_waste_findings_serialise_to_audit_json() -> None:
    import json

    from finml.output import finding_json
    from tests.recommenders.casefile import as_utc, build_costs, build_estate, load_cases

    seen = 0
    for case in load_cases():
        if case.recommender not in WASTE:
            continue
        cls = registry.get(case.recommender)
        settings = settings_mod.build(cls.Settings, case.spec.get("settings"), "x", base=cls.base_settings("finml-default"))
        ctx = RecommenderContext(prices=default_catalog(), now=as_utc(case.spec["now"]),
                                 costs=build_costs(case.spec.get("costs")))
        for f in cls(settings).run(build_estate(case.spec), ctx):
            json.dumps(finding_json(f))
            seen += 1
    assert seen >= 15


def test_likely_finding_reviews_only_the_copies_proven_findings_keep() -> None:
    size = 10 << 30
    objs = [
        _obj("a", "x/model.bin", '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"', size=size, last_modified=NOW - timedelta(days=50)),
        _obj("b", "y/model.bin", '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"', size=size, last_modified=NOW - timedelta(days=40)),
        _obj("c", "z/model.bin", '"0123456789abcdef0123456789abcdef-9"', size=size, last_modified=NOW - timedelta(days=90)),
    ]
    findings = {f.action: f for f in S3Duplicates().run(Estate(objects=objs), _ctx())}
    proven, likely = findings["delete-duplicates"], findings["review-likely-duplicate"]
    assert proven.details["keep"] == "s3://a/x/model.bin"
    assert [r["uri"] for r in proven.details["remove"]] == ["s3://b/y/model.bin"]
    # c is oldest and kept; the review covers a (the proven group's keeper), never b again.
    assert likely.details["keep"] == "s3://c/z/model.bin"
    assert [r["uri"] for r in likely.details["remove"]] == ["s3://a/x/model.bin"]
    assert likely.monthly_saving.amount == 0
    assert likely.evidence["potential_monthly_saving"] == "0.230"
