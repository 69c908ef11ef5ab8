"""``normalise(pages) -> Estate`` for AWS: pure, no I/O, no clock."""

from __future__ import annotations

from finml.model import Estate, Resource
from finml.raw import RawPages
from providers.aws import _compute, _storage


def normalise(pages: RawPages) -> Estate:
    types = _compute.instance_types(pages)
    groups = _compute.scaling_groups(pages)
    images = list(_compute.images(pages))
    templates = list(_compute.launch_templates(pages, groups))
    buckets, objects = _storage.buckets_and_objects(pages)
    resources: list[Resource] = [
        *_compute.instances(pages, types),
        *_storage.volumes(pages),
        *_storage.snapshots(pages, images, templates),
        *images,
        *templates,
        *groups,
        *_compute.addresses(pages),
        *buckets,
        *_compute.reserved_instances(pages),
        *_compute.savings_plans(pages),
    ]
    return Estate(
        resources=resources, metrics=_storage.metrics(pages), objects=objects, instance_types=types,
        issues=pages.issues, providers=["aws"],
    )
