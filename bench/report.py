"""Benchmark: an HTML report over N FOCUS cost rows in the store (default 5 million).

Generates the rows with DuckDB straight into the cost store's Parquet layout (4 providers x 3
months, ~200 accounts, 40 services, 20 regions, 50,000 resources, tags, commitments, a planted spike),
then times ``finml report`` in a subprocess and prints wall time, peak RSS and file size next to the
targets (seconds; under 5 MB).

    python bench/report.py [--rows 5000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROVIDERS = [("aws", "AWS"), ("azure", "Microsoft"), ("gcp", "Google Cloud"), ("alibaba", "Alibaba Cloud")]
MONTHS = ["2026-08", "2026-09", "2026-10"]


def generate(data_dir: Path, rows: int) -> float:
    import duckdb

    from finml.store.costs import CostStore

    store = CostStore(data_dir)
    per_part = rows // (len(PROVIDERS) * len(MONTHS))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    t0 = time.perf_counter()
    for key, name in PROVIDERS:
        for mi, month in enumerate(MONTHS):
            path = store.partition_path(key, month, "payer")
            path.parent.mkdir(parents=True, exist_ok=True)
            spike = "CASE WHEN d = 29 AND svc = 3 AND mi = 2 THEN 40 ELSE 1 END"
            con.execute(f"""
                COPY (
                  WITH g AS (
                    SELECT i, {mi} AS mi, (i % 30) AS d, (hash(i) % 40) AS svc, (hash(i * 7) % 200) AS acct,
                           (hash(i * 13) % 20) AS reg, (hash(i * 17) % 50000) AS res, (hash(i * 31) % 1000) AS amt
                    FROM range({per_part}) t(i)
                  )
                  SELECT 'payer' AS BillingAccountId, NULL::VARCHAR AS BillingAccountName, 'USD' AS BillingCurrency,
                    TIMESTAMPTZ '{month}-01 00:00:00+00' AS BillingPeriodStart,
                    TIMESTAMPTZ '{month}-01 00:00:00+00' + INTERVAL 1 MONTH AS BillingPeriodEnd,
                    TIMESTAMPTZ '{month}-01 00:00:00+00' + to_days(d::INT) + to_hours((i % 24)::INT) AS ChargePeriodStart,
                    TIMESTAMPTZ '{month}-01 00:00:00+00' + to_days(d::INT) + to_hours((i % 24)::INT + 1) AS ChargePeriodEnd,
                    'Usage' AS ChargeCategory, NULL::VARCHAR AS ChargeClass, NULL::VARCHAR AS ChargeDescription,
                    'Usage-Based' AS ChargeFrequency,
                    (amt / 1000.0 * {spike})::DECIMAL(38,10) AS BilledCost,
                    CASE WHEN svc = 0 AND i % 5 = 0 THEN 0.4 ELSE amt / 1000.0 * {spike} END::DECIMAL(38,10) AS EffectiveCost,
                    (amt / 900.0)::DECIMAL(38,10) AS ListCost, (amt / 1000.0)::DECIMAL(38,10) AS ContractedCost,
                    NULL::DECIMAL(38,10) AS ListUnitPrice, NULL::DECIMAL(38,10) AS ContractedUnitPrice,
                    'Standard' AS PricingCategory, 1::DECIMAL(38,10) AS PricingQuantity, 'Hours' AS PricingUnit,
                    1::DECIMAL(38,10) AS ConsumedQuantity, 'Hours' AS ConsumedUnit,
                    '{name}' AS ProviderName, '{name}' AS PublisherName, '{name}' AS InvoiceIssuerName,
                    'Service ' || svc AS ServiceName, CASE WHEN svc < 10 THEN 'Compute' ELSE 'Storage' END AS ServiceCategory,
                    '{key}-acct-' || acct AS SubAccountId, NULL::VARCHAR AS SubAccountName,
                    'region-' || reg AS RegionId, NULL::VARCHAR AS RegionName, NULL::VARCHAR AS AvailabilityZone,
                    '{key}-res-' || res AS ResourceId, NULL::VARCHAR AS ResourceName, NULL::VARCHAR AS ResourceType,
                    NULL::VARCHAR AS SkuId, NULL::VARCHAR AS SkuPriceId,
                    CASE WHEN svc = 0 THEN 'ri-{key}-' || (acct % 5) END AS CommitmentDiscountId, NULL::VARCHAR AS CommitmentDiscountName,
                    CASE WHEN svc = 0 THEN 'Reservation' END AS CommitmentDiscountType, NULL::VARCHAR AS CommitmentDiscountCategory,
                    CASE WHEN svc = 0 THEN (CASE WHEN i % 5 = 0 THEN 'Unused' ELSE 'Used' END) END AS CommitmentDiscountStatus,
                    MAP {{'team': 'team-' || (acct % 12), 'env': CASE WHEN acct % 3 = 0 THEN 'prod' ELSE 'dev' END}} AS Tags,
                    NULL::VARCHAR AS x_InstanceType, 'bench' AS x_SourceFile, i AS x_SourceRow
                  FROM g
                ) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
            """)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--keep", type=Path, help="Keep the generated store here.")
    args = ap.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="finml-bench-report-"))
    try:
        gen_s = generate(data_dir, args.rows)
        print(f"generated {args.rows:,} FOCUS rows in {gen_s:.1f} s")
        out = data_dir / "report.html"
        env = {**os.environ, "FINML_DATA_DIR": str(data_dir)}
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "finml", "report", "-o", str(out)], env=env,
                              capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr)
            raise SystemExit(proc.returncode)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size_mb = out.stat().st_size / 1e6
        print(proc.stderr.strip())
        print(f"finml report over {args.rows:,} rows: {wall:.2f} s wall (target: seconds), "
              f"peak RSS {peak_mb:.0f} MB, file {size_mb:.2f} MB (target < 5 MB) -> "
              f"{'OK' if wall < 10 and size_mb < 5 else 'MISSED'}")
    finally:
        if args.keep is None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
