"""Microsoft Azure provider: VMs, managed disks, snapshots, public IPs, Azure Monitor metrics and
Retail Prices, read with the azure-mgmt-* SDKs (``pip install 'finml[azure]'``).

Importing this package does not import the Azure SDKs; they load when :meth:`collect` runs.
"""

from __future__ import annotations

from providers.azure.provider import AzureProvider, AzureSettings

__all__ = ["AzureProvider", "AzureSettings"]
