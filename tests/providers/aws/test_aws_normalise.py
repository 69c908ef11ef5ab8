"""The pure normaliser over the demo estate (real boto3 shapes) and the demo audit via the CLI."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner

from finml.audit import DEMO_NOW
from finml.cli import cli
from finml.model import (
    Commitment,
    Estate,
    Image,
    Instance,
    InstanceState,
    Kind,
    LaunchTemplate,
    Snapshot,
    Volume,
)
from finml.money import Money
from providers.aws import AwsProvider


@pytest.fixture(scope="module")
def estate() -> Estate:
    return AwsProvider.normalise(AwsProvider.demo_pages(DEMO_NOW))


def _of(estate: Estate, kind: Kind) -> list[Any]:
    return estate.of_kind(kind)


def test_demo_is_large_and_spread(estate: Estate) -> None:
    accounts = {r.account for r in estate.resources}
    regions = {r.region for r in estate.resources if r.kind == Kind.INSTANCE}
    assert len(accounts) == 3 and len(regions) >= 3
    assert len(estate.resources) > 500


def test_instances_states_types_and_volumes(estate: Estate) -> None:
    instances: list[Instance] = _of(estate, Kind.INSTANCE)
    volumes = {v.id for v in _of(estate, Kind.VOLUME)}
    stopped = [i for i in instances if i.state == InstanceState.STOPPED]
    assert stopped and all(not i.billed_while_stopped and i.volume_ids and i.state_since for i in stopped)
    assert all(set(i.volume_ids) <= volumes for i in instances)
    old = {i.instance_type for i in instances if i.type_info and not i.type_info.current_generation}
    assert {"m4.large", "c4.large"} <= old
    g5 = estate.instance_types[("aws", "g5.xlarge")]
    assert (g5.gpus, g5.gpu_model, g5.gpu_memory_gib) == (1, "NVIDIA A10G", 24.0)
    assert estate.instance_types[("aws", "p4d.24xlarge")].gpus == 8
    assert estate.instance_types[("aws", "m6g.large")].architecture == "arm64"
    assert estate.instance_types[("aws", "t3.medium")].burstable
    assert Counter(i.lifecycle for i in instances)["spot"] > 0
    assert Counter(i.platform for i in instances)["windows"] > 0


def test_metrics_hourly_with_idle_oversized_and_busy_gpus(estate: Estate) -> None:
    running = [i for i in _of(estate, Kind.INSTANCE) if i.state == InstanceState.RUNNING]
    p99s = []
    for inst in running:
        m = estate.metrics_for(inst.id)
        cpu = m["cpu.utilization"]
        assert len(cpu) == 14 * 24 and cpu.period_s == 3600
        assert {"network.in.bytes", "network.out.bytes"} <= set(m)
        values = sorted(cpu.values)
        p99s.append(values[int(len(values) * 0.99)])
    assert sum(p < 3.01 for p in p99s) >= 10  # idle
    assert sum(13 <= p <= 15.5 for p in p99s) >= 10  # oversized
    assert any("memory.utilization" in estate.metrics_for(i.id) for i in running)
    gpu_hosts = [i for i in running if i.type_info and i.type_info.gpus]
    busy = [i for i in gpu_hosts if min(estate.metrics_for(i.id)["gpu.utilization"].values) >= 85]
    assert busy and any(i.instance_type == "p4d.24xlarge" for i in busy)


def test_snapshots_orphans_backups_amis_and_templates(estate: Estate) -> None:
    snaps: list[Snapshot] = _of(estate, Kind.SNAPSHOT)
    volumes = {v.id for v in _of(estate, Kind.VOLUME)}
    images: list[Image] = _of(estate, Kind.IMAGE)
    templates: list[LaunchTemplate] = _of(estate, Kind.LAUNCH_TEMPLATE)
    ami_snaps = {s for i in images for s in i.snapshot_ids}
    assert ami_snaps and all(any(u.startswith("ami-") for u in s.used_by) for s in snaps if s.id in ami_snaps)
    assert all(s.source_volume_id is None for s in snaps if s.id in ami_snaps)  # vol-ffffffff
    orphans = [s for s in snaps if s.source_volume_id and s.source_volume_id not in volumes]
    assert len(orphans) >= 30
    pinned = {s for t in templates for s in t.snapshot_ids}
    assert pinned and pinned <= {s.id for s in orphans}
    assert all(any(u.startswith("lt-") for u in s.used_by) for s in snaps if s.id in pinned)
    backups = [s for s in snaps if s.backup_managed]
    assert len(backups) == 20 and all("aws:backup:source-resource" in s.tags for s in backups)
    per_volume = Counter(s.source_volume_id for s in snaps if s.source_volume_id)
    assert per_volume.most_common(1)[0][1] >= 29
    assert {t.in_use for t in templates} == {True, False}


def test_unattached_volumes_and_addresses(estate: Estate) -> None:
    free: list[Volume] = [v for v in _of(estate, Kind.VOLUME) if not v.attached_to]
    assert len(free) == 40 and all(v.state == "available" and v.created_at for v in free)
    addresses = _of(estate, Kind.ADDRESS)
    assert sum(a.associated_with is None for a in addresses) == 20


def test_commitments_exact_money(estate: Estate) -> None:
    ris: list[Commitment] = [c for c in _of(estate, Kind.RESERVATION)]
    partial = next(c for c in ris if c.offering == "Partial Upfront")
    assert partial.upfront == Money(Decimal("508.0"), "USD")
    assert partial.recurring_hourly == Money(Decimal("0.058"), "USD")
    assert (partial.instance_type, partial.instance_count, partial.term_months) == ("m5.xlarge", 2, 12)
    assert {c.state for c in ris} == {"active", "retired"}
    sps: list[Commitment] = _of(estate, Kind.SAVINGS_PLAN)
    prod = next(c for c in sps if c.account == "111111111111")
    assert prod.hourly_commitment == Money(Decimal("1.5"), "USD")
    assert (prod.offering, prod.term_months, prod.scope) == ("No Upfront", 12, "Compute")


def test_buckets_and_objects(estate: Estate) -> None:
    buckets = {b.id: b for b in _of(estate, Kind.BUCKET)}
    assert buckets["ml-research-datasets-2222"].objects_listed == 1228  # type: ignore[attr-defined]
    assert buckets["prod-logs-1111"].object_lock and buckets["prod-logs-1111"].region == "us-west-2"  # type: ignore[attr-defined]
    assert buckets["prod-datasets-1111"].region == "us-east-1"
    objs = [o for o in estate.objects if o.bucket == "prod-datasets-1111"]
    etags = Counter(o.etag for o in objs)
    assert sum(n > 1 for n in etags.values()) == 26  # 25 single-part copies + 1 multipart pair
    multipart = {o.key: o.etag for o in objs if "-" in o.etag}
    assert multipart["exports/model-v3.pt"].endswith("-384") and multipart["checkpoints/model-v3.pt"].endswith("-48")
    kms = [o for o in estate.objects if o.sse_kms]
    assert kms and all(o.bucket.startswith(("prod-secure", "ml-research-secure", "staging-secure")) for o in kms)
    assert {o.checksum_algorithm for o in objs} >= {"CRC32", "SHA256", None}
    assert all(o.object_lock for o in estate.objects if o.bucket == "prod-logs-1111")


def test_demo_secrets_are_scrubbed() -> None:
    pages = AwsProvider.demo_pages(DEMO_NOW)
    text = json.dumps([p.response for p in pages])
    assert "hunter2" not in text and "IyEvYmluL2Jhc2g" not in text and '"UserData": "***"' in text


def test_normalise_is_pure_and_deterministic() -> None:
    a = AwsProvider.normalise(AwsProvider.demo_pages(DEMO_NOW))
    b = AwsProvider.normalise(AwsProvider.demo_pages(DEMO_NOW))
    assert a.resources == b.resources and a.metrics == b.metrics and a.objects == b.objects


def test_demo_audit_cli_deterministic() -> None:
    runs = []
    for _ in range(2):
        result = CliRunner().invoke(cli, ["audit", "--demo", "-p", "aws", "--format", "json"])
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        runs.append((out["findings"], out["totals"]))
    assert runs[0] == runs[1]
    findings, totals = runs[0]
    assert {f["recommender"] for f in findings} >= {"unattached-volumes", "unused-addresses"}
    assert all(Decimal(f["monthly_saving"]["amount"]) >= 0 for f in findings)
    waste = [f for f in findings if f["recommender"] in ("unattached-volumes", "unused-addresses")]
    assert waste and all(Decimal(f["monthly_saving"]["amount"]) > 0 for f in waste)
    assert Decimal(totals["all"][0]["amount"]) > 100
