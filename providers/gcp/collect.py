"""Collectors: read-only Compute Engine list calls per project, stored as REST JSON pages.

Every call is a ``list`` or ``aggregatedList`` (HTTP GET). Each response page is added to
``ctx.pages`` as the REST API returns it (camelCase, int64 as strings), with the scopes (zones,
regions) outside the configured filter dropped and the dropped scopes named in ``params``. A
failure becomes a :class:`~finml.model.CollectionIssue` and the next call goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from finml.provider import CollectContext
from finml.raw import GLOBAL
from providers.gcp._sdk import GcpClients, rest_json
from providers.gcp.errors import is_google_error, issue_from_exception
from providers.gcp.settings import GcpSettings

log = logging.getLogger(__name__)

PROVIDER = "gcp"
SERVICE = "compute"


@dataclass(frozen=True)
class ListCall:
    operation: str
    client: str
    aggregated: bool


COMPUTE_CALLS = (
    ListCall("instances.aggregatedList", "InstancesClient", True),
    ListCall("disks.aggregatedList", "DisksClient", True),
    ListCall("addresses.aggregatedList", "AddressesClient", True),
    ListCall("globalAddresses.list", "GlobalAddressesClient", False),
    ListCall("regionCommitments.aggregatedList", "RegionCommitmentsClient", True),
    ListCall("snapshots.list", "SnapshotsClient", False),
    ListCall("images.list", "ImagesClient", False),
    ListCall("machineImages.list", "MachineImagesClient", False),
    ListCall("instanceTemplates.aggregatedList", "InstanceTemplatesClient", True),
    ListCall("instanceGroupManagers.aggregatedList", "InstanceGroupManagersClient", True),
)
MACHINE_TYPES = ListCall("machineTypes.aggregatedList", "MachineTypesClient", True)


def scope_wanted(scope: str, settings: GcpSettings) -> bool:
    """``zones/us-central1-a``, ``regions/us-central1`` or ``global`` against the filters."""
    kind, _, name = scope.partition("/")
    if kind == "zones":
        return settings.zone_wanted(name)
    if kind == "regions":
        return settings.region_wanted(name)
    return True


def filter_scopes(body: dict[str, Any], settings: GcpSettings) -> list[str]:
    """Drop unwanted scopes from an aggregatedList page in place; return the dropped ones."""
    items = body.get("items") or {}
    dropped = sorted(k for k in items if not scope_wanted(k, settings))
    for k in dropped:
        del items[k]
    return dropped


def run_list(
    ctx: CollectContext,
    clients: GcpClients,
    settings: GcpSettings,
    project: str,
    call: ListCall,
    extra: dict[str, Any] | None = None,
    on_page: Callable[[dict[str, Any]], None] | None = None,
) -> bool:
    """Page through one list call; True if it completed."""
    request: dict[str, Any] = {"project": project, "max_results": settings.page_size, **(extra or {})}
    try:
        client = clients.compute(call.client)
        method = client.aggregated_list if call.aggregated else client.list
        pager = method(request=request, retry=clients.retry())
        for page in pager.pages:
            body = rest_json(page)
            params: dict[str, Any] = {"project": project, "maxResults": settings.page_size}
            if extra:
                params.update({_camel(k): v for k, v in extra.items()})
            if call.aggregated:
                dropped = filter_scopes(body, settings)
                if dropped:
                    params["scopesDropped"] = dropped
            if on_page is not None:
                on_page(body)
            ctx.pages.add(PROVIDER, project, GLOBAL, SERVICE, call.operation, body, params)
    except Exception as exc:
        if not is_google_error(exc):
            raise
        log.debug("gcp %s %s failed", project, call.operation, exc_info=True)
        ctx.issue(issue_from_exception(exc, project=project, region=None, service=SERVICE,
                                       operation=call.operation))
        return False
    return True


def collect_instances(ctx: CollectContext, clients: GcpClients, settings: GcpSettings, project: str) -> None:
    """Instances, then the facts of the machine types they use (one filtered aggregatedList)."""
    used: set[str] = set()

    def note_types(body: dict[str, Any]) -> None:
        for scoped in (body.get("items") or {}).values():
            for inst in scoped.get("instances", []):
                name = str(inst.get("machineType", "")).rsplit("/", 1)[-1]
                if name and "custom" not in name:
                    used.add(name)

    run_list(ctx, clients, settings, project, COMPUTE_CALLS[0], on_page=note_types)
    if used:
        pattern = "|".join(sorted(used)).replace(".", r"\.")
        run_list(ctx, clients, settings, project, MACHINE_TYPES, extra={"filter": f'name eq "({pattern})"'})


def project_tasks(
    ctx: CollectContext, clients: GcpClients, settings: GcpSettings, project: str
) -> Iterable[tuple[str, Callable[[], Any]]]:
    """(label, thunk) for every collector of one project."""
    yield f"{project} instances", lambda: collect_instances(ctx, clients, settings, project)
    for call in COMPUTE_CALLS[1:]:
        yield f"{project} {call.operation}", _bind(ctx, clients, settings, project, call)


def _bind(ctx: CollectContext, clients: GcpClients, settings: GcpSettings, project: str,
          call: ListCall) -> Callable[[], Any]:
    return lambda: run_list(ctx, clients, settings, project, call)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)
