"""botocore event hooks for tests: canned responses for APIs moto lacks, injected errors, and a
recorder of every operation called. They act on the real boto3 clients finml builds from the
injected session, so the code under test runs its real SDK path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.validate import validate_parameters


@dataclass
class _Http:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    text: str = ""


def canned(session: Any, service_id: str, operation: str, response: Mapping[str, Any]) -> None:
    """Answer ``service.operation`` with ``response`` (validated against the service model)."""

    def hook(model: Any, **_: Any) -> tuple[_Http, dict[str, Any]]:
        validate_parameters(dict(response), model.output_shape)
        return _Http(200), {**response, "ResponseMetadata": {"HTTPStatusCode": 200}}

    session.events.register(f"before-call.{service_id}.{operation}", hook)


def fail(session: Any, service_id: str, operation: str, code: str, *, when: Callable[[Any], bool] | None = None,
         status: int = 403) -> None:
    """Make ``service.operation`` (``"*"``: every operation of the service) fail with ``code``,
    optionally only for requests whose context matches ``when``."""

    def hook(model: Any, context: Any = None, params: Any = None, **kw: Any) -> tuple[_Http, dict[str, Any]] | None:
        if when is not None and not when(context):
            return None
        return _Http(status), {"Error": {"Code": code, "Message": f"injected {code}"},
                               "ResponseMetadata": {"HTTPStatusCode": status}}

    event = f"before-call.{service_id}" if operation == "*" else f"before-call.{service_id}.{operation}"
    session.events.register_first(event, hook)


def throttle(session: Any, service_id: str, operation: str, times: int) -> list[int]:
    """Answer the first ``times`` HTTP sends of ``operation`` with a 400 Throttling error, at the
    transport level, so botocore's retry handler sees and retries them. Returns the send counter."""
    sent = [0]
    body = (b'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>RequestLimitExceeded'
            b'</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>x</RequestID></Response>')

    def hook(request: Any, **_: Any) -> AWSResponse | None:
        sent[0] += 1
        if sent[0] <= times:
            return AWSResponse(request.url, 503, HTTPHeaders(), _Raw(body))
        return None

    session.events.register_first(f"before-send.{service_id}.{operation}", hook)
    return sent


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


@dataclass
class Recorder:
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    """(boto3 service name, operation, region) of every API call made."""

    def attach(self, session: Any) -> Recorder:
        def hook(model: Any, context: Any = None, **_: Any) -> None:
            self.calls.append((model.service_model.service_name, model.name,
                               (context or {}).get("client_region", "")))

        # provide-client-params is emitted to every handler, before any before-call short-circuit
        session.events.register("provide-client-params", hook)
        return self


def region_of(context: Any) -> str:
    return str((context or {}).get("client_region", ""))
