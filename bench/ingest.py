"""Benchmark: ingest a realistic CUR 2.0 Parquet file into the finml cost store.

Generates N rows (default 5,000,000) of CUR 2.0 (Data Exports) Parquet -- one payer (an AWS
organisation's management account, as in a real CUR delivery), 200 usage
accounts, 12 services, 50,000 resources, RI and Savings Plan lines, ``product``/``resource_tags``
maps -- then times, each in its own process on the same file:

1. ``finml ingest`` (detect, validate, normalise + amortise, write partitions, reconcile);
2. the floor: DuckDB alone reading the file and writing the same columns to Parquet;
3. the FinOps Foundation ``focus-converter`` (``--converter PATH``, default: on PATH; it needs its
   own virtualenv, see the ``bench`` extra in pyproject.toml), reporting exactly why it cannot run;
4. ``finml costs --group-by service --granularity day`` over the ingested store.

Prints rows/s, peak RSS (from wait4) and the ratios against the targets.

    python bench/ingest.py --rows 2000000
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GEN_SQL = """
COPY (
WITH base AS (
  SELECT i, CAST(hash(i, 1) % 1000003 AS BIGINT) AS h1, CAST(hash(i, 2) % 1000003 AS BIGINT) AS h2,
         CAST(hash(i, 3) % 1000003 AS BIGINT) AS h3,
         CASE WHEN i % 200000 = 7 THEN 'RIFee' WHEN i % 200000 = 8 THEN 'SavingsPlanRecurringFee'
              WHEN i % 100 < 80 THEN 'Usage' WHEN i % 100 < 88 THEN 'DiscountedUsage'
              WHEN i % 100 < 94 THEN 'SavingsPlanCoveredUsage' WHEN i % 100 < 98 THEN 'SavingsPlanNegation'
              ELSE 'Tax' END AS lit,
         (['AmazonEC2','AmazonS3','AmazonRDS','AWSLambda','AmazonDynamoDB','AmazonCloudWatch','AmazonVPC',
           'AmazonSageMaker','AmazonEKS','AmazonElastiCache','AWSDataTransfer','AmazonEFS'])[1 + i % 12] AS code,
         (['us-east-1','us-west-2','eu-west-1','ap-southeast-1','eu-central-1'])[1 + CAST(hash(i, 4) % 5 AS BIGINT)] AS region
  FROM range({rows}) t(i)
)
SELECT
  'li' || i AS identity_line_item_id,
  strftime(TIMESTAMP '2026-10-01' + to_hours(CAST(i % 744 AS INTEGER)), '%Y-%m-%dT%H:00:00Z') || '/' ||
    strftime(TIMESTAMP '2026-10-01' + to_hours(CAST(i % 744 AS INTEGER) + 1), '%Y-%m-%dT%H:00:00Z') AS identity_time_interval,
  'Anniversary' AS bill_bill_type,
  'AWS' AS bill_billing_entity,
  'Amazon Web Services, Inc.' AS bill_invoicing_entity,
  '100000000000' AS bill_payer_account_id,
  'org-management' AS bill_payer_account_name,
  TIMESTAMP '2026-10-01' AS bill_billing_period_start_date,
  TIMESTAMP '2026-11-01' AS bill_billing_period_end_date,
  lpad(CAST(200000000000 + (h1 % 200) AS VARCHAR), 12, '0') AS line_item_usage_account_id,
  'account-' || (h1 % 200) AS line_item_usage_account_name,
  lit AS line_item_line_item_type,
  TIMESTAMP '2026-10-01' + to_hours(CAST(i % 744 AS INTEGER)) AS line_item_usage_start_date,
  TIMESTAMP '2026-10-01' + to_hours(CAST(i % 744 AS INTEGER) + 1) AS line_item_usage_end_date,
  code AS line_item_product_code,
  'USE1-BoxUsage:m5.large' AS line_item_usage_type,
  'RunInstances' AS line_item_operation,
  region || 'a' AS line_item_availability_zone,
  'arn:aws:' || lower(code) || ':' || region || ':' || lpad(CAST(200000000000 + (h1 % 200) AS VARCHAR), 12, '0')
    || ':resource/r-' || (h2 % 50000) AS line_item_resource_id,
  CAST(1 + h3 % 100 AS DOUBLE) / 10 AS line_item_usage_amount,
  'USD' AS line_item_currency_code,
  0.096 AS line_item_unblended_rate,
  CASE lit WHEN 'DiscountedUsage' THEN 0.0 WHEN 'SavingsPlanNegation' THEN -(CAST(h3 % 100000 AS DOUBLE) / 10000)
           WHEN 'RIFee' THEN 7142.4 WHEN 'SavingsPlanRecurringFee' THEN 3720.0
           ELSE CAST(h3 % 100000 AS DOUBLE) / 10000 END AS line_item_unblended_cost,
  'usage line ' || code AS line_item_line_item_description,
  'Amazon Web Services, Inc.' AS line_item_legal_entity,
  'Compute Instance' AS product_product_family,
  CASE WHEN code = 'AmazonEC2' THEN (['m5.large','c6i.xlarge','r6g.2xlarge','g5.xlarge'])[1 + h2 % 4] END
    AS product_instance_type,
  region AS product_region_code,
  code AS product_servicecode,
  'SKU' || (h2 % 3000) AS product_sku,
  MAP {{'product_name': code || ' service', 'location': region, 'operating_system': 'Linux'}} AS product,
  'Hrs' AS pricing_unit,
  'RATE' || (h2 % 3000) AS pricing_rate_code,
  CAST(h2 % 3000 AS VARCHAR) AS pricing_rate_id,
  CAST(h3 % 100000 AS DOUBLE) / 10000 * 1.2 AS pricing_public_on_demand_cost,
  0.115 AS pricing_public_on_demand_rate,
  CASE WHEN lit = 'DiscountedUsage' THEN 'Reserved' ELSE 'OnDemand' END AS pricing_term,
  CASE WHEN lit IN ('DiscountedUsage', 'RIFee') THEN 'arn:aws:ec2:' || region || ':100000000000:reserved-instances/ri-'
    || (h2 % 20) END AS reservation_reservation_a_r_n,
  CASE WHEN lit = 'DiscountedUsage' THEN CAST(h3 % 100000 AS DOUBLE) / 16000 ELSE 0.0 END AS reservation_effective_cost,
  CASE WHEN lit = 'RIFee' THEN 1200.5 ELSE 0.0 END AS reservation_unused_amortized_upfront_fee_for_billing_period,
  CASE WHEN lit = 'RIFee' THEN 800.25 ELSE 0.0 END AS reservation_unused_recurring_fee,
  CASE WHEN lit = 'RIFee' THEN '10' END AS reservation_total_reserved_units,
  CASE WHEN lit LIKE 'SavingsPlan%' THEN 'arn:aws:savingsplans::100000000000:savingsplan/sp-' || (h2 % 5) END
    AS savings_plan_savings_plan_a_r_n,
  CASE WHEN lit = 'SavingsPlanCoveredUsage' THEN CAST(h3 % 100000 AS DOUBLE) / 14000 ELSE 0.0 END
    AS savings_plan_savings_plan_effective_cost,
  CASE WHEN lit = 'SavingsPlanRecurringFee' THEN 3720.0 ELSE 0.0 END AS savings_plan_total_commitment_to_date,
  CASE WHEN lit = 'SavingsPlanRecurringFee' THEN 3600.0 ELSE 0.0 END AS savings_plan_used_commitment,
  MAP {{'user_team': (['ml','web','data','platform'])[1 + h1 % 4], 'user_env': (['prod','dev'])[1 + h2 % 2]}}
    AS resource_tags,
  MAP {{'cost_center': 'cc-' || (h1 % 10)}} AS cost_category
FROM base
) TO '{out}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)
"""


def _step_generate(args: argparse.Namespace) -> dict[str, object]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(GEN_SQL.format(rows=args.rows, out=args.file))
    return {}


def _step_finml(args: argparse.Namespace) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    from finml.billing.ingest import ingest

    t0 = time.perf_counter()
    report = ingest([args.file], data_dir=Path(args.store))
    secs = time.perf_counter() - t0
    return {"seconds": secs, "rows_out": report.files[0].rows_out, "partitions": len(report.partitions)}


def _step_floor(args: argparse.Namespace) -> dict[str, object]:
    import duckdb

    sys.path.insert(0, str(ROOT))
    from finml.billing.ingest import MEMORY_LIMIT

    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"COPY (SELECT * FROM read_parquet('{args.file}')) TO '{args.store}/floor.parquet' "
                "(FORMAT parquet, COMPRESSION zstd)")
    return {"seconds": time.perf_counter() - t0}


def _step_costs(args: argparse.Namespace) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    from finml.billing.query import aggregate

    t0 = time.perf_counter()
    res = aggregate(Path(args.store), group_by=("service",), granularity="day")
    return {"seconds": time.perf_counter() - t0, "groups": len(res.rows)}


STEPS = {"generate": _step_generate, "finml": _step_finml, "floor": _step_floor, "costs": _step_costs}


def _run(cmd: list[str], timeout: float | None = None) -> tuple[int, float, int, str]:
    """(exit status, wall seconds, peak RSS bytes, stdout+stderr tail) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = ""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        out += f"\n[timed out after {timeout:.0f} s]"
    # communicate() reaped the child; its own rusage is what RUSAGE_CHILDREN grew by.
    wall = time.perf_counter() - t0
    return proc.returncode, wall, _last_child_maxrss(), out


def _last_child_maxrss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def _child(step: str, args: argparse.Namespace, timeout: float | None = None) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--step", step, "--rows", str(args.rows), "--file", args.file,
           "--store", args.store]
    # Each step runs under its own wrapper so that RUSAGE_CHILDREN is that step's peak alone.
    wrapper = [sys.executable, "-c", _WRAPPER, json.dumps(cmd)]
    code, wall, _, out = _run(wrapper, timeout)
    lines = [ln for ln in out.strip().splitlines() if ln.startswith("{")]
    if code != 0 or not lines:
        raise SystemExit(f"step {step} failed:\n{out[-3000:]}")
    res: dict[str, object] = json.loads(lines[-1])
    res["wall"] = wall
    return res


_WRAPPER = """
import json, resource, subprocess, sys, time
cmd = json.loads(sys.argv[1])
limit = float(sys.argv[2]) if len(sys.argv) > 2 else None
t0 = time.perf_counter()
try:
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=limit)
    rc, out, err = p.returncode, p.stdout, p.stderr
except subprocess.TimeoutExpired as exc:
    def text(b):
        return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
    rc, out, err = 124, text(exc.stdout), text(exc.stderr) + f"\\n[killed: still running after {limit:.0f} s]"
wall = time.perf_counter() - t0
sys.stdout.write(out[-4000:] + err[-4000:])
res = {"rc": rc, "child_wall": wall, "peak_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}
for line in out.splitlines()[::-1]:
    if line.startswith("{"):
        res.update(json.loads(line))
        break
print(json.dumps(res))
sys.exit(rc)
"""


def _converter_exe(args: argparse.Namespace) -> str | None:
    exe = args.converter or shutil.which("focus-converter")
    return exe


def _converter_cmd(exe: str, src: Path, out: Path) -> list[str]:
    return [exe, "convert", "--provider", "aws", "--data-format", "parquet", "--parquet-data-format", "file",
            "--data-path", str(src), "--export-path", str(out)]


FLATTEN_SQL = """
COPY (SELECT * EXCLUDE (product, resource_tags, cost_category),
        product['product_name'] AS product_product_name, product['location'] AS product_location,
        product['operating_system'] AS product_operating_system,
        resource_tags['user_team'] AS resource_tags_user_team, resource_tags['user_env'] AS resource_tags_user_env
      FROM read_parquet('{src}')) TO '{out}' (FORMAT parquet, COMPRESSION snappy)
"""


def _run_converter(label: str, cmd: list[str], timeout: float, rows: int) -> float | None:
    code, wall, _, out = _run([sys.executable, "-c", _WRAPPER, json.dumps(cmd), str(timeout)], timeout + 60)
    stats: dict[str, object] = {}
    for ln in out.strip().splitlines()[::-1]:
        if ln.startswith("{"):
            stats = json.loads(ln)
            break
    if code != 0:
        lines = [ln for ln in out.strip().splitlines() if ln.strip() and not ln.startswith("{")]
        why = [ln.strip() for ln in lines if "Exception" in ln or "Error" in ln or "not supported" in ln]
        tail = (why[-2:] if why else []) + lines[-2:]
        print(f"{label}: FAILED (exit {code}) after {wall:.1f} s:\n    " + "\n    ".join(tail))
        return None
    secs = float(stats.get("child_wall", wall))  # type: ignore[arg-type]
    print(f"{label:<34} {secs:8.2f} s {rows / secs:>12,.0f} rows/s   peak RSS {_fmt_mb(stats.get('peak_rss', 0))}")
    return secs


def _fmt_mb(b: object) -> str:
    return f"{int(b) / 2**20:,.0f} MiB"  # type: ignore[call-overload]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--step", choices=sorted(STEPS))
    ap.add_argument("--file")
    ap.add_argument("--store")
    ap.add_argument("--converter", help="path to the focus-converter executable")
    ap.add_argument("--converter-timeout", type=float, default=1800)
    ap.add_argument("--converter-raw-timeout", type=float, default=90,
                    help="focus-converter 1.0 (polars 0.20) panics on Parquet MAP columns and then hangs")
    ap.add_argument("--no-converter", action="store_true",
                    help="skip focus-converter (it needed ~10 GiB RSS for 2 M rows; mind shared machines)")
    ap.add_argument("--keep", help="work in this folder and keep it")
    args = ap.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](args), default=str))
        return

    work = Path(args.keep or tempfile.mkdtemp(prefix="finml-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    args.file = str(work / f"cur2-{args.rows}.parquet")
    args.store = str(work / "store")
    if not Path(args.file).exists():
        print(f"generating {args.rows:,} CUR 2.0 rows ...", flush=True)
        _child("generate", args)
    size = Path(args.file).stat().st_size
    print(f"input: {args.file} ({size / 2**20:,.0f} MiB, {args.rows:,} rows)\n", flush=True)
    shutil.rmtree(args.store, ignore_errors=True)
    Path(args.store).mkdir(parents=True)

    finml = _child("finml", args)
    floor = _child("floor", args)
    costs = _child("costs", args)
    rows = args.rows

    def line(name: str, secs: float, rss: object) -> None:
        print(f"{name:<34} {secs:8.2f} s {rows / secs:>12,.0f} rows/s   peak RSS {_fmt_mb(rss)}")

    line("finml ingest", float(finml["seconds"]), finml["peak_rss"])  # type: ignore[arg-type]
    line("floor: DuckDB read+write Parquet", float(floor["seconds"]), floor["peak_rss"])  # type: ignore[arg-type]
    exe = None if args.no_converter else _converter_exe(args)
    conv_secs = None
    if args.no_converter:
        print("focus-converter: skipped (--no-converter)")
    elif exe is None:
        print("focus-converter: not installed (pip install 'finml[bench]' into its own venv, or pass "
              "--converter); skipped")
    else:
        work_dir = Path(args.store).parent
        _run_converter("focus-converter on the CUR 2.0 file",
                       _converter_cmd(exe, Path(args.file), work_dir / "fc-out-raw"), args.converter_raw_timeout, rows)
        flat = work_dir / "cur-flat.parquet"
        import duckdb

        duckdb.connect().execute(FLATTEN_SQL.format(src=args.file, out=flat))
        conv_secs = _run_converter("focus-converter (maps flattened)", _converter_cmd(exe, flat, work_dir / "fc-out"),
                                   args.converter_timeout, rows)
    print(f"{'finml costs --group-by service --granularity day':<34} {float(costs['seconds']):8.3f} s "  # type: ignore[arg-type]
          f"({costs['groups']} groups, peak RSS {_fmt_mb(costs['peak_rss'])})")
    ratio = float(finml["seconds"]) / float(floor["seconds"])  # type: ignore[arg-type]
    print(f"\nfinml / floor = {ratio:.2f}x (target <= 1.5x)")
    if conv_secs:
        print(f"focus-converter / finml = {conv_secs / float(finml['seconds']):.1f}x (target >= 5x)")  # type: ignore[arg-type]
    print(f"finml peak RSS {_fmt_mb(finml['peak_rss'])} (target < 2048 MiB); "
          f"{finml['rows_out']:,} FOCUS rows in {finml['partitions']} partitions")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
