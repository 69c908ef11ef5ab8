"""``finml audit --provider azure`` end to end (CliRunner), live-path with injected clients, and
the demo estate."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from finml.audit import DEMO_NOW
from finml.cli import cli
from finml.model import InstanceState, Kind
from providers.azure import AzureProvider
from providers.azure.demo import ML, PROD
from tests.providers.azure.arm_estate import serve_subscription_a
from tests.providers.azure.fake_arm import SUB_A, SUB_B, FakeArm, FakeCredential, forbidden


@pytest.fixture
def azure_clients(monkeypatch: pytest.MonkeyPatch, arm: FakeArm) -> FakeArm:
    """Make live audits use the fake credential and transport (through gather's ``clients=``)."""
    import finml.audit

    clients = {"azure": {"credential": FakeCredential(), "transport": arm}}
    monkeypatch.setattr(finml.audit, "gather", functools.partial(finml.audit.gather, clients=clients))
    return arm


def write_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "finml.toml"
    cfg.write_text(f'[providers.azure]\nsubscriptions = ["{SUB_A}"]\nmax_workers = 2\n', encoding="utf-8")
    return cfg


def test_live_audit_finds_planted_waste(tmp_path: Path, azure_clients: FakeArm) -> None:
    serve_subscription_a(azure_clients)
    result = CliRunner().invoke(cli, ["--config", str(write_config(tmp_path)), "audit", "--provider", "azure",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    found = {(f["recommender"], f["resource_name"]) for f in out["findings"]}
    assert ("unattached-volumes", "old-scratch") in found
    assert ("unused-addresses", "forgotten-ip") in found
    assert not any(name in ("train-1-data", "old-dealloc_OsDisk_1", "train-1-ip", "nat-ip") for _, name in found)
    disk = next(f for f in out["findings"] if f["resource_name"] == "old-scratch")
    assert disk["account"] == SUB_A and disk["region"] == "eastus"
    assert out["run"]["partial"] is False and out["collection_errors"] == []
    assert {m for m, _ in azure_clients.requests} == {"GET"}


def test_live_audit_with_denied_subscription_exits_partial(tmp_path: Path, azure_clients: FakeArm) -> None:
    serve_subscription_a(azure_clients)
    azure_clients.route(rf"/subscriptions/{SUB_B}/providers/Microsoft.Network/publicIPAddresses",
                        forbidden("Microsoft.Network/publicIPAddresses/read", SUB_B))
    azure_clients.route(rf"/subscriptions/{SUB_B}/.*", {"value": []})
    cfg = tmp_path / "finml.toml"
    cfg.write_text(f'[providers.azure]\nsubscriptions = ["{SUB_A}", "{SUB_B}"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "audit", "-p", "azure", "--format", "json"])
    assert result.exit_code == 4, result.output
    out = json.loads(result.stdout)
    [err] = out["collection_errors"]
    assert err["permission"] == "Microsoft.Network/publicIPAddresses/read" and err["account"] == SUB_B
    assert any(f["resource_name"] == "old-scratch" for f in out["findings"])


def test_live_audit_without_credentials_is_a_clean_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         arm: FakeArm) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    import finml.audit

    cred = FakeCredential(ClientAuthenticationError("EnvironmentCredential: authentication unavailable"))
    monkeypatch.setattr(finml.audit, "gather", functools.partial(
        finml.audit.gather, clients={"azure": {"credential": cred, "transport": arm}}))
    result = CliRunner().invoke(cli, ["--config", str(write_config(tmp_path)), "audit", "-p", "azure"])
    assert result.exit_code == 2
    assert "Error: Azure credentials" in result.stderr and "Hint:" in result.stderr and "az login" in result.stderr
    assert "Traceback" not in result.output


def _demo_json() -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["audit", "--demo", "-p", "azure", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_demo_audit_shows_azure_findings_deterministically() -> None:
    first, second = _demo_json(), _demo_json()
    assert first["findings"] == second["findings"] and first["totals"] == second["totals"]
    assert first["run"]["providers"] == ["azure"] and first["run"]["resources"]["azure"] >= 60
    by = {(f["recommender"], f["resource_name"]) for f in first["findings"]}
    assert {("unattached-volumes", "sql-01-old-data"), ("unattached-volumes", "web-migration-tmp"),
            ("unattached-volumes", "dataset-cache-a100"), ("unused-addresses", "pip-web-old-lb"),
            ("unused-addresses", "pip-serve-canary")} <= by
    # recently detached disk, NAT-gateway IP and the unbilled dynamic IP are not findings
    names = {n for _, n in by}
    assert not names & {"scratch-disk", "pip-natgw-eastus", "pip-unused-dynamic"}
    assert {f["account"] for f in first["findings"]} == {PROD, ML}


def test_demo_estate_has_the_planted_cases() -> None:
    start = time.perf_counter()
    pages = AzureProvider.demo_pages(DEMO_NOW)
    assert time.perf_counter() - start < 2.0  # generous bound for a loaded CI machine; ~0.1 s normally
    estate = AzureProvider.normalise(pages)
    vms: dict[str | None, Any] = {r.name: r for r in estate.of_kind(Kind.INSTANCE)}
    assert vms["ml-train-03"].state == InstanceState.STOPPED_ALLOCATED and vms["ml-train-03"].billed_while_stopped
    assert vms["legacy-app-01"].state == InstanceState.STOPPED and not vms["legacy-app-01"].billed_while_stopped
    idle = estate.metrics_for(vms["jump-01"].id)["cpu.utilization"]
    assert len(idle) == 14 * 24 and max(idle.values) < 3
    big = estate.metrics_for(vms["sql-01"].id)
    assert max(big["cpu.utilization"].values) < 10 and max(big["memory.utilization"].values) < 15
    snaps: dict[str | None, Any] = {r.name: r for r in estate.of_kind(Kind.SNAPSHOT)}
    backup = snaps["AzureBackup_sql-01-data-0_2026"]
    assert backup.backup_managed and not snaps["sql-00-data-final"].backup_managed
    golden = snaps["golden-cuda-os-2025"]
    image: Any = estate.of_kind(Kind.IMAGE)[0]
    assert golden.used_by == (image.id,) and image.snapshot_ids == (golden.id,)
    volume_ids = {r.id.lower() for r in estate.of_kind(Kind.VOLUME)}
    assert (snaps["sql-00-data-final"].source_volume_id or "").lower() not in volume_ids  # orphaned
    assert {r.account for r in estate.resources} == {PROD, ML}
    assert {r.region for r in estate.resources} == {"eastus", "eastus2", "westeurope"}
    assert 60 <= len(estate.resources) <= 100
    # same pages twice: byte-identical
    again = AzureProvider.demo_pages(DEMO_NOW)
    assert [(p.operation, p.response) for p in pages] == [(p.operation, p.response) for p in again]


def test_demo_snapshot_round_trip(tmp_path: Path) -> None:
    from finml.raw import RawPages

    pages = AzureProvider.demo_pages(DEMO_NOW)
    pages.write_dir(tmp_path / "snap", created_at=DEMO_NOW, finml_version="test")
    back = RawPages.read_dir(tmp_path / "snap", ["azure"])
    a, b = AzureProvider.normalise(pages), AzureProvider.normalise(back)
    assert sorted(r.id for r in a.resources) == sorted(r.id for r in b.resources)
    assert len(a.metrics) == len(b.metrics) and a.instance_types == b.instance_types


def test_registry_import_does_not_load_the_azure_sdk() -> None:
    code = ("import sys; from providers import registry; cls = registry.get('azure'); "
            "assert cls.extra == 'azure'; "
            "bad = [m for m in sys.modules if m == 'azure' or m.startswith('azure.')]; "
            "assert not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[3])
    assert proc.returncode == 0, proc.stderr


def test_collect_then_audit_snapshot_offline(tmp_path: Path, azure_clients: FakeArm) -> None:
    serve_subscription_a(azure_clients)
    cfg = str(write_config(tmp_path))
    snap = tmp_path / "snap"
    collected = CliRunner().invoke(cli, ["--config", cfg, "collect", "-p", "azure", "--out", str(snap)])
    assert collected.exit_code == 0, collected.output
    assert (snap / "azure" / SUB_A / "global" / "compute").is_dir()
    sent = len(azure_clients.requests)
    audited = CliRunner().invoke(cli, ["--config", cfg, "audit", "--from", str(snap), "--format", "json"])
    assert audited.exit_code == 0, audited.output
    assert len(azure_clients.requests) == sent  # offline: no API call
    names = {f["resource_name"] for f in json.loads(audited.stdout)["findings"]}
    assert {"old-scratch", "forgotten-ip"} <= names
