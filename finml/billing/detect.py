"""Which source format a billing file is, from its header or schema (``--format`` overrides)."""

from __future__ import annotations

import importlib

from finml.billing.base import SourceFormat
from finml.errors import BillingFileError, UsageError

FORMATS: dict[str, str] = {
    "aws-cur": "finml.billing.aws_cur:CUR_LEGACY",
    "aws-cur-athena": "finml.billing.aws_cur:CUR_ATHENA",
    "aws-cur2": "finml.billing.aws_cur:CUR2",
    "azure-export": "finml.billing.azure_export:AZURE_EXPORT",
    "gcp-export": "finml.billing.gcp_export:GCP_EXPORT",
    "alibaba-bill": "finml.billing.alibaba_bill:ALIBABA_BILL",
    "focus": "finml.billing.focus_file:FOCUS_FILE",
}
"""Format name -> ``module:attribute`` of its :class:`SourceFormat`."""


def get(name: str) -> SourceFormat:
    path = FORMATS.get(name)
    if path is None:
        raise UsageError(f"unknown billing format {name!r}", hint=f"known formats: {', '.join(sorted(FORMATS))}")
    module, _, attr = path.partition(":")
    fmt: SourceFormat = getattr(importlib.import_module(module), attr)
    return fmt


def detect(raw_columns: dict[str, str], file: str, provider: str | None = None) -> SourceFormat:
    """The best-scoring format for these (lower-cased) columns; ``provider`` narrows the choice."""
    best: tuple[int, SourceFormat] | None = None
    for name in FORMATS:
        fmt = get(name)
        if provider and fmt.provider not in (provider, "any"):
            continue
        score = fmt.score(raw_columns)
        if score > 0 and (best is None or score > best[0]):
            best = (score, fmt)
    if best is None:
        shown = ", ".join(list(raw_columns)[:8])
        raise BillingFileError(
            f"unknown billing layout (columns: {shown}{', ...' if len(raw_columns) > 8 else ''})",
            path=file,
            hint="finml reads AWS CUR/CUR 2.0, Azure cost exports, GCP billing exports, Alibaba bills and "
                 f"FOCUS files; force one with --format ({', '.join(sorted(FORMATS))})",
        )
    return best[1]
