"""Azure Cost Management exports: EA (PascalCase) and MCA (camelCase) cost details, actual and
amortized, plus the older pay-as-you-go usage layout (``PreTaxCost``/``UsageDateTime``).

Columns are matched case-insensitively with aliases (``CostInBillingCurrency``/``PreTaxCost`` ->
``cost``, ``Date``/``UsageDateTime`` -> ``date``, ...). Dates may be ``M/D/YYYY`` or ISO; tags may
come with or without their braces; the billing currency is whatever the file says (never
converted).

Amortisation: an *amortized* export already spreads reservation and savings-plan purchases over
the covered usage (``PricingModel`` Reservation/SavingsPlan) and adds ``UnusedReservation`` /
``UnusedSavingsPlan`` rows. finml maps those rows to BilledCost 0 and EffectiveCost = cost
(CommitmentDiscountStatus Used/Unused) and gives commitment purchases EffectiveCost 0. A file is
taken as amortized when it holds unused-commitment rows, commitment-covered usage with a cost, or
"amortized" in its name; an *actual* export cannot be amortised (covered usage costs 0 there), so
its purchases keep EffectiveCost = cost and the report notes it.
"""

from __future__ import annotations

from finml.billing.base import Check, Plan, Total
from finml.billing.normalise import AZURE_SERVICE_CATEGORY, case_map, focus_select
from finml.billing.sql import (
    Cols,
    bad_number,
    bad_time,
    month_start,
    next_month,
    plus_hours,
    q,
    tags_from_json,
)

_ALIASES = {
    "costinbillingcurrency": "cost", "pretaxcost": "cost",
    "usagedatetime": "date", "usagedate": "date",
    "subscriptionguid": "subscriptionid",
    "billingcurrencycode": "currency", "billingcurrency": "currency",
    "usagequantity": "quantity",
    "instanceid": "resourceid",
    "paygcostinbillingcurrency": "listcost",
    "resourcerate": "effectiveprice",
}
MONEY_COLUMNS = ("cost", "quantity", "effectiveprice", "unitprice", "paygprice", "listcost")


class AzureExportFormat:
    name = "azure-export"
    provider = "azure"
    title = "Azure Cost Management export (EA/MCA, actual or amortized)"
    mandatory = ("cost", "date")

    def score(self, raw_columns: dict[str, str]) -> int:
        cols = set(raw_columns)
        if not cols & {"metercategory", "meterid"}:
            return 0
        return 70 if cols & {"costinbillingcurrency", "pretaxcost", "cost"} else 10

    def canonical(self, raw: str) -> str:
        low = raw.strip().lower()
        return _ALIASES.get(low, low)

    def plan(self, cols: Cols, source: str) -> Plan:
        t = cols.text
        zero = "CAST(0 AS DECIMAL(38,10))"
        cost = f"COALESCE({cols.money('cost')}, {zero})"
        charge = f"COALESCE({t('chargetype')}, 'Usage')"
        model = t("pricingmodel")
        commit_id = f"COALESCE({t('reservationid')}, {t('benefitid')})"
        commit_name = f"COALESCE({t('reservationname')}, {t('benefitname')})"
        is_sp = (f"({model} = 'SavingsPlan' OR {charge} = 'UnusedSavingsPlan' OR "
                 f"lower(COALESCE({t('benefitid')}, '')) LIKE '%savingsplan%')")
        covered = f"({charge} = 'Usage' AND {model} IN ('Reservation', 'SavingsPlan'))"
        unused = f"({charge} IN ('UnusedReservation', 'UnusedSavingsPlan'))"
        commit_purchase = (f"({charge} IN ('Purchase', 'Refund') AND ({model} IN ('Reservation', 'SavingsPlan') "
                           f"OR {commit_id} IS NOT NULL))")
        amortized_hint = "TRUE" if "amortized" in source.lower() or "amortised" in source.lower() else "FALSE"
        is_amortized = (f"(SELECT {amortized_hint} OR COALESCE(bool_or({unused} OR ({covered} AND {cost} <> 0)), FALSE) "
                        "FROM src)")
        effective = (f"CASE WHEN {commit_purchase} AND {is_amortized} THEN {zero} ELSE {cost} END")
        billed = f"CASE WHEN {covered} OR {unused} THEN {zero} ELSE {cost} END"
        date = cols.time("date")
        period_start = f"COALESCE({cols.time('billingperiodstartdate')}, {month_start(date)})"
        period_end = f"COALESCE({plus_hours(cols.time('billingperiodenddate'), 24)}, {next_month(period_start)})"
        quantity = cols.money("quantity")
        location = t("resourcelocation")
        region_id = (f"regexp_replace(lower(replace({location}, ' ', '')), '^us(east|west|north|south|central)', "
                     "'\\1us')")
        list_cost = cols.money("listcost") if "listcost" in cols else (
            f"({cols.money('paygprice')} * {quantity})" if "paygprice" in cols else "NULL")
        account = f"COALESCE({t('billingaccountid')}, {t('subscriptionid')})"
        additional = t("additionalinfo")
        exprs = {
            "BillingAccountId": account,
            "BillingAccountName": t("billingaccountname"),
            "BillingCurrency": f"upper({t('currency')})",
            "BillingPeriodStart": period_start,
            "BillingPeriodEnd": period_end,
            "ChargePeriodStart": date,
            "ChargePeriodEnd": plus_hours(date, 24),
            "ChargeCategory": f"CASE WHEN {charge} IN ('Usage', 'UnusedReservation', 'UnusedSavingsPlan') THEN 'Usage' "
                              f"WHEN {charge} IN ('Purchase', 'Refund') THEN 'Purchase' WHEN {charge} = 'Tax' THEN 'Tax' "
                              f"WHEN {charge} = 'Credit' THEN 'Credit' ELSE 'Adjustment' END",
            "ChargeClass": f"CASE WHEN {charge} = 'Refund' THEN 'Correction' END",
            "ChargeDescription": f"COALESCE({t('productname')}, {t('product')}, {t('metername')})",
            "ChargeFrequency": f"CASE {t('frequency')} WHEN 'OneTime' THEN 'One-Time' WHEN 'Recurring' THEN 'Recurring' "
                               "ELSE 'Usage-Based' END",
            "BilledCost": billed,
            "EffectiveCost": effective,
            "ListCost": list_cost,
            "ContractedCost": billed,
            "ListUnitPrice": cols.money("paygprice"),
            "ContractedUnitPrice": f"COALESCE({cols.money('unitprice')}, {cols.money('effectiveprice')})",
            "PricingCategory": f"CASE WHEN {covered} OR {unused} THEN 'Committed' WHEN {model} = 'Spot' THEN 'Dynamic' "
                               f"WHEN {charge} = 'Usage' THEN 'Standard' END",
            "PricingQuantity": quantity,
            "PricingUnit": t("unitofmeasure"),
            "ConsumedQuantity": f"CASE WHEN {charge} = 'Usage' THEN {quantity} END",
            "ConsumedUnit": f"CASE WHEN {charge} = 'Usage' THEN {t('unitofmeasure')} END",
            "ProviderName": "'Microsoft'",
            "PublisherName": f"COALESCE({t('publishername')}, 'Microsoft')",
            "InvoiceIssuerName": "'Microsoft'",
            "ServiceName": f"COALESCE({t('metercategory')}, {t('servicename')}, {t('consumedservice')})",
            "ServiceCategory": case_map(t("metercategory"), AZURE_SERVICE_CATEGORY, "'Other'"),
            "SubAccountId": t("subscriptionid"),
            "SubAccountName": t("subscriptionname"),
            "RegionId": region_id,
            "RegionName": location,
            "AvailabilityZone": t("availabilityzone"),
            "ResourceId": t("resourceid"),
            "ResourceName": t("resourcename"),
            "ResourceType": t("resourcetype"),
            "SkuId": t("meterid"),
            "SkuPriceId": t("partnumber"),
            "CommitmentDiscountId": f"CASE WHEN {covered} OR {unused} OR {commit_purchase} THEN {commit_id} END",
            "CommitmentDiscountName": f"CASE WHEN {covered} OR {unused} OR {commit_purchase} THEN {commit_name} END",
            "CommitmentDiscountType": f"CASE WHEN {covered} OR {unused} OR {commit_purchase} THEN "
                                      f"CASE WHEN {is_sp} THEN 'Savings Plan' ELSE 'Reservation' END END",
            "CommitmentDiscountCategory": f"CASE WHEN {covered} OR {unused} OR {commit_purchase} THEN "
                                          f"CASE WHEN {is_sp} THEN 'Spend' ELSE 'Usage' END END",
            "CommitmentDiscountStatus": f"CASE WHEN {unused} THEN 'Unused' WHEN {covered} THEN 'Used' END",
            "Tags": tags_from_json(q("tags")) if "tags" in cols else "MAP {}::MAP(VARCHAR, VARCHAR)",
            "x_InstanceType": (f"CASE WHEN json_valid({additional}) THEN json_extract_string({additional}, "
                               "'$.ServiceType') END") if "additionalinfo" in cols else "NULL",
            "x_SourceRow": "__row",
        }
        checks = [Check(c, bad_number(q(c), cols.types.get(c, "VARCHAR")), "not a number")
                  for c in MONEY_COLUMNS if c in cols]
        checks += [Check(c, bad_time(q(c), cols.types.get(c, "VARCHAR")), "not a date (M/D/YYYY or ISO 8601)")
                   for c in ("date", "billingperiodstartdate", "billingperiodenddate") if c in cols]
        totals = (
            Total("cost (CostInBillingCurrency)", cost,
                  "sum(BilledCost) + COALESCE(sum(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus IS NOT NULL), 0)"),
            Total("amortised cost", effective.replace("CASE WHEN", "CASE WHEN", 1), "sum(EffectiveCost)"),
        )
        notes = ()
        return Plan(focus_sql=focus_select(exprs), billing_period_sql=period_start, billing_account_sql=account,
                    totals=totals, checks=tuple(checks), currency_sql=f"upper({t('currency')})", notes=notes)


AZURE_EXPORT = AzureExportFormat()

