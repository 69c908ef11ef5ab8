"""Cloud provider plug-ins. Built-ins are imported lazily by name (see :mod:`finml.registry`)."""

from __future__ import annotations

from finml.provider import Provider
from finml.registry import Registry

BUILTIN_PROVIDERS = {
    "aws": "providers.aws:AwsProvider",
    "azure": "providers.azure:AzureProvider",
    "gcp": "providers.gcp:GcpProvider",
    "alibaba": "providers.alibaba:AlibabaProvider",
}

registry: Registry[Provider] = Registry("provider", BUILTIN_PROVIDERS, "finml.providers")

__all__ = ["registry", "BUILTIN_PROVIDERS"]
