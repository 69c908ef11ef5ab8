"""The scheduling recipes in deploy/ parse and call finml with options that exist."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from finml.cli import cli

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def check_finml_args(args: list[str]) -> None:
    """Parse ``finml ARGS`` with the real CLI definitions (without running it)."""
    ctx = cli.make_context("finml", list(args), resilient_parsing=False)
    name = ctx.protected_args[0] if ctx.protected_args else ctx.args[0]
    rest = (ctx.protected_args + ctx.args)[1:]
    sub = cli.get_command(ctx, name)
    assert sub is not None, f"no finml subcommand {name!r}"
    sub.make_context(name, rest, parent=ctx)


def test_check_finml_args_rejects_unknown_options() -> None:
    with pytest.raises(click.UsageError):
        check_finml_args(["audit", "--no-such-flag"])


def test_kubernetes_cronjob() -> None:
    doc = yaml.safe_load((DEPLOY / "kubernetes/cronjob.yaml").read_text())
    assert (doc["apiVersion"], doc["kind"]) == ("batch/v1", "CronJob")
    assert doc["spec"]["concurrencyPolicy"] == "Forbid"
    container = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    check_finml_args(container["args"])
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["FINML_DATA_DIR"] == "/data"


def test_systemd_units() -> None:
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(DEPLOY / "systemd/finml-audit.service")
    for key in ("ExecStart", "ExecStartPost"):
        argv = shlex.split(service["Service"][key])
        assert argv[0].endswith("/finml")
        check_finml_args(argv[1:])
    assert "4" in service["Service"]["SuccessExitStatus"].split()
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(DEPLOY / "systemd/finml-audit.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"


def test_cron_lines() -> None:
    lines = [ln for ln in (DEPLOY / "cron/finml.cron").read_text().splitlines() if re.match(r"^[0-9*]", ln)]
    assert len(lines) == 2
    for line in lines:
        fields = line.split(None, 6)
        assert fields[5] == "finml"  # /etc/cron.d format: user field
        argv = shlex.split(fields[6].split(">>")[0])
        check_finml_args(argv[1:])


def test_github_actions_workflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "audit.json").write_text("{}")  # written by the audit step, read by the report step
    doc = yaml.safe_load((DEPLOY / "github-actions/finml-audit.yml").read_text())
    assert doc[True]["schedule"][0]["cron"]  # YAML 1.1 reads the key 'on' as True
    runs = [s["run"] for s in doc["jobs"]["audit"]["steps"] if "run" in s]
    finml_runs = [r for r in runs if r.startswith("finml ")]
    assert len(finml_runs) == 2
    for r in finml_runs:
        check_finml_args(shlex.split(r.split("||")[0])[1:])
