"""The provider-neutral model: resources, metric series, stored objects, findings, issues.

Every provider normalises its raw API pages into these frozen dataclasses, so recommenders work
unchanged across AWS, Azure, GCP and Alibaba Cloud. Each resource keeps the provider's raw payload
in ``raw`` as an escape hatch. Field meanings per kind are documented in ``docs/model.md``.

Cost rows (FOCUS) are columnar and live in :mod:`finml.focus`, not here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from finml.money import Money


class Kind(str, Enum):
    """Provider-neutral resource kinds."""

    INSTANCE = "compute.instance"
    IMAGE = "compute.image"
    LAUNCH_TEMPLATE = "compute.launch_template"
    SCALING_GROUP = "compute.scaling_group"
    VOLUME = "storage.volume"
    SNAPSHOT = "storage.snapshot"
    BUCKET = "storage.bucket"
    ADDRESS = "network.address"
    RESERVATION = "commitment.reservation"
    SAVINGS_PLAN = "commitment.savings_plan"
    ML_RUN = "ml.run"


class InstanceState(str, Enum):
    """Power/billing state. ``STOPPED_ALLOCATED`` = stopped but compute still billed
    (Azure "stopped" without deallocation, Alibaba StoppedMode=KeepCharging)."""

    PENDING = "pending"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    STOPPED_ALLOCATED = "stopped_allocated"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    UNKNOWN = "unknown"


def _empty() -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """Anything that can cost money. ``id`` is the provider's own id (ARN/resource URI/self link)."""

    provider: str
    account: str
    region: str
    id: str
    kind: Kind
    name: str | None = None
    created_at: datetime | None = None
    tags: Mapping[str, str] = field(default_factory=_empty)
    raw: Mapping[str, Any] = field(default_factory=_empty, repr=False, compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.provider, self.account, self.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceType:
    """Facts about a machine type (from describe_instance_types, resource SKUs, machineTypes…)."""

    provider: str
    name: str
    vcpus: int
    memory_gib: float
    family: str
    gpus: int = 0
    gpu_model: str | None = None
    gpu_memory_gib: float = 0.0
    architecture: str = "x86_64"
    current_generation: bool = True
    burstable: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Instance(Resource):
    kind: Kind = Kind.INSTANCE
    instance_type: str
    state: InstanceState
    type_info: InstanceType | None = None
    platform: str = "linux"
    lifecycle: str = "on-demand"  # on-demand | spot | reserved-capacity
    launched_at: datetime | None = None
    state_since: datetime | None = None
    volume_ids: Sequence[str] = ()
    image_id: str | None = None
    billed_while_stopped: bool = False
    """True when the provider keeps billing compute while stopped (STOPPED_ALLOCATED)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Volume(Resource):
    kind: Kind = Kind.VOLUME
    size_gib: float
    volume_type: str
    attached_to: Sequence[str] = ()
    state: str = "available"
    last_detached_at: datetime | None = None
    iops: int | None = None
    throughput_mbps: int | None = None
    encrypted: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot(Resource):
    kind: Kind = Kind.SNAPSHOT
    size_gib: float
    source_volume_id: str | None = None
    incremental: bool = True
    storage_bytes: int | None = None
    """Actual stored bytes where the provider reports them (GCP storageBytes, Azure incremental)."""
    backup_managed: bool = False
    """Managed by a backup service (AWS Backup, Azure Backup / restore points)."""
    used_by: Sequence[str] = ()
    """Ids of images/disks/templates the provider itself says use this snapshot (Alibaba Usage…)."""
    retention_until: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Image(Resource):
    """A machine image (AMI, GCP image/machine image, Azure image, Alibaba custom image)."""

    kind: Kind = Kind.IMAGE
    snapshot_ids: Sequence[str] = ()
    state: str = "available"


@dataclass(frozen=True, slots=True, kw_only=True)
class LaunchTemplate(Resource):
    """A launch template/configuration (or scale set model) that pins images and snapshots."""

    kind: Kind = Kind.LAUNCH_TEMPLATE
    image_ids: Sequence[str] = ()
    snapshot_ids: Sequence[str] = ()
    in_use: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class ScalingGroup(Resource):
    kind: Kind = Kind.SCALING_GROUP
    launch_template_ids: Sequence[str] = ()
    instance_ids: Sequence[str] = ()
    desired_capacity: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Address(Resource):
    """A reserved public IP (Elastic IP, Azure public IP, GCP static address, Alibaba EIP)."""

    kind: Kind = Kind.ADDRESS
    ip: str
    associated_with: str | None = None
    state: str = "unassociated"  # associated | unassociated


@dataclass(frozen=True, slots=True, kw_only=True)
class Bucket(Resource):
    kind: Kind = Kind.BUCKET
    versioning: str = "Disabled"  # Enabled | Suspended | Disabled
    object_lock: bool = False
    objects_listed: int = 0
    listing_truncated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Commitment(Resource):
    """A Reserved Instance, Savings Plan, CUD or Alibaba RI/SCU/SP."""

    kind: Kind = Kind.RESERVATION
    commitment_type: str  # reserved-instance | savings-plan | cud | ...
    start: datetime | None = None
    end: datetime | None = None
    state: str = "active"
    instance_type: str | None = None
    instance_count: int = 0
    scope: str | None = None
    offering: str | None = None  # e.g. "All Upfront", "No Upfront"
    term_months: int | None = None
    hourly_commitment: Money | None = None
    upfront: Money | None = None
    recurring_hourly: Money | None = None


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One object version in a bucket, from a listing (S3 ListObjectsV2 and friends)."""

    provider: str
    account: str
    bucket: str
    key: str
    size: int
    etag: str
    storage_class: str
    last_modified: datetime
    version_id: str | None = None
    checksum_algorithm: str | None = None
    checksum: str | None = None
    sse_kms: bool = False
    object_lock: bool = False
    legal_hold: bool = False


@dataclass(frozen=True, slots=True)
class MetricSeries:
    """Hourly (or ``period_s``) samples of one metric for one resource.

    Metric names are provider-neutral: ``cpu.utilization`` (%), ``memory.utilization`` (%),
    ``network.in.bytes``, ``network.out.bytes`` (bytes per period), ``gpu.utilization`` (%).
    ``statistic`` is the aggregation within each period (Average, Maximum…).
    """

    provider: str
    resource_id: str
    metric: str
    unit: str
    period_s: int
    statistic: str
    timestamps: Sequence[datetime]
    values: Sequence[float]

    def __len__(self) -> int:
        return len(self.values)


SAVING_PLACES = 4
"""Decimal places kept in :attr:`Finding.monthly_saving` (banker's rounding)."""


class Confidence(str, Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A recommendation. ``id`` is stable across audits for the same recommender, resource and
    ``variant`` so that audit history can be diffed."""

    recommender: str
    rule_set: str
    provider: str
    account: str
    region: str
    resource_id: str
    resource_kind: str
    title: str
    action: str
    monthly_saving: Money
    confidence: Confidence = Confidence.HIGH
    evidence: Mapping[str, Any] = field(default_factory=_empty)
    """Figures that justify the finding (JSON-serialisable), including ``price_source``."""
    details: Mapping[str, Any] = field(default_factory=_empty)
    """What to do exactly (target type, commitment terms…)."""
    variant: str = ""
    resource_name: str | None = None
    tags: Mapping[str, str] = field(default_factory=_empty)

    def __post_init__(self) -> None:
        # A saving is an estimate (price x quantity); keep it exact to 1/100 of a cent rather than
        # carrying the 28 digits a division by 2**30 produces.
        saving = self.monthly_saving
        object.__setattr__(self, "monthly_saving", saving.rounded(SAVING_PLACES))

    @property
    def id(self) -> str:
        return finding_id(self.recommender, self.provider, self.account, self.resource_id, self.variant)


def finding_id(recommender: str, provider: str, account: str, resource_id: str, variant: str = "") -> str:
    basis = "\x1f".join((recommender, provider, account, resource_id, variant))
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectionIssue:
    """Something finml could not collect; the audit goes on without it."""

    provider: str
    account: str | None
    region: str | None
    service: str | None
    operation: str | None
    cause: str  # access-denied | throttled | region-disabled | auth | error
    message: str
    permission: str | None = None
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CollectionIssue:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Skipped:
    """A resource a recommender looked at but could not judge, with the reason."""

    recommender: str
    provider: str
    resource_id: str
    reason: str


@dataclass(slots=True)
class Estate:
    """Everything collected from one or more providers, ready for the recommenders."""

    resources: list[Resource] = field(default_factory=list)
    metrics: list[MetricSeries] = field(default_factory=list)
    objects: list[StoredObject] = field(default_factory=list)
    instance_types: dict[tuple[str, str], InstanceType] = field(default_factory=dict)
    issues: list[CollectionIssue] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    _metric_index: tuple[int, dict[str, dict[str, MetricSeries]]] | None = field(
        default=None, repr=False, compare=False
    )

    def extend(self, other: Estate) -> None:
        self.resources.extend(other.resources)
        self.metrics.extend(other.metrics)
        self.objects.extend(other.objects)
        self.instance_types.update(other.instance_types)
        self.issues.extend(other.issues)
        for p in other.providers:
            if p not in self.providers:
                self.providers.append(p)

    def of_kind(self, kind: Kind) -> list[Resource]:
        return [r for r in self.resources if r.kind == kind]

    def metrics_for(self, resource_id: str) -> dict[str, MetricSeries]:
        """Metric series for one resource, by metric name (index rebuilt when metrics change)."""
        if self._metric_index is None or self._metric_index[0] != len(self.metrics):
            index: dict[str, dict[str, MetricSeries]] = {}
            for s in self.metrics:
                index.setdefault(s.resource_id, {})[s.metric] = s
            self._metric_index = (len(self.metrics), index)
        return self._metric_index[1].get(resource_id, {})
