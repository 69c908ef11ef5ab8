"""Real processes: the ``finml profile`` wrapper, SIGTERM and SIGKILL recovery, ``finml runs``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from finml.cli import cli
from profiler.ledger import ledger_files, read_ledger, runs_dir

ROOT = Path(__file__).resolve().parents[2]


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"FINML_DATA_DIR": str(data_dir), "FINML_HOURLY_PRICE": "3.60",
                "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")})
    env.pop("CUDA_VISIBLE_DEVICES", None)
    return env


def _record(data_dir: Path, run_id: str) -> dict:
    return json.loads((runs_dir(data_dir) / run_id / "record.json").read_text())


def _only_run(data_dir: Path) -> Path:
    (d,) = [p for p in runs_dir(data_dir).iterdir() if p.is_dir()]
    return d


def test_profile_wrapper_passes_exit_code_and_measures_the_tree(data_dir: Path) -> None:
    child = textwrap.dedent("""
        import subprocess, sys, time
        import finml
        with finml.profile_run() as run:          # attaches to the wrapper's run
            with run.phase("train"):
                subprocess.run([sys.executable, "-c",
                                "import time\\nt=time.time()\\nwhile time.time()-t<0.4: pass"])
            run.log_metric("accuracy", 0.75)
            run.log_step(duration_s=0.1, data_wait_s=0.05)
        sys.exit(3)
    """)
    proc = subprocess.run(
        [sys.executable, "-m", "finml", "profile", "--interval", "0.05", "--flush-interval", "0.1",
         "--name", "wrapped", "--tag", "team=ml", "--", sys.executable, "-c", child],
        env=_env(data_dir), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    rec = json.loads((_only_run(data_dir) / "record.json").read_text())
    assert rec["status"] == "failed" and rec["exit_code"] == 3
    assert rec["name"] == "wrapped" and rec["tags"] == {"team": "ml"}
    assert rec["command"][0] == sys.executable
    assert rec["ranks"] == 1  # the attached run inside did not sample a second time
    assert rec["metrics"] == {"accuracy": 0.75}
    assert [p["name"] for p in rec["phases"]] == ["train"]
    assert rec["steps"]["count"] == 1 and rec["steps"]["data_wait_share"] == 0.5
    assert rec["usage"]["cpu_cores_mean"] > 0.05  # the grandchild's busy loop
    assert rec["cost"]["total"]["currency"] == "USD"
    assert "cost" in proc.stderr and rec["run_id"] in proc.stderr


def test_profile_wrapper_success_and_signal_exit(data_dir: Path) -> None:
    ok = subprocess.run([sys.executable, "-m", "finml", "profile", "--interval", "0.05", "--",
                         sys.executable, "-c", "pass"], env=_env(data_dir), cwd=ROOT, timeout=60)
    assert ok.returncode == 0
    killed = subprocess.run(
        [sys.executable, "-m", "finml", "profile", "--interval", "0.05", "--", sys.executable,
         "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"],
        env=_env(data_dir), cwd=ROOT, timeout=60)
    assert killed.returncode == 128 + signal.SIGKILL
    statuses = sorted(json.loads((d / "record.json").read_text())["status"]
                      for d in runs_dir(data_dir).iterdir())
    assert statuses == ["finished", "terminated"]


def test_profile_missing_command_is_a_usage_error(data_dir: Path) -> None:
    res = CliRunner().invoke(cli, ["profile", "--", "/nonexistent/train"], env=_env(data_dir))
    assert res.exit_code == 2
    assert "cannot run" in res.output and "Hint:" in res.output


_SCRIPT = textwrap.dedent("""
    import signal, sys, time
    import finml
    if "--own-handler" in sys.argv:
        def mine(signum, frame):
            print("own handler", flush=True)
            sys.exit(7)
        signal.signal(signal.SIGTERM, mine)
    with finml.profile_run(name="victim", interval=0.05, flush_interval=0.2) as run:
        print(run.run_id, flush=True)
        with run.phase("train"):
            while True:
                time.sleep(0.01)
""")


def _start(data_dir: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", _SCRIPT, *args], env=_env(data_dir), cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    run_id = proc.stdout.readline().strip()
    assert run_id
    time.sleep(0.45)
    return proc, run_id


def test_sigterm_writes_the_final_record(data_dir: Path) -> None:
    proc, run_id = _start(data_dir)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == -signal.SIGTERM  # default action still happens
    rec = _record(data_dir, run_id)
    assert rec["status"] == "terminated" and rec["exit_code"] == 128 + signal.SIGTERM
    assert not rec["reconciled"] and rec["usage"]["samples"] >= 3
    assert rec["phases"][0]["name"] == "train"


def test_sigterm_chains_the_previous_handler(data_dir: Path) -> None:
    proc, run_id = _start(data_dir, "--own-handler")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 7  # the program's own handler ran after ours
    assert proc.stdout is not None and "own handler" in proc.stdout.read()
    assert _record(data_dir, run_id)["status"] == "terminated"


def test_sigkill_recovery_loses_at_most_one_flush_interval(data_dir: Path) -> None:
    proc, run_id = _start(data_dir)
    time.sleep(0.3)
    killed_at = time.time()
    proc.kill()
    proc.wait(timeout=30)
    run = runs_dir(data_dir) / run_id
    assert not (run / "record.json").exists()
    runner = CliRunner()
    listed = runner.invoke(cli, ["runs", "list", "--format", "json"], env=_env(data_dir))
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)[0]["status"] == "unclosed"
    res = runner.invoke(cli, ["runs", "reconcile", "--format", "json"], env=_env(data_dir))
    assert res.exit_code == 0, res.output
    assert [r["run_id"] for r in json.loads(res.output)] == [run_id]
    rec = _record(data_dir, run_id)
    assert rec["status"] == "incomplete" and rec["reconciled"]
    assert any("flush interval" in n for n in rec["notes"])
    samples = [e["t"] for p in ledger_files(run) for e in read_ledger(p) if e["e"] == "s"]
    flush, interval, slack = 0.2, 0.05, 0.3  # slack: scheduling on a loaded machine
    assert killed_at - max(samples) <= flush + interval + slack
    assert rec["phases"][0]["name"] == "train"  # an open phase ends with the run
    assert rec["cost"]["total"] is not None
    again = runner.invoke(cli, ["runs", "reconcile", "--format", "json"], env=_env(data_dir))
    assert json.loads(again.stdout) == []  # nothing left to reconcile


@pytest.fixture
def three_runs(data_dir: Path) -> Path:
    """Three finished runs written by the real API, with accuracy and prices."""
    import dataclasses
    from decimal import Decimal

    from profiler import profile_run
    from profiler.settings import ProfilerSettings
    from tests.profiler.fake_nvml import FakeNvml, gpus

    base = dataclasses.replace(ProfilerSettings(), interval=0.05, flush_interval=0.1,
                               detect_cloud=False)
    for name, price, acc in (("cheap", "1.00", 0.80), ("pricey", "10.00", 0.90), ("bad", "5.00", 0.70)):
        s = dataclasses.replace(base, hourly_price=Decimal(price))
        with profile_run(name=name, settings=s, nvml=FakeNvml(gpus(1)), env={}, data_dir=data_dir,
                         install_signal_handlers=False) as run:
            time.sleep(0.12)
            run.log_metric("accuracy", acc)
    return data_dir


def test_runs_list_show_and_leaderboard(three_runs: Path) -> None:
    runner = CliRunner()
    env = _env(three_runs)
    listed = runner.invoke(cli, ["runs", "list", "--format", "csv"], env=env)
    assert listed.exit_code == 0 and listed.output.count("\n") == 4
    rows = json.loads(runner.invoke(cli, ["runs", "list", "--format", "json"], env=env).output)
    cheap = next(r for r in rows if r["name"] == "cheap")
    shown = runner.invoke(cli, ["runs", "show", cheap["run_id"][:22]], env=env)
    assert shown.exit_code == 0 and json.loads(shown.output)["name"] == "cheap"
    text = runner.invoke(cli, ["runs", "show", cheap["run_id"], "--format", "table"], env=env)
    assert "diagnosis:" in text.output
    missing = runner.invoke(cli, ["runs", "show", "nope"], env=env)
    assert missing.exit_code == 2 and "no run 'nope'" in missing.output
    board = runner.invoke(cli, ["runs", "leaderboard", "--metric", "accuracy",
                                "--higher-is-better", "--format", "json"], env=env)
    assert board.exit_code == 0, board.output
    entries = json.loads(board.output)
    assert [e["name"] for e in entries] == ["cheap", "bad", "pricey"]
    assert {e["name"]: e["pareto"] for e in entries} == {"cheap": True, "bad": False, "pricey": True}
    table = runner.invoke(cli, ["runs", "leaderboard", "--metric", "accuracy"], env=env)
    assert table.exit_code == 0 and "leaderboard" in table.output


def test_sigterm_to_the_wrapper_is_forwarded_and_recorded(data_dir: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "finml", "profile", "--interval", "0.05", "--", sys.executable, "-c",
         "import time\nprint('up', flush=True)\ntime.sleep(30)"],
        env=_env(data_dir), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    rec = json.loads((_only_run(data_dir) / "record.json").read_text())
    assert rec["status"] == "terminated" and rec["exit_code"] == 128 + signal.SIGTERM


def test_run_left_open_is_closed_at_exit(data_dir: Path) -> None:
    code = ("import finml\nrun = finml.profile_run(name='open', interval=0.05).start()\n"
            "print(run.run_id)\n")
    out = subprocess.run([sys.executable, "-c", code], env=_env(data_dir), cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    assert _record(data_dir, out)["status"] == "exited"
