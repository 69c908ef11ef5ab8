"""Every registered recommender follows the plug-in contract (STYLE.md, finml/recommender.py)."""

from __future__ import annotations

import dataclasses
import inspect
import re

import pytest

from finml.recommender import DEFAULT_RULE_SET, Recommender
from finml.settings import describe
from recommenders import registry

NAMES = registry.names()


@pytest.mark.parametrize("name", NAMES)
def test_recommender_contract(name: str) -> None:
    cls = registry.get(name)
    assert issubclass(cls, Recommender)
    assert cls.name == name and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), "kebab-case name equal to its registry key"
    assert cls.summary and "\n" not in cls.summary and len(cls.summary) <= 120, "one-line summary"
    doc = (inspect.getmodule(cls).__doc__ or "") + (cls.__doc__ or "")  # type: ignore[union-attr]
    for word in ("detects", "why", "action", "risk"):
        assert re.search(rf"\b{word}", doc, re.I), f"docstring must say what it {word}"
    assert dataclasses.is_dataclass(cls.Settings)
    for field in describe(cls.Settings):
        assert field["doc"], f"setting {field['name']} has no doc"
        assert field["source"], f"setting {field['name']} has no source"
    assert DEFAULT_RULE_SET in cls.RULE_SETS
    for rule_set, settings in cls.RULE_SETS.items():
        assert isinstance(settings, cls.Settings), f"rule set {rule_set} is not a {cls.Settings.__name__}"
    assert set(cls.kinds) and all("." in k for k in cls.kinds)


def test_registry_lists_the_compute_and_commitment_recommenders() -> None:
    for name in ("rightsizing", "idle-instances", "previous-generation", "commitment-utilisation",
                 "commitment-expiry", "commitment-purchase"):
        assert name in NAMES


def test_published_rule_sets_are_distinct_where_they_claim_to_be() -> None:
    idle = registry.get("idle-instances")
    assert idle.RULE_SETS["azure-advisor"] != idle.RULE_SETS["aws-trusted-advisor"]
    ta = idle.RULE_SETS["aws-trusted-advisor"]
    assert (ta.daily_cpu_max_pct, ta.daily_network_max_bytes, ta.min_idle_days, ta.lookback_days) == (10.0, 5_000_000, 4, 14)
