"""Overhead of finml's profiler on a CPU training loop, next to CodeCarbon and MLflow.

A NumPy linear-regression SGD loop (matmul forward, matmul gradient, update) runs for
``--seconds`` under each configuration, in ``--rounds`` interleaved rounds so machine noise hits
all of them alike:

* ``baseline``: no profiling
* ``finml@1s`` / ``finml@0.1s``: ``finml.profile_run`` sampling every 1 s / 0.1 s
* ``codecarbon@1s``: CodeCarbon's ``OfflineEmissionsTracker`` (offline, no network), if installed
* ``mlflow-sysmetrics@1s``: MLflow's ``SystemMetricsMonitor`` on a local file store, if importable

Reported per configuration: median step time, step-time overhead versus the baseline (median of
the per-round ratios), and the CPU time of the tool's own threads per sample (process CPU time
minus the training thread's CPU time, so tools that start a thread per tick are counted too). Run with::

    python bench/profiler_overhead.py --seconds 4 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

warnings.simplefilter("ignore")


def train(seconds: float, size: int, out: np.ndarray) -> int:
    """SGD on a linear model for ``seconds``; step times go into ``out``; returns steps."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, size))
    w_true = rng.standard_normal((size, size))
    y = x @ w_true
    w = np.zeros((size, size))
    grad = np.empty_like(w)
    pred = np.empty_like(y)
    lr = 1e-3
    n = 0
    end = time.perf_counter() + seconds
    while n < len(out):
        t = time.perf_counter()
        if t >= end:
            break
        np.matmul(x, w, out=pred)
        pred -= y
        np.matmul(x.T, pred, out=grad)
        grad *= lr / len(x)
        w -= grad
        out[n] = time.perf_counter() - t
        n += 1
    return n


@dataclass
class Tool:
    name: str
    interval: float | None
    start: Callable[[], Any]
    stop: Callable[[Any], None]
    samples: Callable[[Any, float], int]
    skipped: str | None = None
    ready: Callable[[Any], bool] | None = None
    medians: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    cpu_per_sample: list[float] = field(default_factory=list)
    cpu_share: list[float] = field(default_factory=list)
    startup_s: list[float] = field(default_factory=list)


def finml_tool(interval: float, data_dir: Path) -> Tool:
    from profiler import ProfileRun
    from profiler.settings import load_settings

    def start() -> Any:
        s = load_settings({}, interval=interval)
        return ProfileRun(name=f"bench-{interval}", settings=s, data_dir=data_dir,
                          install_signal_handlers=False).start()

    return Tool(f"finml@{interval:g}s", interval, start, lambda run: run.close(),
                lambda run, elapsed: run.sampler.samples - run._bench_samples0,
                ready=_finml_ready)


def _finml_ready(run: Any) -> bool:
    if run.sampler.samples < 1:
        return False
    run._bench_samples0 = run.sampler.samples
    return True


def codecarbon_tool(tmp: Path) -> Tool:
    try:
        from codecarbon import OfflineEmissionsTracker
    except ImportError as exc:
        return Tool("codecarbon@1s", 1.0, lambda: None, lambda _: None, lambda *_: 0,
                    skipped=f"codecarbon not importable ({exc}); pip install 'finml[bench]'")

    def start() -> Any:
        tracker = OfflineEmissionsTracker(country_iso_code="USA", measure_power_secs=1,
                                          save_to_file=False, log_level="error",
                                          output_dir=str(tmp))
        tracker.start()
        return tracker

    return Tool("codecarbon@1s", 1.0, start, lambda t: t.stop(),
                lambda t, elapsed: int(elapsed // 1.0))


def mlflow_tool(tmp: Path) -> Tool:
    try:
        import psutil  # noqa: F401 - SystemMetricsMonitor needs it
        from mlflow.system_metrics.system_metrics_monitor import SystemMetricsMonitor
        from mlflow.tracking import MlflowClient
    except ImportError as exc:
        return Tool("mlflow-sysmetrics@1s", 1.0, lambda: None, lambda _: None, lambda *_: 0,
                    skipped=f"mlflow system metrics not importable ({exc})")
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    uri = f"file:{tmp / 'mlruns'}"

    def start() -> Any:
        client = MlflowClient(uri)
        run = client.create_run("0")
        mon = SystemMetricsMonitor(run.info.run_id, sampling_interval=1.0,
                                   samples_before_logging=1, tracking_uri=uri)
        mon.start()
        return mon

    return Tool("mlflow-sysmetrics@1s", 1.0, start, lambda m: m.finish(),
                lambda m, elapsed: int(elapsed // 1.0))


def measure(tool: Tool | None, seconds: float, size: int,
            buf: np.ndarray) -> tuple[float, float, int, float, float]:
    """(median step s, tool thread CPU s, samples, startup s, loop s) for one run of the loop."""
    handle = None
    t0 = time.perf_counter()
    if tool is not None:
        handle = tool.start()
    startup = time.perf_counter() - t0
    if tool is not None and tool.ready is not None:
        deadline = time.perf_counter() + 30
        while not tool.ready(handle) and time.perf_counter() < deadline:
            time.sleep(0.005)  # one-off start work (identity, prices) is not per-sample cost
    # CPU of every thread but this one: catches tools that start a new thread per tick
    p0, m0 = time.process_time(), time.thread_time()
    t1 = time.perf_counter()
    n = train(seconds, size, buf)
    elapsed = time.perf_counter() - t1
    cpu = (time.process_time() - p0) - (time.thread_time() - m0)
    samples = tool.samples(handle, elapsed) if tool is not None else 0
    if tool is not None:
        tool.stop(handle)
    return float(np.median(buf[:n])), cpu, samples, startup, elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=4.0, help="loop time per configuration")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--size", type=int, default=512, help="model width (step cost)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="finml-bench-"))
    os.environ.setdefault("FINML_DATA_DIR", str(tmp / "data"))
    tools = [finml_tool(1.0, tmp / "data"), finml_tool(0.1, tmp / "data"),
             codecarbon_tool(tmp), mlflow_tool(tmp)]
    buf = np.empty(5_000_000)
    train(0.5, args.size, buf)  # warm-up
    aa = Tool("baseline (A/A noise)", None, lambda: None, lambda _: None, lambda *_: 0)
    rng = random.Random(0)
    for _ in range(args.rounds):
        order = [t for t in tools if not t.skipped] + [aa]
        rng.shuffle(order)
        for tool in order:
            before = measure(None, args.seconds / 2, args.size, buf)[0]
            try:
                med, cpu, samples, startup, elapsed = measure(
                    None if tool is aa else tool, args.seconds, args.size, buf)
            except Exception as exc:  # noqa: BLE001 - a peer failing is reported, not fatal
                tool.skipped = f"failed: {exc!r}"
                continue
            after = measure(None, args.seconds / 2, args.size, buf)[0]
            tool.medians.append(med)
            tool.ratios.append(med / ((before + after) / 2) - 1.0)
            tool.startup_s.append(startup)
            tool.cpu_share.append(cpu / elapsed)
            if samples:
                tool.cpu_per_sample.append(cpu / samples)
    print(f"CPU training loop: {args.size}x{args.size} linear SGD, batch 256, {args.seconds:g} s x {args.rounds} "
          f"interleaved rounds, numpy {np.__version__}, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs")
    print(f"{'configuration':24} {'step median':>12} {'overhead':>10} {'CPU/sample':>12} "
          f"{'tool CPU':>9} {'startup':>9}")
    for tool in [aa, *tools]:
        if tool.skipped:
            print(f"{tool.name:24} skipped: {tool.skipped}")
            continue
        over = 100 * statistics.median(tool.ratios)
        cps = f"{statistics.median(tool.cpu_per_sample) * 1000:.3f}ms" if tool.cpu_per_sample else "-"
        share = 100 * statistics.median(tool.cpu_share)
        print(f"{tool.name:24} {1e6 * statistics.median(tool.medians):>10.1f}us "
              f"{over:>+9.2f}% {cps:>12} {abs(share):>8.3f}% "
              f"{statistics.median(tool.startup_s):>8.2f}s")
    print("overhead: median over rounds of (median step time with the tool / mean of the baselines "
          "just before and after - 1); the A/A row is the same with no tool: the noise floor.\n"
          "CPU/sample: CPU time of the tool's own threads / samples taken (start-up excluded); "
          "tool CPU: that CPU time / loop time, the step-time overhead when every core trains.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
