"""Fakes below the real Google Cloud clients.

* :class:`FakeGoogleApis` is a ``requests`` transport adapter mounted on the REST clients' own
  ``AuthorizedSession`` (Compute Engine, Cloud Billing): the SDK builds real HTTP requests and parses
  the recorded REST JSON in ``recorded/``. Every request is recorded for the read-only test.
* :class:`FakeMonitoring` is an in-process gRPC server on 127.0.0.1 speaking
  ``google.monitoring.v3.MetricService/ListTimeSeries`` (google-cloud-monitoring has no REST
  transport), serving recorded REST-JSON pages converted to protobuf.
"""

from __future__ import annotations

import json
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests
from requests.adapters import BaseAdapter

RECORDED = Path(__file__).parent / "recorded"
COMPUTE = "/compute/v1/projects"


def recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / name).read_text())


def error_body(code: int, status: str, message: str, reason: str = "forbidden",
               details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The Google JSON error format (google.rpc.Status over HTTP)."""
    body: dict[str, Any] = {"error": {"code": code, "message": message, "status": status,
                                      "errors": [{"message": message, "domain": "global", "reason": reason}]}}
    if details:
        body["error"]["details"] = details
    return body


@dataclass
class Seen:
    method: str
    url: str
    path: str
    query: dict[str, list[str]]


@dataclass
class FakeGoogleApis(BaseAdapter):
    """Serves queued responses by (path, pageToken); the last response for a key is sticky."""

    routes: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def add(self, path: str, body: dict[str, Any], status: int = 200, page_token: str = "") -> FakeGoogleApis:
        self.routes.setdefault((path, page_token), []).append((status, body))
        return self

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = urlparse(request.url or "")
        query = parse_qs(url.query)
        self.seen.append(Seen(request.method or "", request.url or "", url.path, query))
        key = (url.path, query.get("pageToken", [""])[0])
        queue = self.routes.get(key)
        if not queue:
            status, body = 404, error_body(404, "NOT_FOUND", f"no recorded response for {key}", "notFound")
        else:
            status, body = queue.pop(0) if len(queue) > 1 else queue[0]
        resp = requests.Response()
        resp.status_code = status
        resp._content = json.dumps(body).encode()
        resp.headers["Content-Type"] = "application/json; charset=UTF-8"
        resp.url = request.url or ""
        resp.request = request
        resp.encoding = "utf-8"
        resp.reason = "OK" if status == 200 else "Error"
        return resp

    def close(self) -> None:
        return None


class FakeMonitoring:
    """A MetricService gRPC server answering ListTimeSeries from recorded REST JSON pages."""

    def __init__(self) -> None:
        import grpc
        from google.cloud import monitoring_v3

        self.pages: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.errors: dict[str, tuple[Any, str]] = {}
        self.requests: list[Any] = []
        self._types = monitoring_v3
        handler = grpc.method_handlers_generic_handler("google.monitoring.v3.MetricService", {
            "ListTimeSeries": grpc.unary_unary_rpc_method_handler(
                self._list,
                request_deserializer=monitoring_v3.ListTimeSeriesRequest.deserialize,
                response_serializer=monitoring_v3.ListTimeSeriesResponse.serialize,
            ),
        })
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        self.server.add_generic_rpc_handlers((handler,))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")

    def add(self, project: str, metric_type: str, body: dict[str, Any], page_token: str = "") -> None:
        self.pages[(f"projects/{project}", metric_type, page_token)] = body

    def fail(self, project: str, code: Any, message: str) -> None:
        self.errors[f"projects/{project}"] = (code, message)

    def _list(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        if request.name in self.errors:
            code, message = self.errors[request.name]
            context.abort(code, message)
        metric_type = request.filter.split('"')[1]
        body = self.pages.get((request.name, metric_type, request.page_token), {})
        return self._types.ListTimeSeriesResponse.from_json(json.dumps(body), ignore_unknown_fields=False)

    def client(self) -> Any:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.metric_service.transports import (
            MetricServiceGrpcTransport,
        )

        return monitoring_v3.MetricServiceClient(transport=MetricServiceGrpcTransport(channel=self.channel))

    def close(self) -> None:
        self.channel.close()
        self.server.stop(None)


def compute_routes(api: FakeGoogleApis, project: str = "finml-test-1") -> FakeGoogleApis:
    base = f"{COMPUTE}/{project}"
    api.add(f"{base}/aggregated/instances", recorded("instances.p1.json"))
    api.add(f"{base}/aggregated/instances", recorded("instances.p2.json"),
            page_token=recorded("instances.p1.json")["nextPageToken"])
    api.add(f"{base}/aggregated/machineTypes", recorded("machineTypes.json"))
    api.add(f"{base}/aggregated/disks", recorded("disks.json"))
    api.add(f"{base}/aggregated/addresses", recorded("addresses.json"))
    api.add(f"{base}/global/addresses", recorded("globalAddresses.p1.json"))
    api.add(f"{base}/global/addresses", recorded("globalAddresses.p2.json"),
            page_token=recorded("globalAddresses.p1.json")["nextPageToken"])
    api.add(f"{base}/aggregated/commitments", recorded("commitments.json"))
    api.add(f"{base}/global/snapshots", recorded("snapshots.json"))
    api.add(f"{base}/global/images", recorded("images.json"))
    api.add(f"{base}/global/machineImages", recorded("machineImages.json"))
    api.add(f"{base}/aggregated/instanceTemplates", recorded("instanceTemplates.json"))
    api.add(f"{base}/aggregated/instanceGroupManagers", recorded("instanceGroupManagers.json"))
    return api


def catalog_routes(api: FakeGoogleApis) -> FakeGoogleApis:
    api.add("/v1/services", recorded("services.json"))
    api.add("/v1/services/6F81-5844-456A/skus", recorded("skus.p1.json"))
    api.add("/v1/services/6F81-5844-456A/skus", recorded("skus.p2.json"),
            page_token=recorded("skus.p1.json")["nextPageToken"])
    return api
