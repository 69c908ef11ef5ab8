"""Fakes for the Azure tests: a credential and an azure-core transport serving ARM REST JSON.

The real azure-mgmt-* clients run unchanged on top: requests are built, authenticated, retried and
paged by the SDK; :class:`FakeArm` only answers them from hand-written JSON in the exact shapes the
ARM REST API documents, and records every request so tests can check paging and read-only use.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import HttpTransport

from providers.azure._http import json_response

ARM = "https://management.azure.com"
SUB_A = "11111111-1111-4111-8111-111111111111"
SUB_B = "22222222-2222-4222-8222-222222222222"

Reply = dict[str, Any] | tuple[int, Any] | tuple[int, Any, dict[str, str]]


class FakeCredential:
    """A TokenCredential that always has a token (or raises ``error``)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        if self.error is not None:
            raise self.error
        return AccessToken("fake-token", int(time.time()) + 3600)


@dataclass
class Route:
    method: str
    path: str
    query: dict[str, str | None]
    replies: Sequence[Reply | Callable[[Any], Reply]]
    calls: int = 0


@dataclass
class FakeArm(HttpTransport):  # type: ignore[type-arg]
    """Serves registered routes (first match wins; the last reply of a route repeats)."""

    routes: list[Route] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def route(self, path: str, *replies: Reply, query: dict[str, str | None] | None = None,
              method: str = "GET") -> FakeArm:
        """``path`` is a regex on the URL path; ``query`` values must match (None: must be absent)."""
        self.routes.append(Route(method, path, dict(query or {}), list(replies)))
        return self

    def send(self, request: Any, **kwargs: Any) -> Any:
        url = urlsplit(str(request.url))
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self.lock:
            self.requests.append((str(request.method), str(request.url)))
            for r in self.routes:
                if r.method != request.method or not re.fullmatch(r.path, url.path, re.IGNORECASE):
                    continue
                if any(query.get(k) != v for k, v in r.query.items()):
                    continue
                reply = r.replies[min(r.calls, len(r.replies) - 1)]
                r.calls += 1
                break
            else:
                reply = (404, {"error": {"code": "ResourceNotFound", "message": f"no fake route for {url.path}"}})
        if callable(reply):
            reply = reply(request)
        if isinstance(reply, dict):
            return json_response(request, 200, reply)
        status, body, *rest = reply
        return json_response(request, status, body, rest[0] if rest else None)

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def __exit__(self, *args: Any) -> None:
        return None

    def sleep(self, duration: float) -> None:
        self.sleeps.append(duration)

    def paths(self, method: str = "GET") -> list[str]:
        return [urlsplit(u).path for m, u in self.requests if m == method]


# ---- ARM REST JSON builders (shapes from the Azure REST API reference) -------------------------


def arm_id(sub: str, rg: str, provider: str, kind: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider}/{kind}/{name}"


def vm_json(sub: str, rg: str, name: str, size: str, location: str, *, os_type: str = "Linux",
            data_disks: Sequence[str] = (), priority: str | None = None) -> dict[str, Any]:
    vm = arm_id(sub, rg, "Microsoft.Compute", "virtualMachines", name)
    props: dict[str, Any] = {
        "vmId": "0f3a9c2e-5f0b-4a44-a6f3-7f1d2b8e6a10",
        "hardwareProfile": {"vmSize": size},
        "storageProfile": {
            "imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
                               "sku": "22_04-lts-gen2", "version": "latest"},
            "osDisk": {"osType": os_type, "name": f"{name}_OsDisk_1", "createOption": "FromImage",
                       "caching": "ReadWrite",
                       "managedDisk": {"storageAccountType": "Premium_LRS",
                                       "id": arm_id(sub, rg, "Microsoft.Compute", "disks", f"{name}_OsDisk_1")},
                       "diskSizeGB": 30},
            "dataDisks": [{"lun": i, "name": d, "createOption": "Attach", "caching": "None",
                           "managedDisk": {"storageAccountType": "Premium_LRS",
                                           "id": arm_id(sub, rg, "Microsoft.Compute", "disks", d)},
                           "diskSizeGB": 256, "toBeDetached": False} for i, d in enumerate(data_disks)],
        },
        "osProfile": {"computerName": name, "adminUsername": "azureuser", "adminPassword": "Hunter2!x",
                      "linuxConfiguration": {"disablePasswordAuthentication": False}},
        "networkProfile": {"networkInterfaces": [
            {"id": arm_id(sub, rg, "Microsoft.Network", "networkInterfaces", f"{name}-nic")}]},
        "provisioningState": "Succeeded",
        "timeCreated": "2026-03-02T10:15:31.4227161+00:00",
    }
    if priority:
        props["priority"] = priority
    return {"name": name, "id": vm, "type": "Microsoft.Compute/virtualMachines", "location": location,
            "tags": {"team": "ml"}, "properties": props}


def status_json(vm: dict[str, Any], power: str, since: str = "2026-10-20T08:00:00.1234567+00:00") -> dict[str, Any]:
    return {"name": vm["name"], "id": vm["id"], "location": vm["location"], "properties": {"instanceView": {
        "statuses": [
            {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
             "time": since},
            {"code": f"PowerState/{power}", "level": "Info", "displayStatus": f"VM {power}"},
        ]}}}


def disk_json(sub: str, rg: str, name: str, location: str, *, sku: str, gib: int, state: str,
              managed_by: str | None = None, last_owner: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "creationData": {"createOption": "Empty"}, "diskSizeGB": gib, "diskSizeBytes": gib * 1024**3,
        "diskIOPSReadWrite": 1100, "diskMBpsReadWrite": 125,
        "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
        "timeCreated": "2026-01-10T09:00:00.0000000+00:00", "provisioningState": "Succeeded",
        "diskState": state, "uniqueId": "b1b5f6e1-0000-4000-8000-00000000000a",
    }
    if last_owner:
        props["LastOwnershipUpdateTime"] = last_owner
    disk: dict[str, Any] = {"name": name, "id": arm_id(sub, rg, "Microsoft.Compute", "disks", name),
                            "type": "Microsoft.Compute/disks", "location": location,
                            "sku": {"name": sku, "tier": sku.split("_")[0]}, "properties": props}
    if managed_by:
        disk["managedBy"] = managed_by
    return disk


def page(items: list[dict[str, Any]], next_link: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"value": items}
    if next_link:
        body["nextLink"] = next_link
    return body


def forbidden(action: str, sub: str) -> tuple[int, Any]:
    return (403, {"error": {
        "code": "AuthorizationFailed",
        "message": f"The client 'c0ffee00-0000-4000-8000-000000000001' with object id "
                   f"'c0ffee00-0000-4000-8000-000000000001' does not have authorization to perform action "
                   f"'{action}' over scope '/subscriptions/{sub}' or the scope is invalid. If access was "
                   f"recently granted, please refresh your credentials."}})
