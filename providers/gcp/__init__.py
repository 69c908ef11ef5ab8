"""Google Cloud provider (pip extra ``gcp``). See docs/gcp.md.

Importing this package never imports the Google SDKs; collection does, lazily, and a missing SDK
raises :class:`~finml.errors.MissingExtraError` naming the ``gcp`` extra.
"""

from __future__ import annotations

from providers.gcp.provider import GcpProvider
from providers.gcp.settings import GcpSettings

__all__ = ["GcpProvider", "GcpSettings"]
