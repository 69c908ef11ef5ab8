"""Audit history: recording, first-seen dates, diffs, locking and crash safety."""

from __future__ import annotations

import json
import multiprocessing
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from finml.cli import cli
from finml.store.history import AuditHistory, diff

T0 = datetime(2026, 11, 1, 6, 0, tzinfo=timezone.utc)


def doc(*findings: tuple[str, str]) -> dict[str, Any]:
    return {
        "schema": "finml-audit/1",
        "findings": [{"id": fid, "recommender": "r", "resource_id": fid, "title": "t", "action": "delete",
                      "monthly_saving": {"amount": amt, "currency": "USD"}} for fid, amt in findings],
        "totals": {"all": [{"amount": str(sum(float(a) for _, a in findings)), "currency": "USD"}]},
    }


def test_diff_new_resolved_changed_and_first_seen(tmp_path: Path) -> None:
    h = AuditHistory(tmp_path)
    h.record(doc(("a", "1.00"), ("b", "2.00")), {}, T0)
    h.record(doc(("b", "3.00"), ("c", "4.00")), {}, T0 + timedelta(days=1))
    latest = h.latest(2)
    d = diff(latest[0].doc, latest[1], latest)
    assert [f["id"] for f in d.new] == ["c"]
    assert [f["id"] for f in d.resolved] == ["a"]
    assert [(a["monthly_saving"]["amount"], b["monthly_saving"]["amount"]) for a, b in d.changed] == [("2.00", "3.00")]
    assert h.first_seen() == {"a": "2026-11-01", "b": "2026-11-01", "c": "2026-11-02"}
    assert [t for _, t in d.trend] == [{"USD": "3.0"}, {"USD": "7.0"}]


def test_interrupted_record_leaves_history_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h = AuditHistory(tmp_path)
    h.record(doc(("a", "1.00")), {}, T0)
    before = [p.read_bytes() for p in sorted(h.dir.iterdir())]

    def crash(src: object, dst: object) -> None:
        raise KeyboardInterrupt  # killed mid-write

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        h.record(doc(("b", "1.00")), {}, T0 + timedelta(days=1))
    monkeypatch.undo()
    assert [p.read_bytes() for p in sorted(h.dir.iterdir()) if not p.name.startswith(".")] == before
    assert [r.doc["findings"][0]["id"] for r in h.latest(5)] == ["a"]


def _record_many(data_dir: str, worker: int) -> None:
    h = AuditHistory(Path(data_dir))
    for i in range(10):
        h.record(doc((f"w{worker}-{i}", "1.00")), {}, T0 + timedelta(seconds=i))


def test_concurrent_audits_do_not_corrupt_history(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_record_many, args=(str(tmp_path), w)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    h = AuditHistory(tmp_path)
    assert len(h.paths()) == 30
    assert len(h.first_seen()) == 30  # no lost update of the first-seen index
    assert all(h.load(p).doc["schema"] == "finml-audit/1" for p in h.paths())


def test_audit_cli_records_and_diffs(tmp_path: Path, fake_provider: object) -> None:
    
    cfg = tmp_path / "finml.toml"
    cfg.write_text("[providers.fake]\nregions = ['us-east-1']\n")
    runner = CliRunner()
    first = json.loads(runner.invoke(cli, ["--config", str(cfg), "audit", "--format", "json", "--diff"]).stdout)
    assert len(first["extra"]["diff"]["new"]) == 2 and first["extra"]["diff"]["previous_audit_at"] is None
    cfg.write_text("[providers.fake]\nregions = ['us-east-1', 'eu-west-1']\n")
    second = json.loads(runner.invoke(cli, ["--config", str(cfg), "audit", "--format", "json", "--diff"]).stdout)
    d = second["extra"]["diff"]
    assert {f["resource_id"] for f in d["new"]} == {"vol-eu-west-1-free", "eip-eu-west-1"}
    assert d["resolved"] == [] and d["unchanged"] == 2
    assert all("first_seen" in f for f in second["findings"])
    table = runner.invoke(cli, ["--config", str(cfg), "audit", "--diff"])
    assert "0 new, 0 resolved, 0 changed, 4 unchanged" in " ".join(table.output.split())
    runner.invoke(cli, ["--config", str(cfg), "audit", "--no-record"])
    assert len(AuditHistory(Path(os.environ["FINML_DATA_DIR"])).paths()) == 3
