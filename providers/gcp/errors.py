"""Translating google-api-core / google-auth exceptions into collection issues at the boundary.

One failed call (a project without the Compute Engine API, a missing IAM permission, a quota
that retries could not outlast) becomes a :class:`~finml.model.CollectionIssue` naming the
project, the operation and the IAM permission or API to enable; the other projects go on.
"""

from __future__ import annotations

import re
from typing import Any

from finml.model import CollectionIssue

PERMISSIONS = {
    "instances.aggregatedList": "compute.instances.list",
    "disks.aggregatedList": "compute.disks.list",
    "machineTypes.aggregatedList": "compute.machineTypes.list",
    "snapshots.list": "compute.snapshots.list",
    "images.list": "compute.images.list",
    "machineImages.list": "compute.machineImages.list",
    "addresses.aggregatedList": "compute.addresses.list",
    "globalAddresses.list": "compute.globalAddresses.list",
    "regionCommitments.aggregatedList": "compute.commitments.list",
    "instanceTemplates.aggregatedList": "compute.instanceTemplates.list",
    "instanceGroupManagers.aggregatedList": "compute.instanceGroupManagers.list",
    "timeSeries.list": "monitoring.timeSeries.list",
    "projects.list": "billing.resourceAssociations.list",
    "services.list": "(none: the Cloud Billing Catalog API is open to any authenticated caller)",
    "skus.list": "(none: the Cloud Billing Catalog API is open to any authenticated caller)",
}
"""The IAM permission each read operation needs (roles/compute.viewer, roles/monitoring.viewer,
roles/billing.viewer grant them)."""

APIS = {
    "compute": "compute.googleapis.com",
    "monitoring": "monitoring.googleapis.com",
    "cloudbilling": "cloudbilling.googleapis.com",
}

_REQUIRED = re.compile(r"[Rr]equired '([a-zA-Z]+\.[a-zA-Z.]+)' permission")
_PROVIDER = "gcp"


def issue_from_exception(
    exc: BaseException, *, project: str | None, region: str | None, service: str, operation: str
) -> CollectionIssue:
    """The collection issue for one failed call (``exc`` from google-api-core or google-auth)."""
    from google.api_core import exceptions as gexc
    from google.auth import exceptions as auth_exc

    api = APIS.get(service, f"{service}.googleapis.com")
    permission = PERMISSIONS.get(operation)
    where = f"project {project}" if project else "GCP"

    def make(cause: str, message: str, hint: str, perm: str | None = None) -> CollectionIssue:
        return CollectionIssue(
            provider=_PROVIDER, account=project, region=region, service=service, operation=operation,
            cause=cause, message=message, permission=perm, hint=hint,
        )

    if isinstance(exc, gexc.Forbidden) and _service_disabled(exc):
        return make(
            "api-disabled",
            f"{api} is not enabled in {where} ({operation}): {_short(exc)}",
            f"enable it: gcloud services enable {api} --project {project}",
        )
    if isinstance(exc, gexc.Forbidden):
        found = _REQUIRED.search(getattr(exc, "message", "") or str(exc))
        perm = found.group(1) if found else permission
        return make(
            "access-denied",
            f"permission denied for {operation} in {where}: {_short(exc)}",
            f"grant {perm} (roles/compute.viewer, roles/monitoring.viewer or roles/billing.viewer; "
            "see docs/gcp.md) to the audit identity",
            perm,
        )
    if isinstance(exc, (gexc.Unauthorized, auth_exc.RefreshError, auth_exc.DefaultCredentialsError)):
        return make(
            "auth",
            f"not authenticated for {operation} in {where}: {_short(exc)}",
            "refresh the credentials: gcloud auth application-default login",
        )
    if isinstance(exc, gexc.TooManyRequests):
        return make(
            "throttled",
            f"quota exceeded for {operation} in {where}, still after retries: {_short(exc)}",
            "lower [providers.gcp] max_workers, raise retry_timeout_s, or ask for a higher "
            f"{api} read-request quota",
        )
    if isinstance(exc, gexc.NotFound):
        return make(
            "not-found",
            f"{where} not found or not visible for {operation}: {_short(exc)}",
            "check the project id in [providers.gcp] projects",
        )
    if isinstance(exc, gexc.RetryError):
        return make(
            "throttled",
            f"{operation} in {where} kept failing until the retry deadline: {_short(exc)}",
            "try again later or raise [providers.gcp] retry_timeout_s",
        )
    return make("error", f"{operation} in {where} failed: {type(exc).__name__}: {_short(exc)}",
                "re-run with -vv for details")


def is_google_error(exc: BaseException) -> bool:
    """True for exceptions the boundary translates (api-core, google-auth, transport errors)."""
    from google.api_core import exceptions as gexc
    from google.auth import exceptions as auth_exc

    return isinstance(exc, (gexc.GoogleAPIError, auth_exc.GoogleAuthError, OSError))


def _service_disabled(exc: Any) -> bool:
    if getattr(exc, "reason", None) == "SERVICE_DISABLED":
        return True
    text = str(exc)
    return "SERVICE_DISABLED" in text or "accessNotConfigured" in text or "has not been used" in text


def _short(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return str(text).splitlines()[0][:300]
