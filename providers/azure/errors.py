"""Translate azure-core / azure-identity exceptions into finml issues and errors.

ARM answers failures with ``{"error": {"code": ..., "message": ...}}``; azure-core raises
:class:`~azure.core.exceptions.HttpResponseError` (``ClientAuthenticationError`` for 401) with
that code in ``exc.error.code``. This module turns them into a :class:`~finml.model.CollectionIssue`
naming the subscription, region, operation and, for access denials, the Azure RBAC action the
identity lacks, so that one failing subscription never stops the audit of the others.
"""

from __future__ import annotations

from typing import Any

from finml.errors import CredentialsError
from finml.model import CollectionIssue

PROVIDER = "azure"

RBAC_ACTIONS: dict[str, str] = {
    "subscriptions.list": "Microsoft.Resources/subscriptions/read",
    "virtual_machines.list_all": "Microsoft.Compute/virtualMachines/read",
    "virtual_machines.list_all_status": "Microsoft.Compute/virtualMachines/read",
    "virtual_machines.instance_view": "Microsoft.Compute/virtualMachines/instanceView/read",
    "resource_skus.list": "Microsoft.Compute/skus/read",
    "disks.list": "Microsoft.Compute/disks/read",
    "snapshots.list": "Microsoft.Compute/snapshots/read",
    "images.list": "Microsoft.Compute/images/read",
    "galleries.list": "Microsoft.Compute/galleries/read",
    "gallery_images.list_by_gallery": "Microsoft.Compute/galleries/images/read",
    "gallery_image_versions.list_by_gallery_image": "Microsoft.Compute/galleries/images/versions/read",
    "public_ip_addresses.list_all": "Microsoft.Network/publicIPAddresses/read",
    "metrics.list": "Microsoft.Insights/metrics/read",
}
"""The Azure RBAC action each collector operation needs (all in Reader / Monitoring Reader)."""

CREDENTIALS_HINT = (
    "sign in with 'az login' (and 'az account set'), or set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
    "AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) for a service principal, or run where a "
    "managed identity is available; see docs/azure.md"
)

_NOT_ENABLED = {
    "MissingSubscriptionRegistration": "the subscription is not registered for this resource provider",
    "SubscriptionNotRegistered": "the subscription is not registered for this resource provider",
    "NoRegisteredProviderFound": "the resource provider or API version is not available here",
    "SubscriptionNotFound": "the subscription was not found (deleted, moved or another tenant)",
    "InvalidSubscriptionId": "the subscription id is not valid",
    "ReadOnlyDisabledSubscription": "the subscription is disabled",
    "DisabledSubscription": "the subscription is disabled",
    "SubscriptionDisabled": "the subscription is disabled",
    "LocationNotAvailableForResourceType": "the region does not offer this resource type",
    "LocationRequired": "the region is not available to this subscription",
    "InvalidLocation": "the region is not available to this subscription",
}


def error_code(exc: BaseException) -> str | None:
    """The ARM error code of an azure-core exception (``AuthorizationFailed``…), if any."""
    err = getattr(exc, "error", None)
    code = getattr(err, "code", None)
    if code:
        return str(code)
    response = getattr(exc, "response", None)
    if response is not None:
        try:
            body = response.json()
        except Exception:  # noqa: BLE001 - not JSON: no code
            return None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return body["error"].get("code")
    return None


def _message(exc: BaseException) -> str:
    err = getattr(exc, "error", None)
    msg = getattr(err, "message", None) or getattr(exc, "message", None) or str(exc)
    return " ".join(str(msg).split())[:500]


def is_credential_failure(exc: BaseException) -> bool:
    """True when the *credential* failed (no token), not an HTTP 401 from ARM."""
    from azure.core.exceptions import ClientAuthenticationError

    return isinstance(exc, ClientAuthenticationError) and getattr(exc, "response", None) is None


def credentials_error(exc: BaseException) -> CredentialsError:
    text = " ".join(str(exc).split())[:300]
    return CredentialsError(f"Azure credentials are not available or were rejected: {text}",
                            hint=CREDENTIALS_HINT)


def to_issue(exc: BaseException, *, subscription: str | None, region: str | None, service: str,
             operation: str) -> CollectionIssue:
    """A :class:`CollectionIssue` for a failed collector call."""
    status = getattr(exc, "status_code", None)
    code = error_code(exc)
    permission = RBAC_ACTIONS.get(operation)
    where = f"subscription {subscription}" if subscription else "the tenant"
    base: dict[str, Any] = {
        "provider": PROVIDER, "account": subscription, "region": region, "service": service,
        "operation": operation,
    }
    if is_credential_failure(exc) or status == 401:
        return CollectionIssue(
            **base, cause="auth",
            message=f"{operation} in {where}: authentication failed ({code or status}): {_message(exc)}",
            hint=CREDENTIALS_HINT,
        )
    if status == 403 or code in ("AuthorizationFailed", "LinkedAuthorizationFailed", "Forbidden"):
        return CollectionIssue(
            **base, cause="access-denied", permission=permission,
            message=f"{operation} in {where}: access denied ({code or status}); needs {permission}",
            hint=f"assign the Reader role (and Monitoring Reader for metrics) on {where}, or a custom "
                 f"role with {permission}; see docs/azure.md",
        )
    if status == 429 or code in ("TooManyRequests", "SubscriptionRequestsThrottled"):
        return CollectionIssue(
            **base, cause="throttled",
            message=f"{operation} in {where}: still throttled after retries ({code or status})",
            hint="ARM throttles per subscription and principal; retry later or lower max_workers",
        )
    if code in _NOT_ENABLED:
        hint = "nothing to collect here unless it is enabled"
        if code in ("MissingSubscriptionRegistration", "SubscriptionNotRegistered"):
            namespace = {"compute": "Microsoft.Compute", "network": "Microsoft.Network",
                         "monitor": "Microsoft.Insights"}.get(service, "the resource provider")
            hint = (f"an owner can run 'az provider register --namespace {namespace} --subscription "
                    f"{subscription}' (finml never registers providers itself)")
        return CollectionIssue(
            **base, cause="region-disabled",
            message=f"{operation} in {where}{' / ' + region if region else ''}: "
                    f"{_NOT_ENABLED[code]} ({code})",
            hint=hint,
        )
    return CollectionIssue(
        **base, cause="error",
        message=f"{operation} in {where}: {type(exc).__name__} "
                f"({code or status or 'no status'}): {_message(exc)}",
        hint="re-run with -vv for details; the rest of the audit is unaffected",
    )
