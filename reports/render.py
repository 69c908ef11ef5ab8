"""Render the report dict (:mod:`reports.data`) into one self-contained HTML file.

Jinja2 with autoescaping renders everything; resource names and tag values are untrusted and
only ever reach the page as escaped text (server side) or via ``textContent`` (client side). The
data island is JSON with ``<``, ``>`` and ``&`` escaped so it cannot close its script element.
A strict Content-Security-Policy allows only the inline script and style blocks whose SHA-256
hashes it lists: no external requests, no ``unsafe-inline``, no ``eval``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from finml import __version__

CHARTJS_VERSION = "4.6.1"


def _static(name: str) -> str:
    return resources.files("reports").joinpath("static", name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _json_island(data: Any) -> Markup:
    text = json.dumps(data, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _money(value: Any) -> str:
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01')):,}"
    except Exception:
        return str(value)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("reports", "templates"), autoescape=select_autoescape(["html", "j2"]))
    env.filters["money"] = _money
    env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=1, sort_keys=True, default=str)
    return env


def render(data: dict[str, Any]) -> str:
    css, chartjs, appjs = _static("report.css"), _static("chart.umd.min.js"), _static("report.js")
    csp = "; ".join([
        "default-src 'none'",
        f"script-src {_sha256(chartjs)} {_sha256(appjs)}",
        f"style-src {_sha256(css)}",
        "img-src data:",
        "font-src 'none'",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ])
    audit = data.get("audit") or {}
    findings = audit.get("findings", [])
    return _environment().get_template("report.html.j2").render(
        d=data,
        csp=csp,
        css=Markup(css),
        chartjs=Markup(chartjs),
        appjs=Markup(appjs),
        data_json=_json_island(data),
        version=__version__,
        chartjs_version=CHARTJS_VERSION,
        recommenders=sorted({f["recommender"] for f in findings}),
        providers=sorted({f["provider"] for f in findings}),
    )
