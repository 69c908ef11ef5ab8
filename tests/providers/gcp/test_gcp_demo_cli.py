"""The demo estate and ``finml audit`` end to end for GCP (demo, and live over the fakes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from statistics import mean
from typing import Any

import pytest
from click.testing import CliRunner

import finml.audit
from finml.audit import DEMO_NOW
from finml.cli import cli
from finml.errors import MissingExtraError
from finml.model import Instance, Kind, LaunchTemplate, ScalingGroup, Snapshot, Volume
from providers.gcp import GcpProvider
from tests.providers.gcp.gcp_fakes import FakeGoogleApis, compute_routes


def _findings(out: str) -> list[dict[str, Any]]:
    return json.loads(out)["findings"]


def test_demo_is_deterministic_and_sized() -> None:
    a, b = GcpProvider.demo_pages(DEMO_NOW), GcpProvider.demo_pages(DEMO_NOW)
    assert [(p.account, p.operation, p.response) for p in a] == [(p.account, p.operation, p.response) for p in b]
    estate = GcpProvider.normalise(a)
    assert 60 <= len(estate.resources) <= 100
    assert {r.account for r in estate.resources} == {"acme-ml-prod", "acme-web-stg"}
    assert {r.region for r in estate.of_kind(Kind.INSTANCE)} == {"us-central1", "europe-west4", "asia-southeast1"}


def test_demo_plants_the_waste_and_the_trap() -> None:
    estate = GcpProvider.normalise(GcpProvider.demo_pages(DEMO_NOW))
    by_name = {r.name: r for r in estate.resources if r.kind != Kind.VOLUME}  # boot disks share VM names
    loose = {r.name for r in estate.of_kind(Kind.VOLUME) if isinstance(r, Volume) and not r.attached_to}
    assert loose == {"ml-scratch-old", "ml-dataset-copy", "ml-tmp-fresh", "web-old-boot"}
    trap = by_name["golden-base-v3-src"]
    assert isinstance(trap, Snapshot) and trap.used_by == ["projects/acme-ml-prod/global/images/golden-base-v3"]
    idle, big = by_name["ml-notebook-idle"], by_name["ml-etl-big"]
    assert isinstance(idle, Instance) and isinstance(big, Instance)
    assert mean(estate.metrics_for(idle.id)["cpu.utilization"].values) < 3
    assert big.type_info is not None and big.type_info.vcpus == 16
    assert mean(estate.metrics_for(big.id)["cpu.utilization"].values) < 10
    assert len(estate.metrics_for(big.id)["cpu.utilization"]) == 14 * 24
    stopped = by_name["ml-labeler-old"]
    assert isinstance(stopped, Instance) and stopped.state.value == "stopped" and not stopped.billed_while_stopped
    assert [r.name for r in estate.of_kind(Kind.RESERVATION)] == ["ml-n2-1y-2026"]
    (mig,) = estate.of_kind(Kind.SCALING_GROUP)
    assert isinstance(mig, ScalingGroup) and [i.rsplit("/", 1)[1] for i in mig.instance_ids] == [
        "ml-serving-1", "ml-serving-2"]
    templates = {r.name: r for r in estate.of_kind(Kind.LAUNCH_TEMPLATE)}
    assert isinstance(templates["ml-serving-tpl-v2"], LaunchTemplate) and templates["ml-serving-tpl-v2"].in_use
    assert templates["ml-serving-tpl-v2"].image_ids == ["projects/acme-ml-prod/global/images/golden-base-v3"]
    assert not templates["ml-serving-tpl-v1"].in_use  # type: ignore[attr-defined]


def test_demo_audit_json_shows_gcp_findings() -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["audit", "--demo", "-p", "gcp", "--format", "json"])
    second = runner.invoke(cli, ["audit", "--demo", "-p", "gcp", "--format", "json"])
    assert first.exit_code == 0, first.output
    findings = _findings(first.output)
    assert findings == _findings(second.output)
    got = {(f["recommender"], f["resource_name"]) for f in findings}
    assert {("unattached-volumes", "ml-scratch-old"), ("unattached-volumes", "ml-dataset-copy"),
            ("unattached-volumes", "web-old-boot"), ("unused-addresses", "ml-legacy-ingress"),
            ("unused-addresses", "web-old-lb")} <= got
    assert ("unattached-volumes", "ml-tmp-fresh") not in got  # detached 2 days ago
    assert all(f["provider"] == "gcp" for f in findings)
    scratch = next(f for f in findings if f["resource_name"] == "ml-scratch-old")
    assert scratch["monthly_saving"] == {"amount": "85.0000", "currency": "USD"}  # 500 GB x 0.17 pd-ssd


def test_demo_audit_reports_the_unused_global_address() -> None:
    result = CliRunner().invoke(cli, ["audit", "--demo", "-p", "gcp", "--format", "json"])
    assert result.exit_code == 0, result.output
    unused = {f["resource_id"]: f for f in _findings(result.output) if f["recommender"] == "unused-addresses"}
    glob = unused["projects/acme-ml-prod/global/addresses/ml-old-global-lb"]
    assert (glob["region"], glob["account"], glob["action"]) == ("global", "acme-ml-prod", "release")
    assert glob["monthly_saving"] == {"amount": "7.3000", "currency": "USD"}  # 0.01/h x 730 h
    assert glob["evidence"]["ip"] == "34.117.52.140" and glob["evidence"]["price"] == "0.01"
    assert glob["evidence"]["price_source"].startswith("embedded:cloud.google.com/vpc/network-pricing")


def test_embedded_prices_answer_for_global_addresses() -> None:
    from decimal import Decimal

    from finml.pricing.embedded import EmbeddedCatalog

    quote = EmbeddedCatalog.load().address_hour("gcp", "global")
    assert quote is not None and quote.unit == "hour"
    assert quote.price.amount == Decimal("0.01") and quote.price.currency == "USD"


@pytest.fixture
def live_gcp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, google_apis: FakeGoogleApis,
             gcp_clients: Any) -> Path:
    """``finml audit -p gcp`` with the fake transports injected through gather's ``clients``."""
    compute_routes(google_apis)
    real_gather = finml.audit.gather

    def gather(names: Any, source: Any, config: Any, **kw: Any) -> Any:
        kw["clients"] = {"gcp": gcp_clients()}
        return real_gather(names, source, config, **kw)

    monkeypatch.setattr(finml.audit, "gather", gather)
    config = tmp_path / "finml.toml"
    config.write_text('[providers.gcp]\nprojects = ["finml-test-1"]\nretry_initial_s = 0.01\n')
    return config


def test_live_audit_finds_unattached_disk_and_unused_address(live_gcp: Path, google_apis: FakeGoogleApis) -> None:
    result = CliRunner().invoke(cli, ["--config", str(live_gcp), "audit", "--provider", "gcp", "--format", "json"])
    assert result.exit_code == 0, result.output
    ids = {f["resource_id"] for f in _findings(result.output)}
    assert "projects/finml-test-1/zones/us-central1-a/disks/orphan-data" in ids
    assert "projects/finml-test-1/regions/us-central1/addresses/forgotten-ip" in ids
    assert "projects/finml-test-1/regions/us-central1/addresses/web-ip" not in ids
    assert "projects/finml-test-1/global/addresses/old-cdn-ip" in ids
    assert not ids & {"projects/finml-test-1/global/addresses/web-lb-ip",
                      "projects/finml-test-1/global/addresses/api-lb-ip-new",
                      "projects/finml-test-1/global/addresses/google-managed-services-default"}
    assert {s.method for s in google_apis.seen} == {"GET"}


def test_live_audit_is_partial_when_a_permission_is_missing(live_gcp: Path, google_apis: FakeGoogleApis) -> None:
    from tests.providers.gcp.gcp_fakes import COMPUTE, error_body

    google_apis.routes[(f"{COMPUTE}/finml-test-1/aggregated/addresses", "")] = [(403, error_body(
        403, "PERMISSION_DENIED", "Required 'compute.addresses.list' permission for 'projects/finml-test-1'"))]
    result = CliRunner().invoke(cli, ["--config", str(live_gcp), "audit", "-p", "gcp", "--format", "json"])
    assert result.exit_code == 4, result.output
    body = json.loads(result.stdout)
    assert any("orphan-data" in f["resource_id"] for f in body["findings"])
    assert "compute.addresses.list" in result.output


def test_audit_without_credentials_exits_2_with_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from google.auth.compute_engine import _metadata

    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)
    config = tmp_path / "finml.toml"
    config.write_text('[providers.gcp]\nprojects = ["p"]\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "audit", "-p", "gcp"])
    assert result.exit_code == 2
    assert "Error:" in result.output and "gcloud auth application-default login" in result.output
    assert "Traceback" not in result.output


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "google.cloud.compute_v1", None)
    from google.auth.credentials import AnonymousCredentials

    from finml.provider import CollectContext
    from finml.raw import RawPages
    from providers.gcp.settings import GcpSettings

    provider = GcpProvider(GcpSettings(projects=["p"], metrics=False), credentials=AnonymousCredentials())
    with pytest.raises(MissingExtraError) as err:
        provider.collect(CollectContext(pages=RawPages(), now=DEMO_NOW))
    assert err.value.extra == "gcp" and "finml[gcp]" in (err.value.hint or "")


def test_importing_the_provider_and_demo_does_not_import_google() -> None:
    code = (
        "import sys\n"
        "from providers import registry\n"
        "cls = registry.get('gcp')\n"
        "from finml.audit import DEMO_NOW\n"
        "cls.normalise(cls.demo_pages(DEMO_NOW))\n"
        "bad = sorted(m for m in sys.modules if m.startswith('google'))\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)


def test_demo_survives_a_snapshot_round_trip(tmp_path: Path) -> None:
    from finml.raw import RawPages

    pages = GcpProvider.demo_pages(DEMO_NOW)
    pages.write_dir(tmp_path / "snap", created_at=DEMO_NOW, finml_version="test")
    again = RawPages.read_dir(tmp_path / "snap", ["gcp"])
    a, b = GcpProvider.normalise(pages), GcpProvider.normalise(again)
    assert sorted(r.id for r in a.resources) == sorted(r.id for r in b.resources)
    assert len(a.metrics) == len(b.metrics) and a.instance_types == b.instance_types
