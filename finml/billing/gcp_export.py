"""Google Cloud Billing export to BigQuery (standard and detailed/resource-level), read from its
exported files (JSONL or Parquet with nested records, or flattened CSV with ``service.description``
headers) or pulled live with :mod:`finml.billing.gcp_bigquery`.

Credits (the nested ``credits`` array: committed-use and sustained-use discounts, free tier,
promotions, ...) become their own FOCUS rows (ChargeCategory Credit) so that BilledCost adds up to
the invoice (cost + credits). Discounts that lower the price of the usage they sit on (CUD, SUD,
free tier, discounts, subscription benefits) are folded into that usage row's EffectiveCost and
count 0 on their credit row; promotions and other cash-like credits keep their EffectiveCost on the
credit row. Commitment fees (SKU "Commitment v1: ...") are Purchase rows; Google already charges
them per period of the term, so finml does not spread them again.
"""

from __future__ import annotations

import re

from finml.billing.base import Check, Plan, Total
from finml.billing.normalise import GCP_SERVICE_CATEGORY, case_map, focus_select
from finml.billing.sql import MONEY_SQL, Cols, bad_number, bad_time, next_month, plus_hours, q

FOLDED = ("COMMITTED_USAGE_DISCOUNT", "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE", "SUSTAINED_USAGE_DISCOUNT",
          "DISCOUNT", "FREE_TIER", "SUBSCRIPTION_BENEFIT", "RESELLER_MARGIN", "FEE_UTILIZATION_OFFSET")
_CREDIT_JSON = '[{"name":"VARCHAR","amount":"VARCHAR","full_name":"VARCHAR","id":"VARCHAR","type":"VARCHAR"}]'
_LABEL_JSON = '[{"key":"VARCHAR","value":"VARCHAR"}]'


def _json_text(expr: str) -> str:
    """JSON text, accepting the Python-repr form pandas dumps (single quotes, None)."""
    txt = f"NULLIF(TRIM(CAST({expr} AS VARCHAR)), '')"
    return (f"(CASE WHEN {txt} LIKE '%''%' THEN replace(replace(replace(replace({txt}, '''', '\"'), ': None', ': null'), "
            f"': True', ': true'), ': False', ': false') ELSE {txt} END)")


class GcpExportFormat:
    name = "gcp-export"
    provider = "gcp"
    title = "Google Cloud billing export (BigQuery standard/detailed)"
    mandatory = ("billing_account_id", "cost", "usage_start_time", "currency")

    def score(self, raw_columns: dict[str, str]) -> int:
        cols = set(raw_columns)
        if "billing_account_id" in cols and "cost" in cols and ("usage_start_time" in cols):
            return 75
        return 0

    def canonical(self, raw: str) -> str:
        return raw.strip().lower().replace(".", "_")

    def _field(self, cols: Cols, path: str) -> str:
        """``service.description``: the flat column ``service_description`` or a struct field."""
        flat = path.replace(".", "_")
        if flat in cols:
            return cols.text(flat)
        head, _, rest = path.partition(".")
        typ = cols.types.get(head, "")
        if rest and typ.upper().startswith("STRUCT") and re.search(rf'[(,]\s*"?{re.escape(rest)}"?\s', typ):
            return f"NULLIF(TRIM(CAST({q(head)}.{q(rest)} AS VARCHAR)), '')"
        return "NULL::VARCHAR"

    def _num(self, cols: Cols, path: str) -> str:
        txt = self._field(cols, path)
        return f"TRY_CAST({txt} AS {MONEY_SQL})"

    def _credits(self, cols: Cols) -> str:
        if "credits" not in cols:
            return "[]::STRUCT(name VARCHAR, amount VARCHAR, full_name VARCHAR, id VARCHAR, type VARCHAR)[]"
        typ = cols.types.get("credits", "").upper()
        if typ.endswith("[]") or typ.startswith("STRUCT"):
            return ("list_transform(credits, lambda c: struct_pack(name := CAST(c.name AS VARCHAR), "
                    "amount := CAST(c.amount AS VARCHAR), full_name := CAST(c.full_name AS VARCHAR), "
                    "id := CAST(c.id AS VARCHAR), type := CAST(c.type AS VARCHAR)))")
        txt = _json_text(q("credits"))
        return (f"COALESCE(CASE WHEN json_valid({txt}) THEN json_transform({txt}, '{_CREDIT_JSON}') END, [])")

    def _labels(self, cols: Cols, name: str) -> str:
        if name not in cols:
            return "MAP {}::MAP(VARCHAR, VARCHAR)"
        typ = cols.types.get(name, "").upper()
        if typ.endswith("[]"):
            return (f"map_from_entries(list_transform({q(name)}, lambda e: struct_pack(key := CAST(e.key AS VARCHAR), "
                    "value := CAST(e.value AS VARCHAR))))::MAP(VARCHAR, VARCHAR)")
        txt = _json_text(q(name))
        return (f"COALESCE(CASE WHEN json_valid({txt}) THEN map_from_entries(json_transform({txt}, '{_LABEL_JSON}')) "
                "END, MAP {})::MAP(VARCHAR, VARCHAR)")

    def plan(self, cols: Cols, source: str) -> Plan:
        t = cols.text
        zero = f"CAST(0 AS {MONEY_SQL})"
        cost = f"COALESCE({cols.money('cost')}, {zero})"
        credits = self._credits(cols)
        ctype = ("COALESCE(NULLIF(c.type, ''), CASE WHEN lower(c.name) LIKE 'committed use%' THEN "
                 "'COMMITTED_USAGE_DISCOUNT' WHEN lower(c.name) LIKE 'sustained usage%' THEN 'SUSTAINED_USAGE_DISCOUNT' "
                 "WHEN lower(c.name) LIKE 'free tier%' THEN 'FREE_TIER' ELSE 'PROMOTION' END)")
        folded = "(" + ", ".join(f"'{f}'" for f in FOLDED) + ")"
        amount = f"COALESCE(TRY_CAST(c.amount AS {MONEY_SQL}), {zero})"
        credit_sum = f"COALESCE(list_sum(list_transform({credits}, lambda c: {amount})), {zero})"
        folded_sum = (f"COALESCE(list_sum(list_transform(list_filter({credits}, lambda c: {ctype} IN {folded}), "
                      f"lambda c: {amount})), {zero})")
        cud = f"list_filter({credits}, lambda c: {ctype} LIKE 'COMMITTED_USAGE_DISCOUNT%')"
        sku_desc = self._field(cols, "sku.description")
        is_fee = f"(COALESCE({sku_desc}, '') LIKE 'Commitment%')"
        cost_type = f"COALESCE({t('cost_type')}, 'regular')"
        start = cols.time("usage_start_time")
        inv = self._field(cols, "invoice.month")
        period_start = f"COALESCE(CAST(TRY_STRPTIME({inv}, '%Y%m') AS TIMESTAMPTZ), date_trunc('month', {start}))"
        region = f"COALESCE({self._field(cols, 'location.region')}, {self._field(cols, 'location.location')})"
        service = self._field(cols, "service.description")
        base = {
            "BillingAccountId": t("billing_account_id"),
            "BillingCurrency": f"upper({t('currency')})",
            "BillingPeriodStart": period_start,
            "BillingPeriodEnd": next_month(period_start),
            "ChargePeriodStart": start,
            "ChargePeriodEnd": f"COALESCE({cols.time('usage_end_time')}, {plus_hours(start, 1)})",
            "ChargeCategory": f"CASE WHEN {cost_type} = 'tax' THEN 'Tax' WHEN {cost_type} IN ('adjustment', "
                              f"'rounding error') THEN 'Adjustment' WHEN {is_fee} THEN 'Purchase' ELSE 'Usage' END",
            "ChargeDescription": sku_desc,
            "ChargeFrequency": f"CASE WHEN {is_fee} THEN 'Recurring' ELSE 'Usage-Based' END",
            "BilledCost": cost,
            "EffectiveCost": f"{cost} + {folded_sum}",
            "ListCost": cols.money("cost_at_list"),
            "ContractedCost": cost,
            "PricingCategory": f"CASE WHEN len({cud}) > 0 THEN 'Committed' WHEN {cost_type} = 'regular' AND NOT {is_fee} "
                               "THEN 'Standard' END",
            "PricingQuantity": self._num(cols, "usage.amount_in_pricing_units"),
            "PricingUnit": self._field(cols, "usage.pricing_unit"),
            "ConsumedQuantity": self._num(cols, "usage.amount"),
            "ConsumedUnit": self._field(cols, "usage.unit"),
            "ProviderName": "'Google Cloud'",
            "PublisherName": "'Google Cloud'",
            "InvoiceIssuerName": "'Google Cloud'",
            "ServiceName": service,
            "ServiceCategory": case_map(service, GCP_SERVICE_CATEGORY, "'Other'"),
            "SubAccountId": self._field(cols, "project.id"),
            "SubAccountName": self._field(cols, "project.name"),
            "RegionId": region,
            "RegionName": region,
            "AvailabilityZone": self._field(cols, "location.zone"),
            "ResourceId": f"COALESCE({self._field(cols, 'resource.global_name')}, {self._field(cols, 'resource.name')})",
            "ResourceName": self._field(cols, "resource.name"),
            "SkuId": self._field(cols, "sku.id"),
            "CommitmentDiscountId": f"CASE WHEN len({cud}) > 0 THEN COALESCE({cud}[1].id, {cud}[1].name) END",
            "CommitmentDiscountName": f"CASE WHEN len({cud}) > 0 THEN {cud}[1].name END",
            "CommitmentDiscountType": f"CASE WHEN len({cud}) > 0 OR {is_fee} THEN 'Committed Use' END",
            "CommitmentDiscountStatus": f"CASE WHEN len({cud}) > 0 THEN 'Used' END",
            "Tags": self._labels(cols, "labels"),
            "x_InstanceType": "NULL",
            "x_SourceRow": "__row",
        }
        credit = dict(base)
        credit.update({
            "ChargeCategory": "'Credit'",
            "ChargeDescription": "cr.name",
            "ChargeFrequency": "'Usage-Based'",
            "BilledCost": amount.replace("c.", "cr."),
            "EffectiveCost": f"CASE WHEN {ctype.replace('c.', 'cr.')} IN {folded} THEN {zero} ELSE "
                             f"{amount.replace('c.', 'cr.')} END",
            "ListCost": "NULL", "ContractedCost": "NULL", "PricingCategory": "NULL", "PricingQuantity": "NULL",
            "ConsumedQuantity": "NULL",
            "CommitmentDiscountId": f"CASE WHEN {ctype.replace('c.', 'cr.')} LIKE 'COMMITTED_USAGE_DISCOUNT%' "
                                    "THEN COALESCE(cr.id, cr.name) END",
            "CommitmentDiscountName": f"CASE WHEN {ctype.replace('c.', 'cr.')} LIKE 'COMMITTED_USAGE_DISCOUNT%' "
                                      "THEN cr.name END",
            "CommitmentDiscountType": f"CASE WHEN {ctype.replace('c.', 'cr.')} LIKE 'COMMITTED_USAGE_DISCOUNT%' "
                                      "THEN 'Committed Use' END",
            "CommitmentDiscountStatus": "NULL",
        })
        credit_from = f"(SELECT *, unnest({credits}) AS cr FROM src) AS src"
        focus_sql = f"{focus_select(base)}\nUNION ALL\n{focus_select(credit, credit_from)}"
        checks = [Check(c, bad_number(q(c), cols.types.get(c, "VARCHAR")), "not a number")
                  for c in ("cost", "usage_amount", "cost_at_list") if c in cols]
        checks += [Check(c, bad_time(q(c), cols.types.get(c, "VARCHAR")), "not a timestamp")
                   for c in ("usage_start_time", "usage_end_time") if c in cols]
        if "credits" in cols and not cols.types.get("credits", "").upper().endswith("[]"):
            txt = _json_text(q("credits"))
            checks.append(Check("credits", f"({txt} IS NOT NULL AND NOT json_valid({txt}))",
                                "credits is not a JSON array of credit records"))
            checks.append(Check("credits", f"list_bool_or(list_transform({credits}, lambda c: c.amount IS NOT NULL AND "
                                           f"TRY_CAST(c.amount AS {MONEY_SQL}) IS NULL))",
                                "a credit amount is not a number"))
        totals = (
            Total("cost", cost, "COALESCE(sum(BilledCost) FILTER (WHERE ChargeCategory <> 'Credit'), 0)"),
            Total("credits.amount", credit_sum, "COALESCE(sum(BilledCost) FILTER (WHERE ChargeCategory = 'Credit'), 0)"),
            Total("cost + credits", f"{cost} + {credit_sum}", "sum(EffectiveCost)"),
        )
        return Plan(focus_sql=focus_sql, billing_period_sql=period_start, billing_account_sql=t("billing_account_id"),
                    totals=totals, checks=tuple(checks), currency_sql=f"upper({t('currency')})")


GCP_EXPORT = GcpExportFormat()
