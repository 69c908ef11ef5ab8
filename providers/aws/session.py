"""Credentials, accounts and SDK clients: the boto3 session and everything derived from it.

Credentials come the normal AWS way (a profile, environment variables, the SSO cache, an instance
or container role) through a ``boto3.Session``, which callers may inject. Member accounts are
reached with ``sts:AssumeRole``; their clients are made from the same session (so event hooks and
the client cache are shared) with the assumed credentials passed explicitly.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from finml.errors import (
    CredentialsError,
    PermissionDenied,
    ProviderError,
    RegionUnavailable,
    Throttled,
)
from providers.aws.permissions import classify
from providers.aws.settings import AwsSettings

log = logging.getLogger(__name__)

_NO_CREDENTIALS_HINT = (
    "configure credentials with 'aws configure' or 'aws sso login --profile NAME', then set "
    "AWS_PROFILE (or [providers.aws] profile); on EC2/ECS/Lambda attach a role with "
    "docs/aws-iam-policy.json"
)


class AuthFailure(ProviderError):
    """Credentials refused for one account/region (expired token, disabled opt-in region)."""


_CAUSE_CLASS: dict[str, type[ProviderError]] = {
    "access-denied": PermissionDenied,
    "throttled": Throttled,
    "region-disabled": RegionUnavailable,
    "auth": AuthFailure,
}


def cause_of(exc: ProviderError) -> str:
    for cause, cls in _CAUSE_CLASS.items():
        if type(exc) is cls:
            return cause
    return "error"


def translate(exc: Exception, *, account: str, region: str, service: str, operation: str) -> ProviderError:
    """A botocore exception as the matching :class:`ProviderError` (call sites ``raise ... from``)."""
    from botocore.exceptions import ClientError, EndpointConnectionError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
        c = classify(service, operation, code, region)
        cls = _CAUSE_CLASS.get(c.cause, ProviderError)
        return cls(
            f"{operation} in account {account}, region {region}: {code}: {error.get('Message', '')}".rstrip(": "),
            provider="aws", account=account, region=region, service=service, operation=operation,
            permission=c.permission, hint=c.hint,
        )
    if isinstance(exc, EndpointConnectionError):
        return RegionUnavailable(
            f"{operation} in account {account}: cannot reach the {service} endpoint in {region}",
            provider="aws", account=account, region=region, service=service, operation=operation,
            hint="check the region name and network access (proxies, VPC endpoints)",
        )
    return ProviderError(
        f"{operation} in account {account}, region {region}: {type(exc).__name__}: {exc}",
        provider="aws", account=account, region=region, service=service, operation=operation,
        hint="re-run with -vv for details",
    )


def make_session(settings: AwsSettings) -> Any:
    """A boto3 session from the standard credential chain; :class:`CredentialsError` if none."""
    import boto3
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    try:
        return boto3.Session(profile_name=settings.profile) if settings.profile else boto3.Session()
    except ProfileNotFound as exc:
        raise CredentialsError(
            f"AWS profile {settings.profile!r} not found", hint="list profiles with 'aws configure list-profiles'"
        ) from exc
    except BotoCoreError as exc:
        raise CredentialsError(f"cannot load AWS configuration: {exc}", hint=_NO_CREDENTIALS_HINT) from exc


def check_credentials(session: Any) -> None:
    from botocore.exceptions import BotoCoreError

    try:
        creds = session.get_credentials()
    except BotoCoreError as exc:  # expired SSO token, broken credential_process, ...
        raise CredentialsError(f"cannot load AWS credentials: {exc}", hint=_NO_CREDENTIALS_HINT) from exc
    if creds is None:
        raise CredentialsError("no AWS credentials found", hint=_NO_CREDENTIALS_HINT)


@dataclass(frozen=True)
class Target:
    """One account to audit; ``credentials`` is None for the session's own identity."""

    account_id: str
    name: str
    credentials: tuple[str, str, str] | None = None


@dataclass
class Clients:
    """Thread-safe cache of boto3 clients per (account, service, region)."""

    session: Any
    settings: AwsSettings
    _cache: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _config(self) -> Any:
        from botocore.config import Config

        return Config(
            retries={"mode": "adaptive", "max_attempts": self.settings.max_attempts},
            max_pool_connections=max(10, self.settings.max_workers),
            user_agent_extra="finml-audit",
        )

    def client(self, target: Target, service: str, region: str) -> Any:
        key = (target.account_id, service, region)
        with self._lock:  # boto3 sessions are not thread-safe; clients are
            found = self._cache.get(key)
            if found is None:
                kwargs: dict[str, Any] = {"region_name": region, "config": self._config()}
                if target.credentials is not None:
                    ak, sk, token = target.credentials
                    kwargs.update(aws_access_key_id=ak, aws_secret_access_key=sk, aws_session_token=token)
                found = self.session.client(service, **kwargs)
                self._cache[key] = found
            return found


def caller_identity(clients: Clients, region: str) -> dict[str, Any]:
    """sts:GetCallerIdentity for the session; credential problems become CredentialsError."""
    from botocore.exceptions import BotoCoreError, ClientError

    check_credentials(clients.session)
    sts = clients.client(Target("self", "self"), "sts", region)
    try:
        response: dict[str, Any] = sts.get_caller_identity()
        return response
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise CredentialsError(
            f"AWS refused the credentials: {code}: {exc.response.get('Error', {}).get('Message', '')}",
            hint=_NO_CREDENTIALS_HINT,
        ) from exc
    except BotoCoreError as exc:
        raise CredentialsError(f"cannot use the AWS credentials: {exc}", hint=_NO_CREDENTIALS_HINT) from exc


def assume(clients: Clients, role_arn: str, external_id: str | None, account_id: str, name: str) -> Target:
    """A :class:`Target` for ``account_id`` with credentials from sts:AssumeRole."""
    from botocore.exceptions import BotoCoreError, ClientError

    sts = clients.client(Target("self", "self"), "sts", clients.settings.home_region)
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": clients.settings.role_session_name,
                              "DurationSeconds": clients.settings.role_duration_s}
    if external_id:
        params["ExternalId"] = external_id
    try:
        creds = sts.assume_role(**params)["Credentials"]
    except (ClientError, BotoCoreError) as exc:
        err = translate(exc, account=account_id, region="global", service="sts", operation="AssumeRole")
        err.hint = (
            f"allow the audit identity to assume {role_arn}: the role's trust policy must name it"
            + (" and require this ExternalId" if external_id else "")
        )
        raise err from exc
    return Target(account_id, name, (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]))
