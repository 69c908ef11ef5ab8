"""Stopped instances that are still billed.

Detects two kinds of stopped VM, on every provider whose normaliser reports the state:

* ``stopped_allocated`` (``InstanceState.STOPPED_ALLOCATED`` or ``billed_while_stopped``): the
  compute is still billed while the VM is stopped: Azure VMs stopped from inside the guest or with
  ``az vm stop`` (PowerState/stopped, not deallocated), Alibaba pay-as-you-go instances stopped
  with ``StoppedMode=KeepCharging``. Reported after ``allocated_min_stopped_days``.
* ``stopped`` (AWS stopped, GCP TERMINATED, Azure deallocated, Alibaba economical mode) and
  ``suspended`` (GCP SUSPENDED; its memory-state storage is billed too but not counted): compute
  is no longer billed but the attached volumes/disks are, per GB-month. Reported after
  ``min_stopped_days``.

Why it costs: allocated VMs bill the full hourly compute price; every stopped VM keeps billing
its disks (and any static IP, reported by ``unused-addresses``).
Action: deallocate (Azure) / stop in economical mode (Alibaba) for the first kind; for the
second, snapshot the volumes and terminate the instance (re-create it from the snapshot if ever
needed).
Risk: terminating loses the instance's identity (id, private IP, instance-store data);
deallocating an Azure VM releases a dynamic public IP. Members of scaling groups (warm pools) and
subscription (prepaid) instances are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from finml.model import (
    Confidence,
    Estate,
    Finding,
    Instance,
    InstanceState,
    Kind,
    ScalingGroup,
    Volume,
)
from finml.money import Money
from finml.money import total as total_money
from finml.recommender import Recommender, RecommenderContext
from finml.settings import setting
from recommenders._common import age_days, make_finding, monthly_from_hourly
from recommenders._waste import short_id


@dataclass(frozen=True)
class StoppedInstancesSettings:
    min_stopped_days: int = setting(
        7, "Report stopped (deallocated) instances whose volumes are billed after this many days stopped.",
        "finml default; AWS Config ec2-stopped-instance and Trusted Advisor 'Amazon EC2 instances "
        "stopped' use 30 days",
    )
    allocated_min_stopped_days: int = setting(
        1, "Report stopped-but-allocated VMs (compute still billed) after this many days stopped.",
        "finml default: a stopped-allocated VM bills its full compute price every hour",
    )
    report_unknown_stop_time: bool = setting(
        True,
        "Report stopped-allocated VMs whose stop time is unknown (Azure does not report it) with "
        "medium confidence; stopped instances with an unknown stop time are always skipped.",
        "finml default",
    )
    prepaid_markers: list[str] = setting(
        ["PrePaid", "Subscription"],
        "Raw billing-method values (Alibaba InstanceChargeType) of instances paid for upfront: "
        "stopping them saves nothing before the term ends.",
        "Alibaba Cloud ECS billing methods",
    )


AWS_TA = StoppedInstancesSettings(min_stopped_days=30)

_DEALLOCATE_HOW = {
    "azure": "deallocate the VM (az vm deallocate / Stop in the portal), not just stop it",
    "alibaba": "stop it with StoppedMode=StopCharging (economical mode), or release it",
}
_TERMINATE_HOW = {
    "aws": "create snapshots of its EBS volumes, then terminate the instance",
    "gcp": "create snapshots (or a machine image) of its disks, then delete the instance and disks",
    "azure": "snapshot its managed disks, then delete the VM and its disks",
    "alibaba": "create snapshots of its disks, then release the instance and disks",
}


class StoppedInstances(Recommender):
    name = "stopped-instances"
    summary = "Stopped VMs still billed: allocated compute (Azure, Alibaba) or attached disks (all)."
    kinds = (Kind.INSTANCE.value, Kind.VOLUME.value, Kind.SCALING_GROUP.value)
    Settings = StoppedInstancesSettings
    RULE_SETS = {"finml-default": StoppedInstancesSettings(), "aws-trusted-advisor": AWS_TA}

    def run(self, estate: Estate, ctx: RecommenderContext) -> Iterable[Finding]:
        s: StoppedInstancesSettings = self.settings
        volumes = {(v.provider, short_id(v.id)): v for v in estate.of_kind(Kind.VOLUME) if isinstance(v, Volume)}
        attached: dict[tuple[str, str], list[Volume]] = {}
        for v in volumes.values():
            for owner in v.attached_to:
                attached.setdefault((v.provider, short_id(owner)), []).append(v)
        groups: dict[tuple[str, str], str] = {}
        for g in estate.of_kind(Kind.SCALING_GROUP):
            assert isinstance(g, ScalingGroup)
            for iid in g.instance_ids:
                groups[(g.provider, short_id(iid))] = g.name or g.id
        for r in estate.of_kind(Kind.INSTANCE):
            if not isinstance(r, Instance):
                continue
            allocated = r.state == InstanceState.STOPPED_ALLOCATED or (
                r.billed_while_stopped and r.state in (InstanceState.STOPPED, InstanceState.STOPPED_ALLOCATED)
            )
            if not allocated and r.state not in (InstanceState.STOPPED, InstanceState.SUSPENDED):
                continue
            group = groups.get((r.provider, short_id(r.id)))
            if group is not None:
                ctx.skip(self.name, r.provider, r.id, f"member of scaling group {group} (warm pool or scaling policy)")
                continue
            if allocated:
                finding = self._allocated(r, s, ctx)
            else:
                finding = self._stopped(r, volumes, attached, s, ctx)
            if finding is not None:
                yield finding

    def _allocated(self, r: Instance, s: StoppedInstancesSettings, ctx: RecommenderContext) -> Finding | None:
        charge = str(r.raw.get("InstanceChargeType", ""))
        if charge and charge in s.prepaid_markers:
            ctx.skip(self.name, r.provider, r.id, f"billed upfront ({charge}): stopping saves nothing this term")
            return None
        age = age_days(r.state_since, ctx.now)
        confidence = Confidence.HIGH
        if age is None:
            if not s.report_unknown_stop_time:
                ctx.skip(self.name, r.provider, r.id, "stop time not reported")
                return None
            confidence = Confidence.MEDIUM
        elif age < s.allocated_min_stopped_days:
            return None
        quote = ctx.prices.instance_hour(r.provider, r.region, r.instance_type, "on-demand", r.platform)
        if quote is None:
            ctx.skip(self.name, r.provider, r.id, f"no on-demand price for {r.instance_type} in {r.region}")
            return None
        return make_finding(
            self.name, r, ctx,
            title=f"Deallocate stopped {r.instance_type} still billed for compute",
            action="deallocate",
            saving=monthly_from_hourly(quote),
            quote=quote,
            confidence=confidence,
            variant="allocated",
            evidence={
                "state": r.state.value,
                "billed_while_stopped": True,
                "instance_type": r.instance_type,
                "stopped_since": r.state_since.isoformat() if r.state_since else None,
                "stopped_days": round(age, 1) if age is not None else None,
                "rule": f"stopped but allocated >= {s.allocated_min_stopped_days} days",
                "formula": "on-demand hourly price x 730 h (disks stay billed either way)",
                "caveat": "if a reservation or savings plan covers this VM, the cash saving is lower",
            },
            details={"how": _DEALLOCATE_HOW.get(r.provider, "release the compute while stopped")},
        )

    def _stopped(
        self, r: Instance, volumes: dict[tuple[str, str], Volume],
        attached: dict[tuple[str, str], list[Volume]], s: StoppedInstancesSettings, ctx: RecommenderContext,
    ) -> Finding | None:
        age = age_days(r.state_since, ctx.now)
        if age is None:
            ctx.skip(self.name, r.provider, r.id, "stop time not reported")
            return None
        if age < s.min_stopped_days:
            return None
        found: dict[str, Volume] = {}
        missing: list[str] = []
        for vid in r.volume_ids:
            v = volumes.get((r.provider, short_id(vid)))
            if v is None:
                missing.append(vid)
            else:
                found[v.id] = v
        for v in attached.get((r.provider, short_id(r.id)), []):
            found.setdefault(v.id, v)
        if not found:
            if missing:
                ctx.skip(self.name, r.provider, r.id, f"attached volumes not in the inventory: {', '.join(missing)}")
            return None
        costs: list[Money] = []
        lines: list[dict[str, object]] = []
        sources: set[str] = set()
        unpriced: list[str] = []
        for v in found.values():
            quote = ctx.prices.storage_gb_month(v.provider, v.region, v.volume_type)
            if quote is None:
                unpriced.append(v.id)
                continue
            cost = quote.price * Decimal(str(v.size_gib))
            costs.append(cost)
            sources.add(quote.source)
            lines.append({"volume_id": v.id, "size_gib": v.size_gib, "volume_type": v.volume_type,
                          "price": str(quote.price.amount), "monthly": str(cost.amount)})
        if not lines:
            ctx.skip(self.name, r.provider, r.id, f"no price for the volume types of {', '.join(unpriced)}")
            return None
        total = total_money(costs, costs[0].currency)
        confidence = Confidence.HIGH if not (missing or unpriced) else Confidence.MEDIUM
        return make_finding(
            self.name, r, ctx,
            title=f"Stopped {age:.0f} days: snapshot and terminate; {len(found)} volume(s) still billed",
            action="snapshot-and-terminate",
            saving=total,
            confidence=confidence,
            variant="volumes",
            evidence={
                "state": r.state.value,
                "stopped_since": r.state_since.isoformat() if r.state_since else None,
                "stopped_days": round(age, 1),
                "volumes": lines,
                "volumes_not_in_inventory": missing,
                "volumes_unpriced": unpriced,
                "price_source": ", ".join(sorted(sources)),
                "rule": f"stopped >= {s.min_stopped_days} days with billed volumes",
                "formula": "sum(volume size_gib x GB-month price); snapshot storage kept afterwards is not subtracted",
            },
            details={
                "how": _TERMINATE_HOW.get(r.provider, "snapshot the volumes, then delete the instance"),
                "alternative": "if it will be started again soon, keep it: only the disks are billed",
            },
        )
