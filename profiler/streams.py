"""Reading a run directory back: one :class:`Stream` per ledger file (one process).

A *sampling* stream comes from a process that measured devices (``start`` has ``sampling``);
an *attached* stream comes from code inside a profiled command (``finml profile -- ...``) that
only logs phases, steps and metrics into the same run. Ledgers of all ranks of a distributed
job sit in one run directory and are merged by the record builder.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from profiler.ledger import ledger_files, read_ledger

__all__ = ["Stream", "load_streams", "Sample"]


@dataclass(slots=True)
class Sample:
    t: float
    h: list[Any] | None
    g: list[list[Any]] | None


@dataclass(slots=True)
class Stream:
    path: Path
    start: dict[str, Any]
    host_info: dict[str, Any] | None = None
    end: dict[str, Any] | None = None
    samples: list[Sample] = field(default_factory=list)
    share_t: list[float] = field(default_factory=list)
    share_v: list[Fraction] = field(default_factory=list)
    phases: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: int = 0
    last_error: str | None = None
    spot: dict[str, Any] | None = None
    last_t: float = 0.0

    @property
    def sampling(self) -> bool:
        return bool(self.start.get("sampling"))

    @property
    def t0(self) -> float:
        return float(self.start["t"])

    @property
    def t1(self) -> float:
        """End time: the ``end`` event, else the last event that reached the disk."""
        return float(self.end["t"]) if self.end else self.last_t

    def share_at(self, t: float) -> Fraction:
        i = bisect_right(self.share_t, t) - 1
        if i >= 0:
            return self.share_v[i]
        if self.share_v:
            return self.share_v[0]
        return Fraction(str(self.start.get("share0") or "1"))

    def used_devices(self) -> list[int]:
        """Indices of devices the process tree was seen on; all devices when never seen."""
        devices = self.start.get("devices") or []
        seen = set()
        for s in self.samples:
            for k, row in enumerate(s.g or ()):
                if row[-1]:
                    seen.add(k)
        return sorted(seen) if seen else list(range(len(devices)))


def _frac(v: str) -> Fraction:
    return Fraction(v)


def load_stream(path: Path) -> Stream | None:
    stream: Stream | None = None
    for ev in read_ledger(path):
        kind = ev["e"]
        if kind == "start":
            stream = Stream(path, ev)
            stream.last_t = float(ev["t"])
            continue
        if stream is None:
            continue
        t = float(ev.get("t", stream.last_t))
        stream.last_t = max(stream.last_t, t)
        if kind == "s":
            stream.samples.append(Sample(t, ev.get("h"), ev.get("g")))
        elif kind == "share":
            stream.share_t.append(t)
            stream.share_v.append(_frac(ev["v"]))
        elif kind == "host":
            stream.host_info = ev
        elif kind == "phase":
            stream.phases.append(ev)
        elif kind == "steps":
            stream.steps.append(ev)
        elif kind == "metric":
            stream.metrics.append(ev)
        elif kind == "note":
            stream.notes.append(str(ev.get("msg")))
        elif kind == "err":
            stream.errors = int(ev.get("count", 0))
            stream.last_error = ev.get("last")
        elif kind == "spot":
            stream.spot = ev
        elif kind == "end":
            stream.end = ev
    return stream


def load_streams(directory: Path) -> list[Stream]:
    out = []
    for p in ledger_files(directory):
        s = load_stream(p)
        if s is not None:
            order = sorted(range(len(s.share_t)), key=lambda i: s.share_t[i])
            s.share_t = [s.share_t[i] for i in order]
            s.share_v = [s.share_v[i] for i in order]
            out.append(s)
    return out
