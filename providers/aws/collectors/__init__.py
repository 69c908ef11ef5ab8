"""Per-service collectors (one module per AWS service) and the jobs the fan-out runs.

A job is ``(service, label, fn)``; ``fn(scope)`` calls read-only APIs through the scope, which
records every page. Regional jobs run for every account x region, account jobs once per account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from providers.aws.collectors import autoscaling, ec2, s3, savingsplans
from providers.aws.scope import Scope


@dataclass(frozen=True)
class Job:
    service: str
    label: str
    fn: Callable[[Scope], None]


REGIONAL_JOBS: tuple[Job, ...] = (
    Job("ec2", "instances", ec2.instances),
    Job("ec2", "volumes", ec2.volumes),
    Job("ec2", "snapshots", ec2.snapshots),
    Job("ec2", "images", ec2.images),
    Job("ec2", "launch templates", ec2.launch_templates),
    Job("ec2", "addresses", ec2.addresses),
    Job("ec2", "reserved instances", ec2.reserved_instances),
    Job("autoscaling", "auto scaling groups", autoscaling.groups),
    Job("autoscaling", "launch configurations", autoscaling.launch_configurations),
)

ACCOUNT_JOBS: tuple[Job, ...] = (
    Job("s3", "buckets", s3.buckets),
    Job("savingsplans", "savings plans", savingsplans.savings_plans),
)

__all__ = ["Job", "REGIONAL_JOBS", "ACCOUNT_JOBS"]
