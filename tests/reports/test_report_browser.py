"""The HTML report in a real browser: loads offline, draws charts, sorts, keeps XSS inert."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from finml.cli import cli
from finml.store.costs import CostStore
from tests.reports.focus_rows import rows

XSS = "<img src=x onerror=alert(1)>"


def _audit_doc() -> dict[str, Any]:
    def finding(i: int, amount: str, rec: str, name: str | None = None) -> dict[str, Any]:
        return {
            "id": f"{i:016x}", "recommender": rec, "rule_set": "finml-default", "provider": "aws",
            "account": "111111111111", "region": "us-east-1", "resource_id": f"vol-{i}",
            "resource_name": name, "resource_kind": "storage.volume", "title": f"Delete volume {i}",
            "action": "delete", "monthly_saving": {"amount": amount, "currency": "USD"},
            "confidence": "high", "evidence": {"size_gib": i, "note": XSS}, "details": {},
            "tags": {"owner": XSS},
        }
    findings = [finding(1, "8.00", "unattached-volumes", XSS), finding(2, "120.50", "unattached-volumes"),
                finding(3, "3.65", "unused-addresses"), finding(4, "42.00", "unused-addresses")]
    return {
        "schema": "finml-audit/1",
        "run": {"source": "live", "analysed_at": "2026-11-01T00:00:00+00:00", "rule_set": "finml-default"},
        "totals": {"all": [{"amount": "174.15", "currency": "USD"}],
                   "by_recommender": {"unattached-volumes": [{"amount": "128.50", "currency": "USD"}],
                                      "unused-addresses": [{"amount": "45.65", "currency": "USD"}]},
                   "by_provider": {"aws": [{"amount": "174.15", "currency": "USD"}]}},
        "findings": findings,
        "collection_errors": [{"provider": "aws", "account": "111111111111", "region": "eu-west-1",
                               "service": "ec2", "cause": "access-denied", "message": XSS,
                               "permission": "ec2:DescribeVolumes", "hint": None}],
        "skipped": [], "excluded": [],
    }


@pytest.fixture()
def report_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("FINML_DATA_DIR", str(data_dir))
    CostStore(data_dir).write_partition(
        rows(date(2026, 8, 1), 92, spike_day=date(2026, 10, 28), xss_tag=XSS), "aws", "2026-08", "payer")
    audit = tmp_path / "audit.json"
    audit.write_text(json.dumps(_audit_doc()))
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--audit", str(audit), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_report_in_browser(browser: Any, report_file: Path, artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console_errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    url = report_file.as_uri()
    page.goto(url)
    page.wait_for_load_state("load")

    assert console_errors == []
    assert requests == [url], f"the report made network requests: {requests}"
    # charts drawn: three Chart.js instances with non-blank canvases
    assert page.evaluate("Object.keys(Chart.instances).length") == 3
    blank = page.evaluate(
        "Array.from(document.querySelectorAll('canvas')).filter(c => {"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return false; return true; }).length")
    assert blank == 0

    # XSS stays text: no injected element, no dialog, the literal text is visible
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert dialogs == []
    assert XSS in page.inner_text("#findings") and XSS in page.inner_text("#anomalies")

    # findings sort by saving (ascending, then descending) and filter
    def savings() -> list[float]:
        return [float(v) for v in page.eval_on_selector_all(
            "#findings tbody tr:not([hidden]) td:first-child", "tds => tds.map(t => t.dataset.value)")]

    assert savings() == [8.0, 120.5, 3.65, 42.0]  # rendered in the audit's order
    page.click("#findings th:first-child")
    assert savings() == sorted(savings()) == [3.65, 8.0, 42.0, 120.5]
    page.click("#findings th:first-child")
    assert savings() == [120.5, 42.0, 8.0, 3.65]
    page.select_option("#f-rec", "unused-addresses")
    assert savings() == [42.0, 3.65]
    assert page.inner_text("#f-count") == "2 of 4 shown"
    page.select_option("#f-rec", "")
    page.screenshot(path=str(artifacts / "report-desktop.png"), full_page=True)

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(url)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"page overflows a phone screen: {width}px"
    phone.screenshot(path=str(artifacts / "report-phone.png"), full_page=True)
    page.close()
    phone.close()


def test_demo_report_in_browser(browser: Any, tmp_path: Path, artifacts: Path) -> None:
    out = tmp_path / "demo.html"
    result = CliRunner().invoke(cli, ["report", "--demo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size < 5_000_000
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(out.as_uri())
    page.wait_for_load_state("load")
    assert errors == [] and requests == [out.as_uri()]
    assert page.evaluate("Object.keys(Chart.instances).length") == 3
    rows = page.eval_on_selector_all("#findings tbody tr", "trs => trs.length")
    providers = set(page.eval_on_selector_all("#findings tbody tr", "trs => trs.map(t => t.dataset.provider)"))
    assert rows > 100 and providers == {"aws", "azure", "gcp", "alibaba"}
    # the planted SageMaker spike in the demo bills is flagged
    assert "Amazon SageMaker" in page.inner_text("#anomalies")
    page.screenshot(path=str(artifacts / "report-demo.png"), full_page=True)
    page.close()
