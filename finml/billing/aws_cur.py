"""AWS Cost and Usage Reports: legacy CUR (CSV, ``lineItem/UnblendedCost`` headers), CUR in
Parquet for Athena (snake_case, drifting columns) and CUR 2.0 Data Exports (``product`` and
``resource_tags`` map columns).

All three share one canonical, Athena-style column naming (``lineItem/UnblendedCost`` ->
``line_item_unblended_cost``) and one normalisation. Amortisation follows AWS's own amortised-cost
definition (Cost Explorer "amortized costs"):

==========================  =================  ==============================================
lineItem/LineItemType       BilledCost         EffectiveCost
==========================  =================  ==============================================
DiscountedUsage (RI)        unblended (0)      reservation/EffectiveCost
RIFee                       unblended (fee)    0, plus an *Unused* row: unused amortised
                                               upfront fee + unused recurring fee
Fee with a reservation ARN  unblended          0 (the upfront is inside EffectiveCost above)
SavingsPlanCoveredUsage     unblended          savingsPlan/SavingsPlanEffectiveCost
SavingsPlanNegation         unblended (< 0)    0
SavingsPlanRecurringFee     unblended          0, plus an *Unused* row: TotalCommitmentToDate
                                               - UsedCommitment
SavingsPlanUpfrontFee       unblended          0
everything else             unblended          unblended
==========================  =================  ==============================================
"""

from __future__ import annotations

import re

from finml.billing.base import Check, Plan, Total
from finml.billing.normalise import AWS_SERVICE_CATEGORY, case_map, focus_select
from finml.billing.sql import (
    Cols,
    bad_number,
    bad_time,
    lit,
    next_month,
    plus_hours,
    q,
    tags_from_columns,
)

_CAPS = re.compile(r"([A-Z])")

MONEY_COLUMNS = (
    "line_item_unblended_cost", "line_item_usage_amount", "line_item_unblended_rate",
    "pricing_public_on_demand_cost", "pricing_public_on_demand_rate", "reservation_effective_cost",
    "reservation_unused_amortized_upfront_fee_for_billing_period", "reservation_unused_recurring_fee",
    "savings_plan_savings_plan_effective_cost", "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
)
TIME_COLUMNS = ("line_item_usage_start_date", "line_item_usage_end_date", "bill_billing_period_start_date",
                "bill_billing_period_end_date")


def athena_name(header: str) -> str:
    """``lineItem/UnblendedCost`` -> ``line_item_unblended_cost`` (Athena's rule: ``_`` before
    every capital). Resource tag headers keep their key: ``resourceTags/user:team`` ->
    ``resource_tags/user:team``."""
    h = header.strip()
    if "/" not in h:
        return h.lower() if h.islower() or "_" in h else _CAPS.sub(r"_\1", h).lower().lstrip("_")
    category, _, column = h.partition("/")
    cat = _CAPS.sub(r"_\1", category).lower().lstrip("_")
    if cat == "resource_tags":
        return f"resource_tags/{column}"
    col = _CAPS.sub(r"_\1", column).lower().lstrip("_")
    return f"{cat}_{col}"


class CurFormat:
    provider = "aws"
    mandatory = ("line_item_unblended_cost", "line_item_usage_start_date", "line_item_line_item_type",
                 "bill_payer_account_id", "bill_billing_period_start_date")

    def __init__(self, name: str, title: str, variant: str) -> None:
        self.name = name
        self.title = title
        self.variant = variant  # legacy | athena | cur2

    def score(self, raw_columns: dict[str, str]) -> int:
        if self.variant == "legacy":
            return 100 if "lineitem/unblendedcost" in raw_columns else 0
        if "line_item_unblended_cost" not in raw_columns:
            return 0
        is_map = any(raw_columns.get(c, "").upper().startswith("MAP") for c in ("product", "resource_tags"))
        if self.variant == "cur2":
            return 95 if is_map else 0
        return 90

    def canonical(self, raw: str) -> str:
        return athena_name(raw)

    # -- expressions ---------------------------------------------------------------------------

    def _product(self, cols: Cols, field: str) -> str:
        static = cols.text(f"product_{field}")
        if self.variant == "cur2" and cols.types.get("product", "").upper().startswith("MAP"):
            return f"COALESCE({static}, NULLIF(map_extract_value(\"product\", {lit(field)}), ''))"
        return static

    def _tags(self, cols: Cols) -> str:
        if cols.types.get("resource_tags", "").upper().startswith("MAP"):
            return "COALESCE(__tagmap, MAP {})::MAP(VARCHAR, VARCHAR)"  # see _source_from
        keyed = {}
        for c in cols.names:
            if c.startswith("resource_tags/"):
                keyed[re.sub(r"^user:", "", c.split("/", 1)[1])] = c
            elif c.startswith("resource_tags_"):
                keyed[re.sub(r"^user_", "", c[len("resource_tags_"):])] = c
        return tags_from_columns(keyed)

    def _source_from(self, cols: Cols) -> str:
        """``src``, joined for CUR 2.0 with its tag maps renamed (``user_team`` -> ``team``). Building a
        map per row is slow and tag sets repeat, so each distinct set is renamed once."""
        if not cols.types.get("resource_tags", "").upper().startswith("MAP"):
            return "src"
        return (
            "src LEFT JOIN (SELECT __h, map_from_entries(list_transform(map_entries(m), lambda e: struct_pack("
            "key := CASE WHEN starts_with(e.key, 'user_') OR starts_with(e.key, 'user:') THEN substr(e.key, 6) "
            "ELSE e.key END, value := e.value))) AS __tagmap FROM (SELECT hash(resource_tags) AS __h, "
            "any_value(resource_tags) AS m FROM src GROUP BY ALL)) AS __tags ON hash(src.resource_tags) = __tags.__h"
        )

    def plan(self, cols: Cols, source: str) -> Plan:
        t = cols.text
        m = cols.money
        zero = "CAST(0 AS DECIMAL(38,10))"
        lit_type = t("line_item_line_item_type")
        unblended = f"COALESCE({m('line_item_unblended_cost')}, {zero})"
        ri_arn = t("reservation_reservation_a_r_n")
        sp_arn = t("savings_plan_savings_plan_a_r_n")
        ri_eff = f"COALESCE({m('reservation_effective_cost')}, {zero})"
        sp_eff = f"COALESCE({m('savings_plan_savings_plan_effective_cost')}, {zero})"
        ri_unused = (f"(COALESCE({m('reservation_unused_amortized_upfront_fee_for_billing_period')}, {zero}) + "
                     f"COALESCE({m('reservation_unused_recurring_fee')}, {zero}))")
        sp_unused = (f"(COALESCE({m('savings_plan_total_commitment_to_date')}, {zero}) - "
                     f"COALESCE({m('savings_plan_used_commitment')}, {zero}))")
        list_cost = m("pricing_public_on_demand_cost")
        effective = (
            f"CASE {lit_type} WHEN 'DiscountedUsage' THEN {ri_eff} WHEN 'SavingsPlanCoveredUsage' THEN {sp_eff} "
            "WHEN 'RIFee' THEN 0 WHEN 'SavingsPlanRecurringFee' THEN 0 WHEN 'SavingsPlanNegation' THEN 0 "
            "WHEN 'SavingsPlanUpfrontFee' THEN 0 "
            f"ELSE CASE WHEN {lit_type} = 'Fee' AND {ri_arn} IS NOT NULL THEN 0 ELSE {unblended} END END"
        )
        amortised_src = (
            f"CASE {lit_type} WHEN 'DiscountedUsage' THEN {ri_eff} WHEN 'SavingsPlanCoveredUsage' THEN {sp_eff} "
            f"WHEN 'RIFee' THEN {ri_unused} WHEN 'SavingsPlanRecurringFee' THEN {sp_unused} "
            "WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0 "
            f"ELSE CASE WHEN {lit_type} = 'Fee' AND {ri_arn} IS NOT NULL THEN 0 ELSE {unblended} END END"
        )
        category = (
            f"CASE WHEN {lit_type} IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation') "
            f"THEN 'Usage' WHEN {lit_type} = 'Tax' THEN 'Tax' "
            f"WHEN {lit_type} IN ('RIFee', 'Fee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') THEN 'Purchase' "
            f"WHEN {lit_type} IN ('Credit', 'Refund', 'Discount', 'BundledDiscount', 'EdpDiscount', "
            f"'PrivateRateDiscount', 'SppDiscount', 'DistributorDiscount') THEN 'Credit' ELSE 'Adjustment' END"
        )
        is_sp = f"{lit_type} LIKE 'SavingsPlan%'"
        is_ri = f"({lit_type} IN ('DiscountedUsage', 'RIFee') OR ({lit_type} = 'Fee' AND {ri_arn} IS NOT NULL))"
        commit_id = f"CASE WHEN {is_sp} THEN {sp_arn} WHEN {is_ri} THEN {ri_arn} END"
        period_start = cols.time("bill_billing_period_start_date")
        period_end = (cols.time("bill_billing_period_end_date") if "bill_billing_period_end_date" in cols
                      else next_month(period_start))
        region = self._product(cols, "region_code") if ("product_region_code" in cols or self.variant == "cur2") \
            else "NULL"
        region = f"COALESCE({region}, {self._product(cols, 'region')})"
        usage_amount = m("line_item_usage_amount")
        base = {
            "BillingAccountId": t("bill_payer_account_id"),
            "BillingAccountName": t("bill_payer_account_name"),
            "BillingCurrency": f"COALESCE({t('line_item_currency_code')}, 'USD')",
            "BillingPeriodStart": period_start,
            "BillingPeriodEnd": period_end,
            "ChargePeriodStart": cols.time("line_item_usage_start_date"),
            "ChargePeriodEnd": f"COALESCE({cols.time('line_item_usage_end_date')}, "
                               f"{plus_hours(cols.time('line_item_usage_start_date'), 1)})",
            "ChargeCategory": category,
            "ChargeClass": f"CASE WHEN {lit_type} = 'Refund' THEN 'Correction' END",
            "ChargeDescription": t("line_item_line_item_description"),
            "ChargeFrequency": f"CASE WHEN {lit_type} IN ('RIFee', 'SavingsPlanRecurringFee') THEN 'Recurring' "
                               f"WHEN {lit_type} IN ('Fee', 'SavingsPlanUpfrontFee') THEN 'One-Time' "
                               "ELSE 'Usage-Based' END",
            "BilledCost": unblended,
            "EffectiveCost": effective,
            "ListCost": list_cost,
            "ContractedCost": f"CASE WHEN {lit_type} = 'DiscountedUsage' THEN COALESCE({list_cost}, {unblended}) "
                              f"ELSE {unblended} END",
            "ListUnitPrice": m("pricing_public_on_demand_rate"),
            "ContractedUnitPrice": m("line_item_unblended_rate"),
            "PricingCategory": f"CASE WHEN {lit_type} IN ('DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Committed' "
                               f"WHEN {t('pricing_term')} = 'Spot' OR {t('line_item_usage_type')} LIKE '%SpotUsage%' "
                               f"THEN 'Dynamic' WHEN {lit_type} = 'Usage' THEN 'Standard' END",
            "PricingQuantity": usage_amount,
            "PricingUnit": t("pricing_unit"),
            "ConsumedQuantity": f"CASE WHEN {lit_type} IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') "
                                f"THEN {usage_amount} END",
            "ConsumedUnit": f"CASE WHEN {lit_type} IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') "
                            f"THEN {t('pricing_unit')} END",
            "ProviderName": "'AWS'",
            "PublisherName": f"COALESCE({t('line_item_legal_entity')}, 'Amazon Web Services, Inc.')",
            "InvoiceIssuerName": f"COALESCE({t('bill_invoicing_entity')}, 'Amazon Web Services, Inc.')",
            "ServiceName": f"COALESCE({self._product(cols, 'product_name')}, {t('line_item_product_code')})",
            "ServiceCategory": case_map(t("line_item_product_code"), AWS_SERVICE_CATEGORY, "'Other'"),
            "SubAccountId": t("line_item_usage_account_id"),
            "SubAccountName": t("line_item_usage_account_name"),
            "RegionId": region,
            "RegionName": self._product(cols, "location"),
            "AvailabilityZone": t("line_item_availability_zone"),
            "ResourceId": t("line_item_resource_id"),
            "ResourceType": self._product(cols, "product_family"),
            "SkuId": self._product(cols, "sku"),
            "SkuPriceId": t("pricing_rate_id"),
            "CommitmentDiscountId": commit_id,
            "CommitmentDiscountType": f"CASE WHEN {is_sp} THEN 'Savings Plan' WHEN {is_ri} THEN 'Reservation' END",
            "CommitmentDiscountCategory": f"CASE WHEN {is_sp} THEN 'Spend' WHEN {is_ri} THEN 'Usage' END",
            "CommitmentDiscountStatus": f"CASE WHEN {lit_type} IN ('DiscountedUsage', 'SavingsPlanCoveredUsage', "
                                        "'SavingsPlanNegation') THEN 'Used' END",
            "Tags": self._tags(cols),
            "x_InstanceType": self._product(cols, "instance_type"),
            "x_SourceRow": "__row",
        }
        unused = dict(base)
        unused.update({
            "ChargeCategory": "'Usage'",
            "ChargeFrequency": "'Usage-Based'",
            "ChargeDescription": f"'Unused commitment: ' || COALESCE({commit_id}, '')",
            "BilledCost": zero,
            "EffectiveCost": f"CASE WHEN {lit_type} = 'RIFee' THEN {ri_unused} ELSE {sp_unused} END",
            "ListCost": "NULL", "ContractedCost": zero, "ListUnitPrice": "NULL", "ContractedUnitPrice": "NULL",
            "PricingCategory": "'Committed'", "ConsumedQuantity": "NULL", "ConsumedUnit": "NULL",
            "CommitmentDiscountStatus": "'Unused'",
        })
        unused_where = (f"WHERE ({lit_type} = 'RIFee' AND {ri_unused} <> 0) OR "
                        f"({lit_type} = 'SavingsPlanRecurringFee' AND {sp_unused} <> 0)")
        src_from = self._source_from(cols)
        focus_sql = f"{focus_select(base, src_from)}\nUNION ALL\n{focus_select(unused, src_from + ' ' + unused_where)}"

        checks = [Check(c, bad_number(q(c), cols.types.get(c, "VARCHAR")), "not a number",
                        "cost and quantity columns must be plain decimal numbers")
                  for c in MONEY_COLUMNS if c in cols]
        checks += [Check(c, bad_time(q(c), cols.types.get(c, "VARCHAR")), "not a date/time",
                         "dates must be ISO 8601 (2024-01-31T00:00:00Z)")
                   for c in TIME_COLUMNS if c in cols]
        totals = [
            Total("lineItem/UnblendedCost", unblended, "sum(BilledCost)"),
            Total("amortised cost (AWS rules)", amortised_src, "sum(EffectiveCost)"),
        ]
        if "pricing_public_on_demand_cost" in cols:
            totals.append(Total("pricing/publicOnDemandCost", list_cost, "sum(ListCost)"))
        key = None
        if cols.has("identity_line_item_id", "identity_time_interval"):
            key = f"{q('identity_line_item_id')} || '|' || {q('identity_time_interval')}"
        return Plan(
            focus_sql=focus_sql, billing_period_sql=period_start, billing_account_sql=t("bill_payer_account_id"),
            totals=tuple(totals), checks=tuple(checks), currency_sql=t("line_item_currency_code"), key_sql=key,
        )


CUR_LEGACY = CurFormat("aws-cur", "AWS Cost and Usage Report (legacy CSV)", "legacy")
CUR_ATHENA = CurFormat("aws-cur-athena", "AWS Cost and Usage Report (Athena/Parquet columns)", "athena")
CUR2 = CurFormat("aws-cur2", "AWS CUR 2.0 (Data Exports)", "cur2")
