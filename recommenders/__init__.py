"""Recommender plug-ins. Built-ins are imported lazily by name (see :mod:`finml.registry`)."""

from __future__ import annotations

from finml.recommender import Recommender
from finml.registry import Registry

BUILTIN_RECOMMENDERS = {
    "unattached-volumes": "recommenders.unattached_volumes:UnattachedVolumes",
    "unused-addresses": "recommenders.unused_addresses:UnusedAddresses",
    "snapshot-cleanup": "recommenders.snapshot_cleanup:SnapshotCleanup",
    "s3-duplicates": "recommenders.s3_duplicates:S3Duplicates",
    "stopped-instances": "recommenders.stopped_instances:StoppedInstances",
    "rightsizing": "recommenders.rightsizing:Rightsizing",
    "idle-instances": "recommenders.idle_instances:IdleInstances",
    "previous-generation": "recommenders.previous_generation:PreviousGeneration",
    "commitment-utilisation": "recommenders.commitment_utilisation:CommitmentUtilisation",
    "commitment-expiry": "recommenders.commitment_expiry:CommitmentExpiry",
    "commitment-purchase": "recommenders.commitment_purchase:CommitmentPurchase",
}

registry: Registry[Recommender] = Registry("recommender", BUILTIN_RECOMMENDERS, "finml.recommenders")

__all__ = ["registry", "BUILTIN_RECOMMENDERS"]
