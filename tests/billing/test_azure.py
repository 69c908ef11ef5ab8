"""Azure exports: EA/MCA, actual vs amortized, BOM, M/D/YYYY, tags with/without braces, non-USD."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import duckdb

from finml.billing.ingest import ingest
from finml.store.costs import CostStore

EA_HEADER = ["BillingAccountId", "BillingAccountName", "BillingPeriodStartDate", "BillingPeriodEndDate",
             "SubscriptionId", "SubscriptionName", "Date", "MeterCategory", "MeterId", "ResourceLocation",
             "ResourceId", "Quantity", "UnitOfMeasure", "CostInBillingCurrency", "BillingCurrencyCode",
             "ChargeType", "PricingModel", "ReservationId", "ReservationName", "Frequency", "Tags", "AdditionalInfo"]


def _ea(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(EA_HEADER)
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _row(day: str, cat: str, cost: str, charge: str = "Usage", model: str = "OnDemand", rid: str = "",
         tags: str = '"team": "web","env": "prod"') -> list[str]:
    return ["8611537", "Contoso", "10/1/2026", "10/31/2026", "sub-1", "prod", day, cat, "meter-1", "West Europe",
            "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1", "24", "1 Hour",
            cost, "EUR", charge, model, rid, "ri-name" if rid else "", "UsageBased", tags,
            '{"ServiceType": "Standard_D4s_v5"}']


def _focus(data_dir: Path) -> list[tuple]:
    return duckdb.sql(f"SELECT ChargeCategory, CommitmentDiscountStatus, BilledCost, EffectiveCost, BillingCurrency, "
                      f"ChargePeriodStart::VARCHAR, BillingPeriodEnd::VARCHAR, Tags, x_InstanceType, RegionId "
                      f"FROM {CostStore(data_dir).scan_sql()} ORDER BY x_SourceRow").fetchall()


def test_ea_amortized_export(tmp_path: Path, data_dir: Path) -> None:
    f = tmp_path / "AmortizedCost_2026-10.csv"
    f.write_bytes(_ea([
        _row("10/5/2026", "Virtual Machines", "10.00"),
        _row("10/5/2026", "Virtual Machines", "4.00", model="Reservation", rid="/reservations/r1"),
        _row("10/5/2026", "Virtual Machines", "2.00", charge="UnusedReservation", model="Reservation",
             rid="/reservations/r1"),
        _row("10/1/2026", "Virtual Machines", "180.00", charge="Purchase", model="Reservation",
             rid="/reservations/r1", tags=""),
    ]))
    report = ingest([str(f)], data_dir=data_dir)
    assert all(ln.ok for ln in report.lines)
    rows = _focus(data_dir)
    assert sum(r[2] for r in rows) == Decimal("190")  # billed: on-demand + the purchase
    assert sum(r[3] for r in rows) == Decimal("16")  # effective: on-demand + amortised RI + unused RI
    assert [r[1] for r in rows] == [None, "Used", "Unused", None]
    assert rows[0][4] == "EUR"
    assert rows[0][5] == "2026-10-05 00:00:00+00"
    assert rows[0][6] == "2026-11-01 00:00:00+00"  # inclusive end date -> exclusive FOCUS end
    assert rows[0][7] == {"team": "web", "env": "prod"}  # tags without braces
    assert rows[0][8] == "Standard_D4s_v5" and rows[0][9] == "westeurope"
    assert rows[3][0] == "Purchase" and rows[3][3] == 0


def test_ea_actual_export_is_not_amortised(tmp_path: Path, data_dir: Path) -> None:
    f = tmp_path / "ActualCost_2026-10.csv"
    f.write_bytes(_ea([
        _row("10/5/2026", "Virtual Machines", "10.00"),
        _row("10/5/2026", "Virtual Machines", "0", model="Reservation", rid="/reservations/r1"),
        _row("10/1/2026", "Virtual Machines", "180.00", charge="Purchase", model="Reservation",
             rid="/reservations/r1"),
    ]))
    ingest([str(f)], data_dir=data_dir)
    rows = _focus(data_dir)
    assert sum(r[2] for r in rows) == sum(r[3] for r in rows) == Decimal("190")


def test_mca_camel_case_iso_dates_braced_tags(tmp_path: Path, data_dir: Path) -> None:
    header = ["billingAccountId", "billingPeriodStartDate", "billingPeriodEndDate", "subscriptionId", "date",
              "meterCategory", "meterId", "resourceLocation", "costInBillingCurrency", "billingCurrency", "chargeType",
              "pricingModel", "tags", "quantity"]
    f = tmp_path / "mca.csv"
    with open(f, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerow(["acct-mca", "2026-10-01", "2026-10-31", "sub-2", "2026-10-07", "Storage", "m2", "uksouth",
                    "1.2345678912", "GBP", "Usage", "OnDemand", '{"team":"data"}', "3"])
        w.writerow(["acct-mca", "2026-10-01", "2026-10-31", "sub-2", "2026-10-08", "Storage", "m2", "uksouth",
                    "2.5", "GBP", "Usage", "OnDemand", "", "3"])
    report = ingest([str(f)], data_dir=data_dir)
    assert report.lines[0].source_total == Decimal("3.7345678912")
    rows = _focus(data_dir)
    assert rows[0][4] == "GBP" and rows[0][7] == {"team": "data"} and rows[1][7] == {}
