"""Runs every recommender case file (see casefile.py for the format)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from finml import settings as settings_mod
from finml.pricing import default_catalog
from finml.recommender import RecommenderContext
from recommenders import registry
from tests.recommenders.casefile import (
    Case,
    as_utc,
    build_costs,
    build_estate,
    load_cases,
    parse_money,
)

CASES = list(load_cases())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    spec = case.spec
    cls = registry.get(case.recommender)
    rule_set = spec.get("rule_set", "finml-default")
    rec_settings = settings_mod.build(
        cls.Settings, spec.get("settings"), f"recommenders.{case.recommender}", base=cls.base_settings(rule_set)
    )
    ctx = RecommenderContext(
        prices=default_catalog(), now=as_utc(spec["now"]), rule_set=rule_set, costs=build_costs(spec.get("costs"))
    )
    findings = list(cls(rec_settings, rule_set=rule_set).run(build_estate(spec), ctx))
    expect = spec.get("expect", {})

    got = {(f.resource_id, f.action, f.variant) for f in findings}
    want = {(e["resource_id"], e["action"], e.get("variant", "")) for e in expect.get("findings", [])}
    assert got == want, f"findings differ: unexpected {got - want}, missing {want - got}"

    by_key = {(f.resource_id, f.action, f.variant): f for f in findings}
    for e in expect.get("findings", []):
        f = by_key[(e["resource_id"], e["action"], e.get("variant", ""))]
        assert f.recommender == case.recommender and f.rule_set == rule_set
        if "monthly_saving" in e:
            want_money = parse_money(e["monthly_saving"])
            places = -want_money.amount.as_tuple().exponent  # type: ignore[operator]
            got_amount = f.monthly_saving.amount if places > 2 else f.monthly_saving.rounded().amount
            assert (got_amount, f.monthly_saving.currency) == (want_money.amount, want_money.currency)
        for k, v in e.get("evidence", {}).items():
            assert _eq(f.evidence.get(k), v), f"evidence[{k}] = {f.evidence.get(k)!r}, want {v!r}"
        for k, v in e.get("details", {}).items():
            assert _eq(f.details.get(k), v), f"details[{k}] = {f.details.get(k)!r}, want {v!r}"
        if "confidence" in e:
            assert f.confidence.value == e["confidence"]
        assert f.evidence, "every finding carries evidence"

    skipped = {s.resource_id: s.reason for s in ctx.skipped}
    for s in expect.get("skipped", []):
        assert s["resource_id"] in skipped, f"{s['resource_id']} not skipped; skipped: {skipped}"
        assert s.get("reason_contains", "") in skipped[s["resource_id"]]


def _eq(got: object, want: object) -> bool:
    if isinstance(want, float) or isinstance(got, Decimal):
        try:
            return abs(float(got) - float(want)) < 1e-6  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
    return got == want
