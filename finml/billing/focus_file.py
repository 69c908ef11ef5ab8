"""FOCUS files (1.0-1.2, and 1.0-preview names) from any provider, e.g. the AWS FOCUS export.

The rows are already FOCUS: column names are matched case-insensitively, the few renamed columns
are mapped (``ChargeType`` -> ``ChargeCategory``, ``UsageQuantity`` -> ``ConsumedQuantity``,
``ServiceProviderName`` -> ``ProviderName``), money is cast exactly and Tags read from their JSON
text form when they are not a map already.
"""

from __future__ import annotations

from finml.billing.base import Check, Plan, Total
from finml.billing.normalise import FOCUS_SQL_TYPES, focus_select
from finml.billing.sql import Cols, bad_number, bad_time, next_month, q, tags_from_json

_BY_LOWER = {c.lower(): c for c in FOCUS_SQL_TYPES}
_ALIASES = {"chargetype": "ChargeCategory", "usagequantity": "ConsumedQuantity", "usageunit": "ConsumedUnit",
            "serviceprovidername": "ProviderName", "amortizedcost": "EffectiveCost"}


class FocusFormat:
    name = "focus"
    provider = "any"
    title = "FOCUS 1.0-1.2 file"
    mandatory = ("BilledCost", "ChargePeriodStart", "BillingPeriodStart", "BillingAccountId", "BillingCurrency")

    def score(self, raw_columns: dict[str, str]) -> int:
        return 80 if {"billedcost", "chargeperiodstart"} <= set(raw_columns) else 0

    def canonical(self, raw: str) -> str:
        low = raw.strip().lower()
        if low in _BY_LOWER:
            return _BY_LOWER[low]
        return _ALIASES.get(low, raw.strip())

    def plan(self, cols: Cols, source: str) -> Plan:
        exprs: dict[str, str] = {}
        checks: list[Check] = []
        for name, typ in FOCUS_SQL_TYPES.items():
            if name not in cols or name in ("x_SourceRow", "x_SourceFile"):
                continue
            if typ.startswith("DECIMAL"):
                exprs[name] = cols.money(name)
                checks.append(Check(name, bad_number(q(name), cols.types.get(name, "VARCHAR")), "not a number"))
            elif typ == "TIMESTAMPTZ":
                exprs[name] = cols.time(name)
                checks.append(Check(name, bad_time(q(name), cols.types.get(name, "VARCHAR")), "not a date/time"))
            elif name == "Tags":
                exprs[name] = q(name) if cols.types.get(name, "").upper().startswith("MAP") else tags_from_json(q(name))
            else:
                exprs[name] = cols.text(name)
        if "EffectiveCost" not in exprs:
            exprs["EffectiveCost"] = exprs["BilledCost"]
        if "BillingPeriodEnd" not in exprs:
            exprs["BillingPeriodEnd"] = next_month(exprs["BillingPeriodStart"])
        if "ChargePeriodEnd" not in exprs:
            exprs["ChargePeriodEnd"] = f"{exprs['ChargePeriodStart']} + INTERVAL 1 HOUR"
        exprs.setdefault("ChargeCategory", "'Usage'")
        exprs["x_SourceRow"] = "__row"
        exprs["x_SourceFile"] = cols.text("x_SourceFile")
        totals = [Total("BilledCost", f"COALESCE({exprs['BilledCost']}, 0)", "sum(BilledCost)")]
        if "EffectiveCost" in cols:
            totals.append(Total("EffectiveCost", f"COALESCE({exprs['EffectiveCost']}, 0)", "sum(EffectiveCost)"))
        if "ListCost" in cols:
            totals.append(Total("ListCost", f"COALESCE({exprs['ListCost']}, 0)", "sum(ListCost)"))
        return Plan(
            focus_sql=focus_select(exprs), billing_period_sql=exprs["BillingPeriodStart"],
            billing_account_sql=exprs["BillingAccountId"], totals=tuple(totals), checks=tuple(checks),
            currency_sql=exprs["BillingCurrency"],
        )


FOCUS_FILE = FocusFormat()
