"""The audit pipeline and CLI end to end, over a minimal provider plug-in (no cloud SDK)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from finml.cli import cli

SCHEMA = json.loads((Path(__file__).parents[2] / "docs/schemas/finml-audit-1.schema.json").read_text())


def _write_config(tmp_path: Path, extra: str = "") -> Path:
    p = tmp_path / "finml.toml"
    p.write_text("[providers.fake]\nregions = ['us-east-1', 'eu-west-1']\n" + extra)
    return p


def test_audit_json_finds_planted_waste_and_matches_schema(tmp_path: Path, fake_provider: object) -> None:
    cfg = _write_config(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "audit", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    by_resource = {f["resource_id"]: f for f in doc["findings"]}
    # unattached 100 GiB gp3 in each region; the tagged one is excluded, the attached one ignored
    assert set(by_resource) == {"vol-us-east-1-free", "vol-eu-west-1-free", "eip-us-east-1", "eip-eu-west-1"}
    assert by_resource["vol-us-east-1-free"]["monthly_saving"] == {"amount": "8.0000", "currency": "USD"}
    assert by_resource["vol-eu-west-1-free"]["monthly_saving"] == {"amount": "8.8000", "currency": "USD"}
    assert by_resource["eip-us-east-1"]["monthly_saving"]["amount"] == "3.6500"
    assert doc["excluded"] and doc["excluded"][0]["resource_id"].endswith("-keep")
    assert doc["totals"]["all"] == [{"amount": "24.1000", "currency": "USD"}]
    assert doc["totals"]["by_recommender"]["unattached-volumes"] == [{"amount": "16.8000", "currency": "USD"}]
    assert doc["run"]["partial"] is False


def test_partial_collection_exit_code_and_error_listed(tmp_path: Path, fake_provider: object) -> None:
    cfg = _write_config(tmp_path, "fail_region = 'eu-west-1'\n")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "audit", "--format", "json"])
    assert result.exit_code == 4
    doc = json.loads(result.stdout)
    assert {f["resource_id"] for f in doc["findings"]} == {"vol-us-east-1-free", "eip-us-east-1"}
    (err,) = doc["collection_errors"]
    assert (err["region"], err["permission"]) == ("eu-west-1", "storage:ListVolumes")


def test_table_output_lists_partial_errors(tmp_path: Path, fake_provider: object) -> None:
    cfg = _write_config(tmp_path, "fail_region = 'eu-west-1'\n")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "audit"])
    assert result.exit_code == 4
    assert "Partial collection" in result.output and "storage:ListVolumes" in result.output
    assert "8.00 USD" in result.output


@pytest.mark.parametrize(("threshold", "code"), [("24.10", 3), ("24.11", 0), ("0", 3)])
def test_fail_on_savings(tmp_path: Path, fake_provider: object, threshold: str, code: int) -> None:
    cfg = _write_config(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "audit", "--format", "csv",
                                      "--fail-on-savings", threshold])
    assert result.exit_code == code, result.output


def test_csv_and_output_file(tmp_path: Path, fake_provider: object) -> None:
    cfg = _write_config(tmp_path)
    out = tmp_path / "findings.csv"
    result = CliRunner().invoke(cli, ["--config", str(cfg), "audit", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    lines = out.read_text().splitlines()
    assert lines[0].startswith("id,recommender,provider")
    assert len(lines) == 5


def test_collect_then_audit_from_snapshot_gives_same_findings(tmp_path: Path, fake_provider: object) -> None:
    cfg = _write_config(tmp_path)
    snap = tmp_path / "snap"
    runner = CliRunner()
    r1 = runner.invoke(cli, ["--config", str(cfg), "collect", "-p", "fake", "--out", str(snap)])
    assert r1.exit_code == 0, r1.output
    assert "hunter2" not in "".join(p.read_text() for p in snap.rglob("*.json"))
    live = json.loads(runner.invoke(cli, ["--config", str(cfg), "audit", "--format", "json"]).stdout)
    offline = json.loads(runner.invoke(cli, ["audit", "--from", str(snap), "--format", "json"]).stdout)
    assert [f["id"] for f in live["findings"]] == [f["id"] for f in offline["findings"]]
    assert offline["run"]["source"] == f"snapshot:{snap}"


def test_usage_errors_exit_2_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    r = runner.invoke(cli, ["audit"])
    assert r.exit_code == 2 and "Error: no provider to audit" in r.output and "Hint:" in r.output
    assert "Traceback" not in r.output
    r = runner.invoke(cli, ["audit", "-p", "nope"])
    assert r.exit_code == 2 and "unknown provider 'nope'" in r.output
    bad = tmp_path / "finml.toml"
    bad.write_text("lookback_days = 'x'")
    r = runner.invoke(cli, ["--config", str(bad), "audit", "--demo"])
    assert r.exit_code == 2 and "lookback_days" in r.output
    r = runner.invoke(cli, ["audit", "--fail-on-savings", "lots"])
    assert r.exit_code == 2


def test_invalid_recommender_setting_names_the_key(tmp_path: Path, fake_provider: object) -> None:
    cfg = _write_config(tmp_path, "[recommenders.unattached-volumes]\nmin_age = 3\n")
    r = CliRunner().invoke(cli, ["--config", str(cfg), "audit"])
    assert r.exit_code == 2 and "recommenders.unattached-volumes.min_age" in r.output


def test_help_imports_no_cloud_sdk() -> None:
    code = (
        "import sys\nfrom finml.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('boto3','botocore','azure','google','aliyunsdkcore','pynvml','mlflow','duckdb','pandas')]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out, out
