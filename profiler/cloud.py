"""Where the run is: provider, region and instance type, for pricing.

Configuration wins (``[profiler]`` settings or ``FINML_INSTANCE_TYPE``/``FINML_REGION``/
``FINML_PROVIDER``). Otherwise the metadata services are asked once per process, each request
with a short timeout (default 0.3 s): AWS IMDSv2 (token PUT, then GETs), GCP (header
``Metadata-Flavor: Google``), Azure IMDS (header ``Metadata: true`` with ``api-version``) and
Alibaba Cloud (100.100.100.200). The DMI vendor strings, when readable, pick the one service to
ask; off-cloud machines are recognised without any request. Every failure (refused, timeout,
blocked socket) means "not this cloud"; detection never raises and never hangs.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["InstanceIdentity", "Http", "detect_identity", "urllib_http", "AWS_IMDS"]

AWS_IMDS = "http://169.254.169.254"
GCP_METADATA = "http://169.254.169.254/computeMetadata/v1"
AZURE_IMDS = "http://169.254.169.254/metadata/instance/compute?api-version=2021-02-01"
ALIBABA_METADATA = "http://100.100.100.200/latest/meta-data"

Http = Callable[[str, str, Mapping[str, str], float], tuple[int, str]]
"""``http(method, url, headers, timeout) -> (status, body)``; raises on connection failure."""


@dataclass(frozen=True, slots=True)
class InstanceIdentity:
    provider: str | None = None
    region: str | None = None
    instance_type: str | None = None
    zone: str | None = None
    lifecycle: str | None = None
    """``spot`` when the metadata service says so (AWS ``instance-life-cycle``, GCP preemptible)."""
    source: str = "unknown"
    """``config``, ``env``, ``metadata:<provider>`` or ``unknown``."""

    def to_json(self) -> dict[str, Any]:
        return {"provider": self.provider, "region": self.region,
                "instance_type": self.instance_type, "zone": self.zone,
                "lifecycle": self.lifecycle, "source": self.source}


def urllib_http(method: str, url: str, headers: Mapping[str, str], timeout: float) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, method=method, headers=dict(headers),
                                 data=b"" if method == "PUT" else None)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _get(http: Http, url: str, headers: Mapping[str, str], timeout: float) -> str | None:
    try:
        status, body = http("GET", url, headers, timeout)
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        log.debug("metadata GET %s failed: %r", url, exc)
        return None
    return body.strip() if status == 200 else None


def aws_token(http: Http, timeout: float) -> str | None:
    try:
        status, body = http("PUT", f"{AWS_IMDS}/latest/api/token",
                            {"X-aws-ec2-metadata-token-ttl-seconds": "21600"}, timeout)
    except Exception as exc:  # noqa: BLE001
        log.debug("IMDSv2 token request failed: %r", exc)
        return None
    return body.strip() if status == 200 and body else None


def _aws(http: Http, timeout: float) -> InstanceIdentity | None:
    token = aws_token(http, timeout)
    if token is None:
        return None
    h = {"X-aws-ec2-metadata-token": token}
    base = f"{AWS_IMDS}/latest/meta-data"
    itype = _get(http, f"{base}/instance-type", h, timeout)
    if itype is None:
        return None
    zone = _get(http, f"{base}/placement/availability-zone", h, timeout)
    region = _get(http, f"{base}/placement/region", h, timeout) or (zone[:-1] if zone else None)
    life = _get(http, f"{base}/instance-life-cycle", h, timeout)
    return InstanceIdentity("aws", region, itype, zone, "spot" if life == "spot" else life,
                            "metadata:aws")


def _gcp(http: Http, timeout: float) -> InstanceIdentity | None:
    h = {"Metadata-Flavor": "Google"}
    mtype = _get(http, f"{GCP_METADATA}/instance/machine-type", h, timeout)
    if mtype is None:
        return None
    zone_path = _get(http, f"{GCP_METADATA}/instance/zone", h, timeout) or ""
    zone = zone_path.rsplit("/", 1)[-1] or None
    pre = _get(http, f"{GCP_METADATA}/instance/scheduling/preemptible", h, timeout)
    return InstanceIdentity("gcp", zone.rsplit("-", 1)[0] if zone else None,
                            mtype.rsplit("/", 1)[-1], zone, "spot" if pre == "TRUE" else None,
                            "metadata:gcp")


def _azure(http: Http, timeout: float) -> InstanceIdentity | None:
    body = _get(http, AZURE_IMDS, {"Metadata": "true"}, timeout)
    if body is None:
        return None
    try:
        d = json.loads(body)
    except ValueError:
        return None
    prio = str(d.get("priority") or "").lower()
    return InstanceIdentity("azure", d.get("location"), d.get("vmSize"), d.get("zone") or None,
                            "spot" if prio == "spot" else None, "metadata:azure")


def _alibaba(http: Http, timeout: float) -> InstanceIdentity | None:
    itype = _get(http, f"{ALIBABA_METADATA}/instance/instance-type", {}, timeout)
    if itype is None:
        return None
    region = _get(http, f"{ALIBABA_METADATA}/region-id", {}, timeout)
    zone = _get(http, f"{ALIBABA_METADATA}/zone-id", {}, timeout)
    return InstanceIdentity("alibaba", region, itype, zone, None, "metadata:alibaba")


_PROBES = {"aws": _aws, "gcp": _gcp, "azure": _azure, "alibaba": _alibaba}


def dmi_vendor(root: Path = Path("/sys/class/dmi/id")) -> str | None:
    """The cloud named by the DMI vendor strings; ``""`` when readable and not a cloud;
    ``None`` when unreadable (then every service is asked)."""
    texts = []
    for name in ("sys_vendor", "bios_vendor", "product_name", "board_vendor", "chassis_asset_tag"):
        try:
            texts.append((root / name).read_text(encoding="utf-8", errors="replace").strip().lower())
        except OSError:
            continue
    if not texts:
        return None
    blob = " ".join(texts)
    for needle, provider in (("amazon", "aws"), ("google", "gcp"),
                             ("7783-7084-3265-9085-8269-3286-77", "azure"),
                             ("microsoft", "azure"), ("alibaba", "alibaba")):
        if needle in blob:
            return provider
    return ""


_cache: dict[str, InstanceIdentity] = {}
_cache_lock = threading.Lock()


def detect_identity(settings: Any, http: Http | None = None, env: Mapping[str, str] | None = None,
                    vendor: str | None | bool = False) -> InstanceIdentity:
    """The host's identity: from settings/env, else metadata (once per process), else unknown.

    ``vendor`` overrides the DMI lookup (``False`` = read DMI); ``http`` is injectable for tests.
    """
    env = os.environ if env is None else env
    if settings.instance_type or settings.hourly_price is not None:
        src = "env" if env.get("FINML_INSTANCE_TYPE") or env.get("FINML_HOURLY_PRICE") else "config"
        return InstanceIdentity(settings.provider, settings.region, settings.instance_type,
                                source=src)
    if not settings.detect_cloud:
        return InstanceIdentity(settings.provider, settings.region, source="unknown")
    key = "default" if http is None and vendor is False else ""
    with _cache_lock:
        if key and key in _cache:
            return _cache[key]
        found = _probe(http or urllib_http, settings.metadata_timeout_s,
                       dmi_vendor() if vendor is False else vendor, env)
        if settings.provider or settings.region:
            found = replace(found, provider=settings.provider or found.provider,
                            region=settings.region or found.region)
        if key:
            _cache[key] = found
    return found


def _probe(http: Http, timeout: float, vendor: str | None | bool,
           env: Mapping[str, str]) -> InstanceIdentity:
    if vendor == "":
        return InstanceIdentity(source="unknown")
    names = [vendor] if isinstance(vendor, str) and vendor in _PROBES else list(_PROBES)
    for name in names:
        if name == "aws" and str(env.get("AWS_EC2_METADATA_DISABLED", "")).lower() == "true":
            continue
        try:
            found = _PROBES[name](http, timeout)
        except Exception as exc:  # noqa: BLE001 - detection never raises
            log.debug("metadata probe %s failed: %r", name, exc)
            found = None
        if found is not None:
            return found
    return InstanceIdentity(source="unknown")
