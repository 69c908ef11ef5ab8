"""Webhook notifications (Slack-compatible JSON) for scheduled audits.

Sent when the new findings of an audit add up to at least ``[notify] min_new_savings`` (default
0: any new finding) or when cost anomalies exceed ``[notify] min_anomaly_amount``. A failed
delivery is logged as a warning and never changes the audit's result or exit code.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from finml import settings as settings_mod
from finml.audit import AuditResult
from finml.config import Config
from finml.settings import setting
from finml.store.history import AuditDiff

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotifySettings:
    webhook_url: str | None = setting(None, "Where to POST (or --notify / FINML_NOTIFY_WEBHOOK).")
    min_new_savings: Decimal = setting(Decimal(0), "Notify when new findings save at least this much per month.")
    min_anomaly_amount: Decimal = setting(Decimal(100), "Notify on anomalies whose excess cost is at least this.")
    timeout_s: float = setting(10.0, "HTTP timeout for the webhook call.")


def notify_settings(config: Config) -> NotifySettings:
    return settings_mod.build(NotifySettings, config.section("notify"), "notify")


def audit_message(result: AuditResult, d: AuditDiff, currency: str) -> dict[str, Any] | None:
    new_total = sum((Decimal(f["monthly_saving"]["amount"]) for f in d.new
                     if f["monthly_saving"]["currency"] == currency), Decimal(0))
    if not d.new:
        return None
    lines = [f"*finml audit*: {len(d.new)} new finding(s) worth {new_total.quantize(Decimal('0.01'))} "
             f"{currency}/month; {len(d.resolved)} resolved; {len(result.findings)} open in total."]
    for f in sorted(d.new, key=lambda f: -Decimal(f["monthly_saving"]["amount"]))[:10]:
        m = f["monthly_saving"]
        lines.append(f"• {Decimal(m['amount']).quantize(Decimal('0.01'))} {m['currency']} — {f['title']} "
                     f"({f['provider']} {f['account']} {f['region']})")
    if result.issues:
        lines.append(f"_Partial collection: {len(result.issues)} problem(s)._")
    text = "\n".join(lines)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
            "_new_total": str(new_total)}


def anomaly_message(anomalies: Sequence[Mapping[str, Any]], s: NotifySettings) -> dict[str, Any] | None:
    big = [a for a in anomalies if Decimal(a["excess"]) >= s.min_anomaly_amount]
    if not big:
        return None
    lines = [f"*finml*: {len(big)} cost anomal{'y' if len(big) == 1 else 'ies'}"]
    for a in big[:10]:
        lines.append(f"• {a['day']} {a['dimension']}={a['value']}: {a['actual']} vs baseline {a['baseline']} "
                     f"{a['currency']} (+{a['excess']})")
    text = "\n".join(lines)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def post(url: str, message: Mapping[str, Any], timeout_s: float = 10.0) -> bool:
    body = json.dumps({k: v for k, v in message.items() if not k.startswith("_")}).encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # noqa: S310 (user-configured URL)
            ok = 200 <= resp.status < 300
    except (urllib.error.URLError, OSError, RuntimeError) as exc:
        log.warning("webhook notification failed: %s", exc)
        return False
    if not ok:
        log.warning("webhook answered HTTP %s", resp.status)
    return ok


def notify_audit(url: str | None, result: AuditResult, d: AuditDiff, config: Config) -> bool:
    s = notify_settings(config)
    target = url or s.webhook_url
    if not target:
        return False
    msg = audit_message(result, d, config.currency)
    if msg is None or Decimal(msg["_new_total"]) < s.min_new_savings:
        return False
    return post(target, msg, s.timeout_s)
