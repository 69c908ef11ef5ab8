"""Calls to Alibaba Cloud RPC APIs through the real ``AcsClient``, with errors translated.

Every call goes through :meth:`AlibabaApi.call`: a ``CommonRequest`` (RPC style, JSON) to the
product's endpoint, refused unless the action is read-only (Describe/List/Get/Query), retried with
exponential backoff while throttled, and translated at this boundary into finml errors:

* ``Forbidden.RAM`` / ``Forbidden.NoPermission`` / ``NoPermission`` -> :class:`PermissionDenied`
  naming the RAM action (``ecs:DescribeDisks``);
* ``Throttling*`` / HTTP 503 ``ServiceUnavailable`` -> retried, then :class:`Throttled`;
* ``InvalidAccessKeyId.*`` / ``SignatureDoesNotMatch`` / ``InvalidAccessKeySecret`` ->
  :class:`CredentialsError`;
* ``InvalidRegionId*`` / unsupported region -> :class:`RegionUnavailable`;
* anything else -> :class:`ProviderError`.

The SDK (``aliyun-python-sdk-core``, pip extra ``alibaba``) is imported lazily.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from finml.errors import (
    CredentialsError,
    PermissionDenied,
    ProviderError,
    RegionUnavailable,
    Throttled,
    require,
)

log = logging.getLogger(__name__)

PROVIDER = "alibaba"
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Query")


@dataclass(frozen=True)
class Product:
    """An RPC product: SDK endpoint code, central domain, API version, RAM action prefix."""

    code: str
    domain: str
    version: str
    ram: str
    regional: bool = True


ECS = Product("ecs", "ecs.aliyuncs.com", "2014-05-26", "ecs")
VPC = Product("vpc", "vpc.aliyuncs.com", "2016-04-28", "vpc")
CMS = Product("cms", "metrics.aliyuncs.com", "2019-01-01", "cms", regional=False)
STS = Product("sts", "sts.aliyuncs.com", "2015-04-01", "sts", regional=False)
BSS = Product("bssopenapi", "business.aliyuncs.com", "2017-12-14", "bss", regional=False)

_DENIED = {"Forbidden.RAM", "Forbidden.NoPermission", "NoPermission", "Forbidden", "Forbbiden",
           "Forbidden.AccessDenied", "Forbidden.Unauthorized", "403"}
_THROTTLED = {"Throttling", "Throttling.User", "Throttling.Api", "Throttling.Resource",
              "ServiceUnavailable", "Throttling.Concurrent"}
_BAD_KEY = {"InvalidAccessKeyId.NotFound", "InvalidAccessKeyId", "InvalidAccessKeyId.Inactive",
            "SignatureDoesNotMatch", "InvalidAccessKeySecret", "IncompleteSignature",
            "InvalidSecurityToken.Expired"}
_REGION = {"InvalidRegionId.NotFound", "InvalidRegionId", "InvalidRegionId.MalFormed",
           "InvalidRegion.NotExist", "UnsupportedRegion", "Region.NotSupported",
           "InvalidOperation.RegionNotSupported", "RegionUnauthorized"}

ClientFactory = Callable[[str], Any]
"""``factory(region_id) -> aliyunsdkcore.client.AcsClient``."""


@lru_cache(maxsize=1)
def _regional_endpoints() -> dict[str, dict[str, str]]:
    """The SDK's own region -> endpoint table (aliyunsdkcore/data/endpoints.json)."""
    from importlib import resources

    try:
        text = resources.files("aliyunsdkcore").joinpath("data/endpoints.json").read_text("utf-8")
        return dict(json.loads(text).get("regional_endpoints", {}))
    except (OSError, ValueError, ModuleNotFoundError):
        return {}


def domain_for(product: Product, region: str | None, overrides: Mapping[str, str] | None = None) -> str:
    """The endpoint for ``product`` in ``region``: a configured override (by product code,
    ``ecs``/``vpc``/``cms``/``sts``, or ``code@region``), the SDK's table, else the central domain."""
    if overrides:
        found = overrides.get(f"{product.code}@{region}") or overrides.get(product.code)
        if found:
            return found
    if region and product.regional:
        found = _regional_endpoints().get(product.code, {}).get(region)
        if found:
            return found
    return product.domain


def default_client_factory(key_id: str, secret: str) -> ClientFactory:
    """AcsClients signed with the AccessKey; the SDK's own retry is off (we retry ourselves)."""
    client_mod: Any = require("aliyunsdkcore.client", "alibaba", "the Alibaba Cloud provider")

    def make(region: str) -> Any:
        return client_mod.AcsClient(
            key_id, secret, region, auto_retry=False, timeout=30, connect_timeout=10,
        )

    return make


class AlibabaApi:
    """Read-only RPC calls with bounded retries and error translation."""

    def __init__(
        self,
        factory: ClientFactory,
        *,
        account: str = "default",
        max_retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        base_delay_s: float = 1.0,
        endpoints: Mapping[str, str] | None = None,
    ) -> None:
        self._factory = factory
        self._clients: dict[str, Any] = {}
        self.account = account
        self.max_retries = max_retries
        self._sleep = sleep
        self._base_delay = base_delay_s
        self._rng = random.Random(0)
        self.endpoints = dict(endpoints or {})

    def _client(self, region: str) -> Any:
        if region not in self._clients:
            self._clients[region] = self._factory(region)
        return self._clients[region]

    def call(
        self,
        product: Product,
        action: str,
        region: str | None,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Call ``action`` and return the parsed JSON body; raises finml errors."""
        if not action.startswith(READ_ONLY_PREFIXES):
            raise ValueError(f"refusing non-read-only Alibaba Cloud action {action}")
        request_mod: Any = require("aliyunsdkcore.request", "alibaba", "the Alibaba Cloud provider")
        exc_mod: Any = require("aliyunsdkcore.acs_exception.exceptions", "alibaba")
        client_region = region or "cn-hangzhou"
        query = dict(params or {})
        if region and product.regional and "RegionId" not in query:
            query["RegionId"] = region
        attempt = 0
        while True:
            request = request_mod.CommonRequest(
                domain=domain_for(product, region, self.endpoints), version=product.version, action_name=action,
            )
            request.set_method("POST")
            request.set_protocol_type("https")
            request.set_accept_format("json")
            for key, value in query.items():
                request.add_query_param(key, _param(value))
            code: str | None = None
            try:
                body = self._client(client_region).do_action_with_exception(request)
                data = json.loads(body)
                # CloudMonitor reports some errors in an HTTP 200 body with Success=false.
                if isinstance(data, dict) and data.get("Success") is False:
                    code = str(data.get("Code") or "Error")
                    message = str(data.get("Message") or "request failed")
                    http = 200
                else:
                    return data if isinstance(data, dict) else {"value": data}
            except exc_mod.ServerException as exc:
                code = str(exc.get_error_code())
                message = str(exc.get_error_msg())
                http = int(exc.get_http_status() or 0)
            except exc_mod.ClientException as exc:
                raise ProviderError(
                    f"Alibaba Cloud {product.ram}:{action} in {region or 'global'} failed: "
                    f"{exc.get_error_code()}: {exc.get_error_msg()}",
                    provider=PROVIDER, account=self.account, region=region, service=product.ram,
                    operation=action, hint="check network access to *.aliyuncs.com",
                ) from exc
            except ValueError as exc:
                raise ProviderError(
                    f"Alibaba Cloud {product.ram}:{action} returned a body that is not JSON",
                    provider=PROVIDER, account=self.account, region=region, service=product.ram,
                    operation=action,
                ) from exc
            if (code in _THROTTLED or http == 503) and attempt < self.max_retries:
                delay = self._base_delay * (2**attempt) * (0.5 + self._rng.random() / 2)
                log.info("alibaba %s:%s in %s throttled (%s); retry %d in %.1fs",
                         product.ram, action, region, code, attempt + 1, delay)
                self._sleep(delay)
                attempt += 1
                continue
            raise self._translate(product, action, region, code, message, http, attempt)

    def _translate(
        self, product: Product, action: str, region: str | None, code: str, message: str,
        http: int, attempts: int,
    ) -> ProviderError | CredentialsError:
        where = f"{product.ram}:{action} in {region or 'global'} (account {self.account})"
        common: dict[str, Any] = dict(
            provider=PROVIDER, account=self.account, region=region, service=product.ram,
            operation=action,
        )
        permission = f"{product.ram}:{action}"
        if code in _BAD_KEY or code.startswith("InvalidAccessKeyId"):
            return CredentialsError(
                f"Alibaba Cloud rejected the AccessKey ({code}) on {where}",
                hint="check ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET (or the "
                "~/.aliyun/config.json profile); the key may be disabled or deleted",
            )
        if code in _DENIED or code.startswith(("Forbidden", "NoPermission")):
            return PermissionDenied(
                f"Alibaba Cloud denied {where}: {code}: {message}",
                permission=permission,
                hint=f"grant the RAM action {permission} (see the read-only policy in docs/alibaba.md)",
                **common,
            )
        if code in _THROTTLED or http == 503:
            return Throttled(
                f"Alibaba Cloud throttled {where} ({code}) after {attempts} retries",
                hint="lower providers.alibaba.max_workers or raise max_retries, then re-run",
                **common,
            )
        if code in _REGION or code.startswith("InvalidRegionId"):
            return RegionUnavailable(
                f"Alibaba Cloud region {region} is not available for {where}: {code}",
                hint="remove it from providers.alibaba.regions, or activate the service there",
                **common,
            )
        return ProviderError(f"Alibaba Cloud {where} failed: {code}: {message}", **common)

    def paginate(
        self,
        product: Product,
        action: str,
        region: str | None,
        params: Mapping[str, Any] | None = None,
        *,
        style: str = "page",
        page_size: int = 100,
        max_pages: int = 10_000,
    ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Yield ``(params, response)`` per page.

        ``style="page"`` starts with PageNumber/PageSize, ``style="token"`` with MaxResults; either
        way a non-empty ``NextToken`` in a response is followed, and otherwise PageNumber is
        advanced while ``PageNumber * PageSize < TotalCount``.
        """
        base = dict(params or {})
        if style == "token":
            current = {**base, "MaxResults": page_size}
        elif style == "once":
            current = dict(base)
        elif style == "cms":
            current = {**base, "Length": page_size}
        else:
            current = {**base, "PageNumber": 1, "PageSize": page_size}
        seen: set[str] = set()
        for _ in range(max_pages):
            response = self.call(product, action, region, current)
            yield dict(current), response
            token = response.get("NextToken") or response.get("Cursor")
            if token and token not in seen:
                seen.add(str(token))
                current = {**current, "NextToken": token}
                current.pop("PageNumber", None)
                continue
            if style != "page" or token:
                return
            number = _int(response.get("PageNumber"), current.get("PageNumber", 1))
            size = _int(response.get("PageSize"), page_size) or page_size
            total = _int(response.get("TotalCount"), 0)
            if number * size >= total:
                return
            current = {**current, "PageNumber": number + 1}
        log.warning("alibaba %s:%s in %s: stopped after %d pages", product.ram, action, region, max_pages)


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
