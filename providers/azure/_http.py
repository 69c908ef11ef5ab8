"""HTTP plumbing shared by the Azure collectors: a read-only transport guard and JSON responses.

Every Azure SDK client finml builds sends through :class:`ReadOnlyTransport`, which passes
``GET``/``HEAD`` requests to the real (or injected) azure-core transport and refuses anything
else with a synthetic ``405`` instead of sending it. This matters because azure-mgmt-core's
``ARMAutoResourceProviderRegistrationPolicy`` answers a ``MissingSubscriptionRegistration`` error
by POSTing a resource-provider registration: an audit must never change a subscription, so that
POST is refused here and the original error surfaces as a collection issue.
"""

from __future__ import annotations

import io
import json
import logging
import threading
from http.client import HTTPResponse
from typing import Any

from azure.core.pipeline.transport import HttpTransport
from azure.core.rest._http_response_impl import RestHttpClientTransportResponse

log = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD"})

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 409: "Conflict", 429: "Too Many Requests",
            500: "Internal Server Error", 503: "Service Unavailable"}


class _BytesSocket:
    """Just enough of a socket for :class:`http.client.HTTPResponse` to parse bytes."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def makefile(self, *args: Any, **kwargs: Any) -> io.BytesIO:
        return io.BytesIO(self._data)


def json_response(request: Any, status: int, body: Any, headers: dict[str, str] | None = None) -> Any:
    """An azure-core response to ``request`` carrying ``body`` as JSON (built from raw HTTP bytes,
    so the SDK parses it exactly as it parses a real response)."""
    payload = json.dumps(body).encode() if body is not None else b""
    head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
            "Content-Type: application/json; charset=utf-8", f"Content-Length: {len(payload)}"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    raw = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
    resp = HTTPResponse(_BytesSocket(raw), method=request.method)  # type: ignore[arg-type]
    resp.begin()
    out = RestHttpClientTransportResponse(request=request, internal_response=resp)
    out.read()
    return out


class ReadOnlyTransport(HttpTransport):  # type: ignore[type-arg]
    """Wraps a transport; sends only GET/HEAD, answers any other method with a local 405."""

    def __init__(self, inner: HttpTransport) -> None:  # type: ignore[type-arg]
        self.inner = inner
        self.refused: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def send(self, request: Any, **kwargs: Any) -> Any:
        method = str(request.method).upper()
        if method not in READ_METHODS:
            with self._lock:
                self.refused.append((method, str(request.url)))
            log.warning("finml is read-only: refused %s %s", method, request.url)
            return json_response(request, 405, {"error": {
                "code": "FinmlReadOnly",
                "message": f"finml audits are read-only and never send {method} requests",
            }})
        return self.inner.send(request, **kwargs)

    def open(self) -> None:
        self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> ReadOnlyTransport:
        self.inner.__enter__()
        return self

    def __exit__(self, *args: Any) -> None:
        # Clients share this transport; the provider closes it once at the end of collect().
        return None

    def sleep(self, duration: float) -> None:
        self.inner.sleep(duration)
