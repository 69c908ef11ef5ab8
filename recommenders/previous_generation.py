"""Previous-generation instances: the same vCPUs and memory are cheaper on a current family.

Detects: running instances of a previous-generation family (AWS m4/c4/r4/t2, Azure Dv2/Dsv3,
GCP n1…; ``current_generation`` in the instance facts) for which a current-generation type with
at least the same vCPUs and memory, the same GPUs and the same CPU architecture costs less.
The configured successor family (m4 -> m6i, c4 -> c6i, r4 -> r6i, t2 -> t3, Dv2 -> Dsv5, n1 ->
n2d…) is preferred when it qualifies; otherwise the cheapest qualifying type is proposed.
Why it costs: providers price older generations at or above their successors, which are also
faster per vCPU.
Action: change the instance type (stop, modify, start); check the AMI/image supports the newer
family (ENA/NVMe drivers on AWS Nitro types).
Risk: older images may lack the drivers the new family needs; licences tied to CPU models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from finml.model import Estate, Finding, Instance, InstanceState, InstanceType, Kind
from finml.money import HOURS_PER_MONTH
from finml.pricing import PriceQuote
from finml.pricing.facts import family_of, known_types, lookup
from finml.recommender import Recommender, RecommenderContext
from finml.settings import setting
from recommenders._common import make_finding

_SUCCESSORS = {
    "m4": "m6i", "c4": "c6i", "r4": "r6i", "t2": "t3", "m3": "m6i", "c3": "c6i", "r3": "r6i",
    "Dv2": "Dsv5", "Dsv3": "Dsv5", "n1": "n2d",
}


@dataclass(frozen=True)
class PreviousGenerationSettings:
    successors: dict[str, str] = setting(
        _SUCCESSORS, "Preferred current family per previous-generation family.",
        "AWS 'Previous generation instances' page (aws.amazon.com/ec2/previous-generation) upgrade paths; finml default for Azure/GCP",
    )
    allow_architecture_change: bool = setting(False, "Allow a target of another CPU architecture (e.g. Graviton).", "finml default")
    min_monthly_saving: Decimal = setting(Decimal("0.01"), "Do not report savings below this amount per month.", "finml default")


class PreviousGeneration(Recommender):
    name = "previous-generation"
    summary = "Previous-generation instances with a cheaper current-generation type of the same size."
    kinds = (Kind.INSTANCE.value,)
    Settings = PreviousGenerationSettings
    RULE_SETS = {"finml-default": PreviousGenerationSettings()}

    def run(self, estate: Estate, ctx: RecommenderContext) -> Iterable[Finding]:
        s: PreviousGenerationSettings = self.settings
        for r in estate.of_kind(Kind.INSTANCE):
            assert isinstance(r, Instance)
            if r.state not in (InstanceState.RUNNING, InstanceState.STOPPED_ALLOCATED):
                continue
            cur = r.type_info or lookup(r.provider, r.instance_type, estate.instance_types)
            if cur is None:
                ctx.skip(self.name, r.provider, r.id, f"no facts for type {r.instance_type}")
                continue
            if cur.current_generation:
                continue
            cur_q = ctx.prices.instance_hour(r.provider, r.region, r.instance_type, "on-demand", r.platform)
            if cur_q is None:
                ctx.skip(self.name, r.provider, r.id, f"no price for {r.instance_type} in {r.region}")
                continue
            options = [(t, q) for t, q in self._options(estate, r, cur, cur_q, ctx, s)]
            if not options:
                continue
            preferred = s.successors.get(family_of(cur))
            cheapest = min(options, key=lambda o: (o[1].price.amount, o[0].name))
            succ = [o for o in options if family_of(o[0]) == preferred]
            target, tq = min(succ, key=lambda o: (o[1].price.amount, o[0].name)) if succ else cheapest
            saving = (cur_q.price - tq.price) * HOURS_PER_MONTH
            if saving.amount < s.min_monthly_saving:
                continue
            ev = {
                "current_type": cur.name, "current_family": family_of(cur), "target_type": target.name,
                "target_family": family_of(target), "vcpus": cur.vcpus,
                "current_memory_gib": cur.memory_gib, "target_memory_gib": target.memory_gib,
                "current_hourly": str(cur_q.price.amount), "target_hourly": str(tq.price.amount),
                "cheapest_alternative": cheapest[0].name, "cheapest_alternative_hourly": str(cheapest[1].price.amount),
                "rule": "previous generation; >= vCPUs, >= memory, same GPUs and architecture, lower price",
                "formula": "(current hourly - target hourly) x 730 h",
            }
            ev.update({f"target_{k}": v for k, v in tq.evidence().items() if k.startswith("price")})
            yield make_finding(
                self.name, r, ctx,
                title=f"Move previous-generation {cur.name} to {target.name}",
                action="modernise", saving=saving, quote=cur_q, evidence=ev,
                details={"target_type": target.name, "suggestion": "stop, change the instance type, start; check image drivers"},
            )

    @staticmethod
    def _options(estate: Estate, r: Instance, cur: InstanceType, cur_q: PriceQuote, ctx: RecommenderContext,
                 s: PreviousGenerationSettings) -> Iterable[tuple[InstanceType, PriceQuote]]:
        for t in known_types(r.provider, estate.instance_types):
            if not t.current_generation or t.vcpus < cur.vcpus or t.memory_gib < cur.memory_gib:
                continue
            if t.gpus != cur.gpus or t.gpu_model != cur.gpu_model or t.burstable != cur.burstable:
                continue
            if t.architecture != cur.architecture and not s.allow_architecture_change:
                continue
            q = ctx.prices.instance_hour(r.provider, r.region, t.name, "on-demand", r.platform)
            if q is not None and not q.estimate and q.price.currency == cur_q.price.currency and q.price < cur_q.price:
                yield t, q
