"""``finml profile -- CMD`` and ``finml runs list|show|reconcile|leaderboard``."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
from typing import Any

import click

from finml.cli import load_config
from finml.cli.common import output_options, write_output
from finml.errors import UsageError

__all__ = ["profile", "runs"]


def _money(m: dict[str, str] | None, places: int = 4) -> str:
    if not m:
        return "-"
    from decimal import Decimal

    return f"{Decimal(m['amount']).quantize(Decimal(1).scaleb(-places))} {m['currency']}"


def _dash(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{value}{unit}"


def _tags(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for v in values:
        key, sep, val = v.partition("=")
        if not sep or not key:
            raise UsageError(f"--tag {v!r} is not KEY=VALUE", hint="e.g. --tag team=vision")
        out[key] = val
    return out


@click.command(context_settings={"ignore_unknown_options": True,
                                 "allow_interspersed_args": False})
@click.option("--interval", type=click.FloatRange(min=0.01), help="Seconds between samples (default 1).")
@click.option("--flush-interval", type=click.FloatRange(min=0.01),
              help="Seconds between ledger flushes (default 5): the most a SIGKILL loses.")
@click.option("--name", help="Run name (default: the command).")
@click.option("--tag", "tag_values", multiple=True, metavar="KEY=VALUE", help="Run tag (repeatable).")
@click.option("--checkpointed", is_flag=True,
              help="The job checkpoints and can resume (enables the spot-capacity advice).")
@click.option("--mlflow", "use_mlflow", is_flag=True,
              help="Annotate an MLflow run (created if --mlflow-run-id is not given; the command "
                   "sees it as MLFLOW_RUN_ID).")
@click.option("--mlflow-run-id", help="Annotate this existing MLflow run.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
@click.pass_context
def profile(ctx: click.Context, interval: float | None, flush_interval: float | None,
            name: str | None, tag_values: tuple[str, ...], checkpointed: bool, use_mlflow: bool,
            mlflow_run_id: str | None, command: tuple[str, ...]) -> None:
    """Run COMMAND (after --) and profile its whole process tree; exits with its exit code.

    Example: finml profile --name resnet -- python train.py --epochs 3
    """
    from profiler.run import ENV_RUN_DIR, ENV_RUN_ID, ProfileRun
    from profiler.settings import load_settings

    config = load_config(ctx)
    settings = load_settings(config.section("profiler"), interval=interval,
                             flush_interval=flush_interval)
    tags = _tags(tag_values)
    if use_mlflow or mlflow_run_id:
        from finml.errors import require

        require("mlflow", "mlflow", "finml profile --mlflow")  # before the command runs
    created_mlflow = False
    if use_mlflow and mlflow_run_id is None:
        mlflow_run_id = _create_mlflow_run(name or os.path.basename(command[0]), tags)
        created_mlflow = True
    run = ProfileRun(name=name or " ".join(command).replace("\n", " ")[:60], tags=tags, settings=settings,
                     data_dir=config.data_dir, command=list(command), checkpointed=checkpointed,
                     mlflow=True if (use_mlflow or mlflow_run_id) else False,
                     mlflow_run_id=mlflow_run_id, install_signal_handlers=False, attach=False,
                     children_only=True)
    env = dict(os.environ)
    env[ENV_RUN_ID], env[ENV_RUN_DIR] = run.run_id, str(run.dir)
    if mlflow_run_id:
        env["MLFLOW_RUN_ID"] = mlflow_run_id
    run.start()
    try:
        child = subprocess.Popen(list(command), env=env)
    except OSError as exc:
        run.close("failed", 127)
        raise UsageError(f"cannot run {command[0]!r}: {exc.strerror}",
                         hint="check the command after '--' and your PATH") from exc
    click.echo(f"finml: profiling run {run.run_id} (pid {child.pid})", err=True)

    def forward(signum: int, frame: Any) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    prev = signal.signal(signal.SIGTERM, forward)
    # SIGINT from a terminal reaches the command directly (same process group); keep waiting.
    prev_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        rc = child.wait()
    finally:
        signal.signal(signal.SIGTERM, prev)
        signal.signal(signal.SIGINT, prev_int)
    if rc < 0:
        status, code = "terminated", 128 - rc
    else:
        status, code = ("finished" if rc == 0 else "failed"), rc
    record = run.close(status, code, signal.Signals(-rc).name if rc < 0 else None)
    if created_mlflow and mlflow_run_id:
        _end_mlflow_run(mlflow_run_id, rc == 0)
    if run.mlflow_error:
        click.echo(f"finml: MLflow annotation failed ({run.mlflow_error}); the record is at "
                   f"{run.record_path}; retry with 'finml runs reconcile {run.run_id} "
                   f"--mlflow-run-id ID'", err=True)
    if record is not None:
        diag = (record.get("diagnosis") or {}).get("label")
        click.echo(f"finml: run {run.run_id} {status}: cost "
                   f"{_money((record.get('cost') or {}).get('total'))}, idle "
                   f"{_money((record.get('cost') or {}).get('idle'))}, diagnosis {diag}; "
                   f"record {run.record_path}", err=True)
    ctx.exit(code)


def _create_mlflow_run(name: str, tags: dict[str, str]) -> str:
    from finml.errors import require

    require("mlflow", "mlflow", "finml profile --mlflow")
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    exp_id = os.environ.get("MLFLOW_EXPERIMENT_ID")
    exp_name = os.environ.get("MLFLOW_EXPERIMENT_NAME")
    if exp_id is None and exp_name:
        exp = client.get_experiment_by_name(exp_name)
        exp_id = exp.experiment_id if exp else client.create_experiment(exp_name)
    run = client.create_run(exp_id or "0", tags=tags, run_name=name)
    return str(run.info.run_id)


def _end_mlflow_run(run_id: str, ok: bool) -> None:
    from mlflow.tracking import MlflowClient

    MlflowClient().set_terminated(run_id, "FINISHED" if ok else "FAILED")


@click.group()
def runs() -> None:
    """Profiled training runs: list, show, reconcile after a crash, leaderboard."""


_LIST_COLUMNS = ("run_id", "name", "status", "started_at", "wall_s", "cost", "idle_cost",
                 "currency", "gpu_hours", "energy_kwh", "diagnosis")


def _row(r: dict[str, Any], state: str | None = None) -> dict[str, Any]:
    cost = r.get("cost") or {}
    return {
        "run_id": r.get("run_id"), "name": r.get("name"),
        "status": state if state in ("running", "unclosed") else r.get("status"),
        "started_at": r.get("started_at"), "wall_s": r.get("wall_s"),
        "cost": (cost.get("total") or {}).get("amount"),
        "idle_cost": (cost.get("idle") or {}).get("amount"), "currency": cost.get("currency"),
        "gpu_hours": (r.get("usage") or {}).get("gpu_hours"),
        "energy_kwh": (r.get("energy") or {}).get("kwh"),
        "diagnosis": (r.get("diagnosis") or {}).get("label"),
    }


def _render(rows: list[dict[str, Any]], columns: tuple[str, ...], fmt: str, title: str,
            payload: Any = None) -> str:
    if fmt == "json":
        return json.dumps(payload if payload is not None else rows, indent=2, default=str) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue()
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for c in columns:
        table.add_column(c, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console = Console(file=io.StringIO(), width=200, no_color=True)
    console.print(table)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return str(out)


def _data_dir(ctx: click.Context) -> Any:
    return load_config(ctx).data_dir


@runs.command("list")
@output_options()
@click.pass_context
def list_runs(ctx: click.Context, fmt: str, output: str | None) -> None:
    """Every run in the data directory, newest last."""
    from profiler.runs import iter_records, run_state

    data_dir = _data_dir(ctx)
    rows = [_row(rec, run_state(d, data_dir)) for d, rec in iter_records(data_dir)]
    write_output(_render(rows, _LIST_COLUMNS, fmt, f"finml runs — {len(rows)}"), output)


@runs.command("show")
@click.argument("run_ref", metavar="RUN")
@output_options(("json", "table"))
@click.pass_context
def show_run(ctx: click.Context, run_ref: str, fmt: str, output: str | None) -> None:
    """The cost record of RUN (id or unique prefix)."""
    from profiler.record import build_record, read_record
    from profiler.runs import find_run

    d = find_run(run_ref, _data_dir(ctx))
    rec = read_record(d) or build_record(d)
    if fmt == "json":
        write_output(json.dumps(rec, indent=2, default=str) + "\n", output)
        return
    lines = [f"run {rec['run_id']} ({rec.get('name')}): {rec['status']}, {rec['wall_s']} s",
             f"cost {_money(rec['cost'].get('total'))} (idle {_money(rec['cost'].get('idle'))}, "
             f"idle threshold {rec['cost']['idle_threshold_pct']} %)",
             f"GPU-hours {rec['usage']['gpu_hours']}, GPU util "
             f"{_dash(rec['usage']['gpu_util_mean'], ' %')}, CPU cores "
             f"{_dash(rec['usage']['cpu_cores_mean'])}, energy "
             f"{_dash(rec['energy']['kwh'], ' kWh')} ({rec['energy']['method']})",
             f"diagnosis: {rec['diagnosis']['label']} — {'; '.join(rec['diagnosis']['reasons'])}"]
    for a in rec["diagnosis"]["advice"]:
        lines.append(f"  advice [{a['kind']}]: {a['message']} (saving {_money(a.get('saving'))})")
    for n in rec.get("notes") or []:
        lines.append(f"  note: {n}")
    write_output("\n".join(lines) + "\n", output)


@runs.command("reconcile")
@click.argument("run_ref", metavar="[RUN]", required=False)
@click.option("--mlflow-run-id", help="Also annotate this MLflow run with the rebuilt record.")
@output_options()
@click.pass_context
def reconcile_runs(ctx: click.Context, run_ref: str | None, mlflow_run_id: str | None, fmt: str,
                   output: str | None) -> None:
    """Rebuild records from the ledgers: RUN, or every run that never closed (SIGKILL, OOM,
    spot reclaim). Loses at most one flush interval of samples."""
    from profiler.mlflow_sink import annotate
    from profiler.runs import find_run, reconcile, run_dirs, run_state

    data_dir = _data_dir(ctx)
    if run_ref:
        targets = [find_run(run_ref, data_dir)]
    else:
        targets = [d for d in run_dirs(data_dir) if run_state(d, data_dir) == "unclosed"]
    rows = []
    for d in targets:
        rec = reconcile(d)
        if mlflow_run_id:
            annotate(rec, mlflow_run_id)
        elif rec.get("mlflow_run_id"):
            try:
                annotate(rec, rec["mlflow_run_id"])
            except Exception as exc:  # noqa: BLE001 - the record itself is written
                click.echo(f"finml: could not annotate MLflow run {rec['mlflow_run_id']}: "
                           f"{exc}", err=True)
        rows.append(_row(rec))
    if not rows:
        click.echo("finml: no unclosed runs to reconcile", err=True)
    write_output(_render(rows, _LIST_COLUMNS, fmt, f"reconciled — {len(rows)}"), output)


@runs.command("leaderboard")
@click.option("--metric", required=True, help="Metric logged with run.log_metric (e.g. accuracy).")
@click.option("--higher-is-better/--lower-is-better", default=False, show_default=True,
              help="Direction of the metric (accuracy: higher; loss: lower).")
@output_options()
@click.pass_context
def leaderboard_cmd(ctx: click.Context, metric: str, higher_is_better: bool, fmt: str,
                    output: str | None) -> None:
    """Runs ranked by METRIC per unit of cost; 'pareto' marks the cost/metric Pareto front."""
    from profiler.leaderboard import leaderboard
    from profiler.runs import load_records

    entries = leaderboard(load_records(_data_dir(ctx)), metric, higher_is_better)
    rows = [e.to_json() for e in entries]
    cols = ("rank", "run_id", "name", "metric", "cost", "currency", "score", "pareto", "reason")
    write_output(_render(rows, cols, fmt, f"leaderboard by {metric} per unit cost"), output)


