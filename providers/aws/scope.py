"""What a collector sees: one account and region, paginated calls that record every page.

Collectors are thin functions ``fn(scope)``. :meth:`Scope.pages` walks a boto3 paginator (or makes
one call for operations without one), adds each response page to the raw pages and yields it.
botocore failures are translated into :class:`~finml.errors.ProviderError` subclasses at this
boundary; :meth:`Scope.attempt` records one as a :class:`~finml.model.CollectionIssue` and lets
the collector go on with its next step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from finml.errors import ProviderError
from finml.model import CollectionIssue
from finml.raw import GLOBAL, RawPages
from providers.aws.session import Clients, Target, cause_of, translate
from providers.aws.settings import AwsSettings

log = logging.getLogger(__name__)

PROVIDER = "aws"


def issue_from(exc: ProviderError) -> CollectionIssue:
    return CollectionIssue(
        provider=PROVIDER, account=exc.account, region=exc.region, service=exc.service,
        operation=exc.operation, cause=cause_of(exc), message=exc.message,
        permission=exc.permission, hint=exc.hint,
    )


@dataclass
class Scope:
    target: Target
    region: str
    clients: Clients
    raw: RawPages
    settings: AwsSettings
    now: datetime
    lookback_days: int
    spawn: Callable[[str, str, str, Callable[[Scope], None]], None]
    """``spawn(region, service, label, fn)`` queues another job for this account."""

    @property
    def account(self) -> str:
        return self.target.account_id

    @property
    def api_region(self) -> str:
        return self.settings.home_region if self.region == GLOBAL else self.region

    def skipped(self, service: str) -> bool:
        return service in self.settings.skip_services

    def client(self, service: str, region: str | None = None) -> Any:
        return self.clients.client(self.target, service, region or self.api_region)

    def pages(
        self, service: str, operation: str, *, page_size: int | None = None, region: str | None = None,
        record_region: str | None = None, **params: Any,
    ) -> Iterator[dict[str, Any]]:
        """Every response page of ``service.operation(**params)``, each recorded as it arrives."""
        from botocore import xform_name

        client = self.client(service, region)
        method = xform_name(operation)
        where = record_region or self.region
        try:
            if client.can_paginate(method):
                config = {"PageSize": page_size} if page_size else {}
                for page in client.get_paginator(method).paginate(**params, PaginationConfig=config):
                    self.raw.add(PROVIDER, self.account, where, service, operation, page, params)
                    yield page
            else:
                if page_size:
                    params = {**params, _page_size_param(client, operation): page_size}
                page = getattr(client, method)(**params)
                self.raw.add(PROVIDER, self.account, where, service, operation, page, params)
                yield page
        except ProviderError:
            raise
        except Exception as exc:
            if not _is_sdk_error(exc):
                raise
            raise translate(exc, account=self.account, region=region or self.region, service=service,
                            operation=operation) from exc

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """One non-paginated call (recorded)."""
        return next(self.pages(service, operation, **params))

    def attempt(self, fn: Callable[[], None]) -> bool:
        """Run one step; a provider failure becomes a collection issue and the caller goes on."""
        try:
            fn()
            return True
        except ProviderError as exc:
            log.info("aws: %s", exc)
            self.raw.add_issue(issue_from(exc))
            return False


def _page_size_param(client: Any, operation: str) -> str:
    members = client.meta.service_model.operation_model(operation).input_shape.members
    for name in ("MaxResults", "maxResults", "MaxRecords", "MaxItems", "MaxKeys"):
        if name in members:
            return name
    raise ValueError(f"{operation} has no page size parameter")


def _is_sdk_error(exc: Exception) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exc, (ClientError, BotoCoreError))


