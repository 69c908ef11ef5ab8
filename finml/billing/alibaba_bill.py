"""Alibaba Cloud bills: the instance bill CSV files delivered to OSS and the BSS OpenAPI
``DescribeInstanceBill`` items (see :mod:`finml.billing.alibaba_api`, which saves them as JSONL).

Both use the BSS field names (``BillingCycle``, ``BillingDate``, ``UsageStartTime``,
``PretaxAmount``, ``PretaxGrossAmount``, ``Item``, ``SubscriptionType``, ``ServicePeriod``, ...).
Alibaba states times in Beijing time (UTC+8, no daylight saving): they are converted to UTC, so
a billing day 2026-10-05 covers 2026-10-04T16:00Z to 2026-10-05T16:00Z.

Amortisation: a subscription order (``Item`` SubscriptionOrder) is billed once, up front. finml
keeps that row (Purchase, BilledCost = PretaxAmount, EffectiveCost 0) and adds one Usage row per
day of the service period (``ServicePeriod`` x ``ServicePeriodUnit`` from the usage start), with
BilledCost 0 and EffectiveCost an exact share of the order (split in units of 10^-10, the
remainder on the first days), so that the daily effective cost adds up to the order to the last
digit.
"""

from __future__ import annotations

from finml.billing.base import Check, Plan, Total
from finml.billing.normalise import ALIBABA_SERVICE_CATEGORY, case_map, focus_select
from finml.billing.sql import MONEY_SQL, Cols, bad_number, bad_time, next_month, q, tags_from_pairs

BEIJING = 8
_ALIASES = {"billaccountid": "accountid", "billaccountname": "accountname", "instance id": "instanceid",
            "pretax amount": "pretaxamount", "pretax gross amount": "pretaxgrossamount"}
MONEY_COLUMNS = ("pretaxamount", "pretaxgrossamount", "paymentamount", "invoicediscount", "usage", "listprice")


def _units_to_money(units: str) -> str:
    """A HUGEINT count of 10^-10 units -> exact DECIMAL(38,10) (no division, no float)."""
    a = f"abs({units})"
    return (f"CAST((CASE WHEN {units} < 0 THEN '-' ELSE '' END) || CAST({a} // 10000000000 AS VARCHAR) || '.' || "
            f"lpad(CAST({a} % 10000000000 AS VARCHAR), 10, '0') AS {MONEY_SQL})")


class AlibabaBillFormat:
    name = "alibaba-bill"
    provider = "alibaba"
    title = "Alibaba Cloud instance bill (OSS CSV or DescribeInstanceBill)"
    mandatory = ("billingcycle", "pretaxamount", "productcode")

    def score(self, raw_columns: dict[str, str]) -> int:
        cols = set(raw_columns)
        return 70 if {"pretaxamount", "productcode"} <= cols and "billingcycle" in cols else 0

    def canonical(self, raw: str) -> str:
        low = raw.strip().lower()
        return _ALIASES.get(low, low)

    def plan(self, cols: Cols, source: str) -> Plan:
        t = cols.text
        zero = f"CAST(0 AS {MONEY_SQL})"
        amount = f"COALESCE({cols.money('pretaxamount')}, {zero})"
        item = f"COALESCE({t('item')}, 'PayAsYouGoBill')"
        cycle = t("billingcycle")
        period_start = (f"CAST(CAST(strptime({cycle}, '%Y-%m') AS TIMESTAMP) - INTERVAL {BEIJING} HOUR "
                        "AS TIMESTAMPTZ)")
        day = cols.time("billingdate", offset_hours=BEIJING)
        start = f"COALESCE({cols.time('usagestarttime', offset_hours=BEIJING)}, {day}, {period_start})"
        end_raw = cols.time("usageendtime", offset_hours=BEIJING)
        default_end = f"COALESCE({day} + INTERVAL 1 DAY, {next_month(period_start)})"
        unit = f"lower(COALESCE({t('serviceperiodunit')}, 'month'))"
        n = f"COALESCE(TRY_CAST({t('serviceperiod')} AS INTEGER), 1)"
        service_end = (f"CASE WHEN {unit} IN ('year', '年') THEN {start} + to_years({n}) "
                       f"WHEN {unit} IN ('day', '日', '天') THEN {start} + to_days({n}) "
                       f"WHEN {unit} IN ('hour', '小时') THEN {start} + to_hours({n}) "
                       f"WHEN {unit} IN ('week', '周') THEN {start} + to_days(7 * {n}) "
                       f"ELSE {start} + to_months({n}) END")
        is_order = f"({item} = 'SubscriptionOrder')"
        product = t("productcode")
        base = {
            "BillingAccountId": f"COALESCE({t('accountid')}, {t('ownerid')})",
            "BillingAccountName": t("accountname"),
            "BillingCurrency": f"upper(COALESCE({t('currency')}, 'CNY'))",
            "BillingPeriodStart": period_start,
            "BillingPeriodEnd": f"{period_start} + INTERVAL 1 MONTH",
            "ChargePeriodStart": start,
            "ChargePeriodEnd": f"COALESCE(CASE WHEN {end_raw} > {start} THEN {end_raw} END, {default_end})",
            "ChargeCategory": f"CASE WHEN {is_order} THEN 'Purchase' WHEN {item} = 'Refund' THEN 'Purchase' "
                              f"WHEN {item} = 'Adjustment' THEN 'Adjustment' ELSE 'Usage' END",
            "ChargeClass": f"CASE WHEN {item} = 'Refund' THEN 'Correction' END",
            "ChargeDescription": f"COALESCE({t('productdetail')}, {t('productname')})",
            "ChargeFrequency": f"CASE WHEN {is_order} THEN 'One-Time' ELSE 'Usage-Based' END",
            "BilledCost": amount,
            "EffectiveCost": f"CASE WHEN {is_order} THEN {zero} ELSE {amount} END",
            "ListCost": cols.money("pretaxgrossamount"),
            "ContractedCost": amount,
            "ListUnitPrice": cols.money("listprice"),
            "PricingCategory": f"CASE WHEN {t('subscriptiontype')} = 'Subscription' THEN 'Committed' "
                               f"WHEN {t('subscriptiontype')} = 'PayAsYouGo' THEN 'Standard' END",
            "PricingQuantity": cols.money("usage"),
            "PricingUnit": t("usageunit"),
            "ConsumedQuantity": cols.money("usage"),
            "ConsumedUnit": t("usageunit"),
            "ProviderName": "'Alibaba Cloud'",
            "PublisherName": "'Alibaba Cloud'",
            "InvoiceIssuerName": "'Alibaba Cloud'",
            "ServiceName": f"COALESCE({t('productname')}, {product})",
            "ServiceCategory": case_map(f"lower({product})", ALIBABA_SERVICE_CATEGORY, "'Other'"),
            "SubAccountId": f"COALESCE({t('ownerid')}, {t('accountid')})",
            "SubAccountName": t("owneraccountname"),
            "RegionId": t("region"),
            "RegionName": t("region"),
            "AvailabilityZone": t("zone"),
            "ResourceId": t("instanceid"),
            "ResourceName": t("nickname"),
            "ResourceType": t("producttype"),
            "SkuId": t("commoditycode"),
            "Tags": tags_from_pairs(q("tag")) if "tag" in cols else "MAP {}::MAP(VARCHAR, VARCHAR)",
            "x_InstanceType": f"CASE WHEN lower({product}) = 'ecs' THEN {t('instancespec')} END",
            "x_SourceRow": "__row",
        }
        # One amortisation row per day of each subscription order's service period.
        days = f"greatest(1, CAST(ceil(date_diff('hour', {start}, {service_end}) / 24.0) AS INTEGER))"
        units = f"CAST(replace(CAST({amount} AS VARCHAR), '.', '') AS HUGEINT)"
        orders = (f"(SELECT *, {days} AS __n, {units} AS __u, {start} AS __s, {service_end} AS __e FROM src "
                  f"WHERE {is_order} AND {amount} <> 0)")
        expanded = f"(SELECT o.*, unnest(range(o.__n)) AS __k FROM {orders} AS o) AS src"
        share = ("(CASE WHEN __u < 0 THEN -1 ELSE 1 END) * (abs(__u) // __n + "
                 "(CASE WHEN __k < abs(__u) % __n THEN 1 ELSE 0 END))")
        amort = dict(base)
        amort.update({
            "ChargeCategory": "'Usage'",
            "ChargeFrequency": "'Usage-Based'",
            "ChargeDescription": f"'Amortised subscription: ' || COALESCE({t('productname')}, {product}, '')",
            "ChargePeriodStart": "__s + to_days(CAST(__k AS INTEGER))",
            "ChargePeriodEnd": "least(__s + to_days(CAST(__k AS INTEGER) + 1), __e)",
            "BilledCost": zero,
            "EffectiveCost": _units_to_money(share),
            "ListCost": "NULL", "ContractedCost": zero, "PricingQuantity": "NULL", "ConsumedQuantity": "NULL",
            "PricingCategory": "'Committed'",
        })
        focus_sql = f"{focus_select(base)}\nUNION ALL\n{focus_select(amort, expanded)}"
        checks = [Check(c, bad_number(q(c), cols.types.get(c, "VARCHAR")), "not a number")
                  for c in MONEY_COLUMNS if c in cols]
        checks.append(Check("billingcycle", f"TRY_STRPTIME({cycle}, '%Y-%m') IS NULL",
                            "billing cycle is not YYYY-MM"))
        checks += [Check(c, bad_time(q(c), cols.types.get(c, "VARCHAR")), "not a date/time")
                   for c in ("billingdate", "usagestarttime", "usageendtime") if c in cols]
        totals = [Total("PretaxAmount", amount, "sum(BilledCost)"),
                  Total("PretaxAmount (amortised)", amount, "sum(EffectiveCost)")]
        if "pretaxgrossamount" in cols:
            totals.append(Total("PretaxGrossAmount", f"COALESCE({cols.money('pretaxgrossamount')}, {zero})",
                                "COALESCE(sum(ListCost), 0)"))
        key = None
        if cols.has("recordid", "instanceid"):
            key = (f"COALESCE({t('recordid')}, '') || '|' || COALESCE({t('instanceid')}, '') || '|' || "
                   f"COALESCE({t('billingdate')}, '') || '|' || COALESCE({t('billingitem')}, '')")
        return Plan(focus_sql=focus_sql, billing_period_sql=period_start, billing_account_sql=base["BillingAccountId"],
                    totals=tuple(totals), checks=tuple(checks), currency_sql=base["BillingCurrency"], key_sql=key)


ALIBABA_BILL = AlibabaBillFormat()
