"""Unattached volumes: block storage that is billed but attached to nothing.

Detects: volumes/disks with no attachment (AWS EBS ``available``, Azure disks ``Unattached``, GCP
disks without ``users``, Alibaba disks ``Available``) that have been detached for at least
``min_age_days``. A disk whose state says it is attached is never reported even when the
normaliser recorded no attachment (Azure ``Reserved`` = attached to a deallocated VM, Alibaba
``In_use``); disks in a transitional state (creating, uploading, SAS export…) are skipped.
Why it costs: block storage is billed per provisioned GB-month whether or not anything reads it.
Action: snapshot if the data may be needed, then delete the volume.
Risk: the data is lost on deletion; a volume detached for maintenance may be re-attached soon,
hence the age threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from finml.model import Estate, Finding, Kind, Volume
from finml.recommender import Recommender, RecommenderContext
from finml.settings import setting
from recommenders._common import age_days, make_finding, monthly_from_gb_month


@dataclass(frozen=True)
class UnattachedVolumesSettings:
    min_age_days: int = setting(
        7, "Only report volumes unattached (or, if never attached, created) at least this many days ago.",
        "finml default; AWS Trusted Advisor 'Underutilized EBS volumes' uses 7 days",
    )


_ATTACHED_STATES = frozenset({"in-use", "in_use", "inuse", "attached", "reserved", "attaching", "detaching"})
"""States (case-insensitive) meaning the disk belongs to an instance, stopped or not."""
_TRANSITIONAL_STATES = frozenset({
    "creating", "deleting", "restoring", "reiniting", "activesas", "activesasfrozen", "readytoupload",
    "activeupload", "frozen",
})
"""States in which the disk is being created, deleted, exported or uploaded: not judged."""


class UnattachedVolumes(Recommender):
    name = "unattached-volumes"
    summary = "Volumes and disks attached to nothing, billed per GB-month."
    kinds = (Kind.VOLUME.value,)
    needs: ClassVar[tuple[str, ...]] = ()
    Settings = UnattachedVolumesSettings
    RULE_SETS = {"finml-default": UnattachedVolumesSettings()}

    def run(self, estate: Estate, ctx: RecommenderContext) -> Iterable[Finding]:
        s: UnattachedVolumesSettings = self.settings
        for r in estate.of_kind(Kind.VOLUME):
            assert isinstance(r, Volume)
            state = r.state.lower()
            if r.attached_to or state in _ATTACHED_STATES:
                continue
            if state in _TRANSITIONAL_STATES:
                ctx.skip(self.name, r.provider, r.id, f"disk is in transitional state {r.state!r}")
                continue
            since = r.last_detached_at or r.created_at
            age = age_days(since, ctx.now)
            if age is None:
                ctx.skip(self.name, r.provider, r.id, "no creation or detach time reported")
                continue
            if age < s.min_age_days:
                continue
            quote = ctx.prices.storage_gb_month(r.provider, r.region, r.volume_type)
            if quote is None:
                ctx.skip(self.name, r.provider, r.id, f"no price for volume type {r.volume_type!r} in {r.region}")
                continue
            saving = monthly_from_gb_month(quote, r.size_gib)
            yield make_finding(
                self.name, r, ctx,
                title=f"Delete unattached {r.size_gib:g} GiB {r.volume_type} volume (unattached {age:.0f} days)",
                action="delete",
                saving=saving,
                quote=quote,
                evidence={
                    "state": r.state,
                    "size_gib": r.size_gib,
                    "volume_type": r.volume_type,
                    "unattached_since": since.isoformat() if since else None,
                    "unattached_days": round(age, 1),
                    "rule": f"unattached >= {s.min_age_days} days",
                    "formula": "size_gib x GB-month price",
                },
                details={"suggestion": "snapshot first if the data may be needed, then delete"},
            )
