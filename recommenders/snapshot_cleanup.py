"""Snapshot cleanup: disk snapshots nobody needs any more.

Detects: snapshots whose source volume/disk no longer exists in the estate (orphans), and
snapshots older than ``max_age_days`` beyond the newest ``keep_newest`` per source volume.
Never proposes a snapshot that backs an image (AMI, GCP image or machine image, Azure image,
Alibaba custom image), is pinned by a launch template/configuration (directly or through an image
the template pins), is managed by a backup service (AWS Backup, Azure Backup), is reported in use
by the provider itself (Alibaba ``Usage``), carries a retention tag or an unexpired retention
date, or is younger than ``grace_days``.
Why it costs: snapshot storage is billed per GB-month for as long as the snapshot exists, long
after the disk it came from is gone.
Action: delete the snapshot (or move it to an archive tier if it must be kept).
Risk: a deleted snapshot cannot be restored; an orphan's newest snapshot may be the last copy of
that disk's data. Incremental snapshots share blocks: deleting one frees only the blocks no other
snapshot references, so list-price savings are an upper bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from finml.model import Confidence, Estate, Finding, Image, Kind, LaunchTemplate, Snapshot, Volume
from finml.recommender import Recommender, RecommenderContext
from finml.settings import setting
from recommenders._common import age_days, make_finding
from recommenders._waste import BilledCost, billed_costs, inventory_gap, short_id

GIB = Decimal(2**30)
_AWS_COPY_PLACEHOLDER = "vol-ffffffff"
"""EC2 reports this VolumeId for snapshots made by CopySnapshot: the source is unknown, not gone."""


@dataclass(frozen=True)
class SnapshotCleanupSettings:
    max_age_days: int = setting(
        90, "Snapshots older than this, beyond the newest keep_newest of their volume, are candidates.",
        "finml default; common 90-day backup retention (AWS Data Lifecycle Manager examples use 90 days)",
    )
    keep_newest: int = setting(
        1, "Always keep this many newest snapshots of each existing volume.", "finml default",
    )
    orphan_keep_newest: int = setting(
        0, "Keep this many newest snapshots of a volume that no longer exists (0 = all are candidates).",
        "finml default",
    )
    grace_days: int = setting(
        7, "Never propose snapshots younger than this (still being copied, shared or verified).",
        "finml default",
    )
    keep_tags: list[str] = setting(
        ["finml:keep", "retention", "Retention", "DoNotDelete", "do-not-delete"],
        "A snapshot with any of these tag keys is never proposed (also see [exclude] tags).",
        "finml default",
    )
    backup_tag_keys: list[str] = setting(
        ["aws:backup:source-resource"],
        "Tag keys that mark a snapshot as created and retained by a backup service (add your own "
        "backup tool's keys); Azure Backup is recognised by Snapshot.backup_managed and backup_id_markers.",
        "AWS Backup tags EBS recovery points with aws:backup:source-resource",
    )
    backup_id_markers: list[str] = setting(
        ["/resourcegroups/azurebackuprg"],
        "Case-insensitive id fragments of snapshots owned by a backup service.",
        "Azure Backup keeps instant-restore points in AzureBackupRG_<geo>_<n> resource groups",
    )
    bill_window_days: int = setting(
        30, "Days of billed cost (FOCUS EffectiveCost by ResourceId) used for the saving.",
        "finml default",
    )


@dataclass(frozen=True)
class _Protection:
    reason: str


class SnapshotCleanup(Recommender):
    name = "snapshot-cleanup"
    summary = "Orphaned and aged-out disk snapshots that nothing references, billed per GB-month."
    kinds = (Kind.SNAPSHOT.value, Kind.VOLUME.value, Kind.IMAGE.value, Kind.LAUNCH_TEMPLATE.value)
    needs: ClassVar[tuple[str, ...]] = ()  # costs optional: billed cost when ctx.costs has rows
    Settings = SnapshotCleanupSettings
    RULE_SETS = {"finml-default": SnapshotCleanupSettings()}

    def run(self, estate: Estate, ctx: RecommenderContext) -> Iterable[Finding]:
        s: SnapshotCleanupSettings = self.settings
        snapshots = [r for r in estate.of_kind(Kind.SNAPSHOT) if isinstance(r, Snapshot)]
        if not snapshots:
            return
        volumes = {(v.provider, short_id(v.id)) for v in estate.of_kind(Kind.VOLUME) if isinstance(v, Volume)}
        pinned = _pinned_snapshots(estate)
        candidates: list[tuple[Snapshot, str, dict[str, object]]] = []
        for provider, account, source, members in _by_source(snapshots):
            members.sort(key=lambda r: r.created_at.timestamp() if r.created_at else float("-inf"), reverse=True)
            exists = source is not None and (provider, source) in volumes
            gap = None if exists or source is None else inventory_gap(estate, provider, account)
            for rank, snap in enumerate(members):
                if snap.created_at is None:
                    ctx.skip(self.name, snap.provider, snap.id, "no creation time reported")
                    continue
                age = age_days(snap.created_at, ctx.now) or 0.0
                why = self._why(snap, rank, age, exists, source, gap, s, ctx)
                if why is None:
                    continue
                protection = self._protected(snap, pinned, age, s, ctx)
                if protection is not None:
                    ctx.skip(self.name, snap.provider, snap.id, f"protected: {protection.reason}")
                    continue
                candidates.append((snap, why, {"age_days": round(age, 1), "rank_in_volume": rank + 1}))
        billed = billed_costs(ctx.costs, [c[0].id for c in candidates], ctx.now, s.bill_window_days)
        for snap, why, extra in candidates:
            finding = self._finding(snap, why, extra, billed.get(snap.id), s, ctx)
            if finding is not None:
                yield finding

    def _why(
        self, snap: Snapshot, rank: int, age: float, exists: bool, source: str | None,
        gap: str | None, s: SnapshotCleanupSettings, ctx: RecommenderContext,
    ) -> str | None:
        """Why ``snap`` is a candidate, or None."""
        if source is not None and not exists:
            if gap is not None:
                if age >= s.max_age_days and rank >= s.keep_newest:
                    return f"older than {s.max_age_days} days beyond the newest {s.keep_newest} of its volume"
                ctx.skip(self.name, snap.provider, snap.id, f"cannot tell whether source volume exists: {gap}")
                return None
            if rank >= s.orphan_keep_newest:
                return f"source volume {snap.source_volume_id} no longer exists"
            return None
        if age >= s.max_age_days and rank >= s.keep_newest:
            return f"older than {s.max_age_days} days beyond the newest {s.keep_newest} of its volume"
        return None

    def _protected(
        self, snap: Snapshot, pinned: Mapping[str, str], age: float, s: SnapshotCleanupSettings,
        ctx: RecommenderContext,
    ) -> _Protection | None:
        keep = [t for t in s.keep_tags if t in snap.tags]
        if keep:
            return _Protection(f"retention tag {keep[0]}")
        if snap.retention_until is not None and snap.retention_until > ctx.now:
            return _Protection(f"retained until {snap.retention_until.isoformat()}")
        if snap.backup_managed:
            return _Protection("managed by a backup service")
        backup_tag = [t for t in s.backup_tag_keys if t in snap.tags]
        if backup_tag:
            return _Protection(f"managed by a backup service (tag {backup_tag[0]})")
        low = snap.id.lower()
        if any(m.lower() in low for m in s.backup_id_markers):
            return _Protection("managed by a backup service (backup resource group)")
        if snap.used_by:
            return _Protection(f"in use by {', '.join(snap.used_by)} (reported by {snap.provider})")
        hit = pinned.get(_key(snap.provider, snap.id))
        if hit is not None:
            return _Protection(hit)
        if age < s.grace_days:
            return _Protection(f"younger than the {s.grace_days}-day grace period")
        return None

    def _finding(
        self, snap: Snapshot, why: str, extra: dict[str, object], billed: BilledCost | None,
        s: SnapshotCleanupSettings, ctx: RecommenderContext,
    ) -> Finding | None:
        checked = [
            "image/AMI/machine-image references", "launch templates/configurations",
            "backup service (flag, tags, resource group)", "provider-reported usage",
            f"retention tags {', '.join(s.keep_tags)}", "retention date", f"{s.grace_days}-day grace",
        ]
        evidence: dict[str, object] = {
            "reason": why,
            "source_volume_id": snap.source_volume_id,
            "created_at": snap.created_at.isoformat() if snap.created_at else None,
            **extra,
            "size_gib": snap.size_gib,
            "storage_bytes": snap.storage_bytes,
            "incremental": snap.incremental,
            "protections_checked": checked,
        }
        quote = None
        confidence = Confidence.HIGH
        if billed is not None:
            saving = billed.monthly
            evidence.update(billed.evidence())
            evidence.update(saving_basis="billed-cost", saving_is_upper_bound=False)
        else:
            tier = "snapshot-archive" if _archived(snap) else "snapshot"
            quote = ctx.prices.storage_gb_month(snap.provider, snap.region, tier)
            if quote is None:
                ctx.skip(self.name, snap.provider, snap.id, f"no {tier} storage price for {snap.provider} {snap.region}")
                return None
            if snap.storage_bytes is not None:
                gib = Decimal(snap.storage_bytes) / GIB
                basis = "stored-bytes"
            else:
                gib = Decimal(str(snap.size_gib))
                basis = "provisioned-size"
            saving = quote.price * gib
            upper = snap.incremental or snap.storage_bytes is None
            if upper:
                confidence = Confidence.MEDIUM
            evidence.update(
                saving_basis=basis, saving_is_upper_bound=upper, billed_gib=str(gib.quantize(Decimal("0.001"))),
                formula="GiB x snapshot GB-month price" + (
                    " (upper bound: incremental snapshots free only blocks no other snapshot references)"
                    if upper else ""),
            )
        return make_finding(
            self.name, snap, ctx,
            title=f"Delete snapshot {snap.name or snap.id} ({why})",
            action="delete",
            saving=saving,
            quote=quote,
            confidence=confidence,
            evidence=evidence,
            details={
                "suggestion": "delete it; if it must be kept, move it to an archive tier instead",
                "note": "deleting an incremental snapshot moves blocks later snapshots need to them",
            },
        )


def _archived(snap: Snapshot) -> bool:
    """EC2 ``StorageTier: archive`` or GCP ``snapshotType: ARCHIVE`` in the raw payload."""
    raw = snap.raw
    return str(raw.get("StorageTier", "")).lower() == "archive" or str(raw.get("snapshotType", "")).upper() == "ARCHIVE"


def _key(provider: str, rid: str) -> str:
    """Match on the id's last segment: over-matching only protects more snapshots."""
    return f"{provider}\x1f{short_id(rid)}"


def _by_source(snapshots: list[Snapshot]) -> list[tuple[str, str, str | None, list[Snapshot]]]:
    """Snapshots grouped by (provider, account, source volume short id).

    Snapshots with no recorded source (or the EC2 copy placeholder) form groups of one: they are
    judged on age only, never as orphans.
    """
    groups: dict[tuple[str, str, str], list[Snapshot]] = {}
    out: list[tuple[str, str, str | None, list[Snapshot]]] = []
    for snap in snapshots:
        src = snap.source_volume_id
        if not src or src == _AWS_COPY_PLACEHOLDER:
            out.append((snap.provider, snap.account, None, [snap]))
            continue
        groups.setdefault((snap.provider, snap.account, short_id(src)), []).append(snap)
    out.extend((p, a, src, members) for (p, a, src), members in groups.items())
    return out


def _pinned_snapshots(estate: Estate) -> dict[str, str]:
    """Snapshot key -> why it must stay (image or launch template reference)."""
    images = [r for r in estate.of_kind(Kind.IMAGE) if isinstance(r, Image)]
    templates = [r for r in estate.of_kind(Kind.LAUNCH_TEMPLATE) if isinstance(r, LaunchTemplate)]
    template_images: dict[str, str] = {}
    out: dict[str, str] = {}
    for t in templates:
        label = f"launch template {t.name or t.id}" + ("" if t.in_use else " (not in use)")
        for image_id in t.image_ids:
            template_images.setdefault(_key(t.provider, image_id), label)
        for sid in t.snapshot_ids:
            out.setdefault(_key(t.provider, sid), f"pinned by {label}")
    for img in images:
        via = template_images.get(_key(img.provider, img.id))
        label = f"image {img.name or img.id}" + (f", pinned by {via}" if via else "")
        for sid in img.snapshot_ids:
            out.setdefault(_key(img.provider, sid), f"backs {label}")
    return out
