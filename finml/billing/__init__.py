"""Billing ingestion: AWS, Azure, GCP and Alibaba bills (and FOCUS files) into the FOCUS cost store.

Modules: :mod:`~finml.billing.sources` (files, folders, manifests, zip, S3),
:mod:`~finml.billing.detect` (which format), one module per source format (``aws_cur``,
``azure_export``, ``gcp_export``, ``alibaba_bill``, ``focus_file``), live pulls (``alibaba_api``,
``gcp_bigquery``, ``live``), :mod:`~finml.billing.ingest` (validate, normalise, reconcile, store),
:mod:`~finml.billing.query` (``finml costs``) and :mod:`~finml.billing.demo`. SDKs and DuckDB are
imported only when used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["IngestReport", "demo_costs", "ingest_files"]  # ingest(): finml.billing.ingest.ingest


def __getattr__(name: str) -> Any:
    if name in ("ingest_files", "IngestReport"):
        from finml.billing import ingest as module

        return getattr(module, name)
    if name == "demo_costs":
        from finml.billing.demo import demo_costs

        return demo_costs
    raise AttributeError(name)
