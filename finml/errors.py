"""Errors that finml raises, each with a hint for the user and a process exit code.

Tree::

    FinmlError                      exit 1   anything finml reports on purpose
    ├── UsageError                  exit 2   bad flags or arguments
    ├── ConfigError                 exit 2   invalid finml.toml (names the key)
    ├── CredentialsError            exit 2   no/expired/invalid cloud credentials
    ├── MissingExtraError           exit 2   optional dependency not installed (names the extra)
    ├── InputError                  exit 2   a file or URI finml was asked to read is unusable
    │   └── BillingFileError        exit 2   a billing export that cannot be ingested (file, row, column)
    ├── StoreError                  exit 2   the embedded store is locked, corrupt or unreachable
    └── ProviderError               exit 1   a provider call failed; carries account/region/service
        ├── PermissionDenied                 the identity lacks a permission (names it)
        ├── Throttled                        throttling outlived the retries
        └── RegionUnavailable                region disabled / not subscribed / API disabled

Provider errors are normally *recorded* as :class:`finml.model.CollectionIssue` and the audit goes
on; they only surface as exceptions inside collectors. The CLI catches ``FinmlError`` once, prints
``Error: …`` and ``Hint: …`` and exits with :attr:`FinmlError.exit_code`.
"""

from __future__ import annotations


class FinmlError(Exception):
    """Base of every error finml raises on purpose."""

    exit_code: int = 1
    default_hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def __str__(self) -> str:
        return self.message


class UsageError(FinmlError):
    exit_code = 2


class ConfigError(FinmlError):
    """Invalid configuration; ``key`` is the dotted path of the offending setting."""

    exit_code = 2

    def __init__(self, message: str, *, key: str | None = None, hint: str | None = None) -> None:
        super().__init__(f"{key}: {message}" if key else message, hint=hint)
        self.key = key


class CredentialsError(FinmlError):
    exit_code = 2


class MissingExtraError(FinmlError):
    """An optional dependency is missing; ``extra`` is the pip extra that provides it."""

    exit_code = 2

    def __init__(self, module: str, extra: str, *, feature: str | None = None) -> None:
        what = feature or "this feature"
        super().__init__(
            f"{what} needs the Python package '{module}', which is not installed",
            hint=f"pip install 'finml[{extra}]'",
        )
        self.module = module
        self.extra = extra


class InputError(FinmlError):
    exit_code = 2


class BillingFileError(InputError):
    """A billing file that cannot be ingested; names the file and, where known, row and column."""

    def __init__(
        self,
        message: str,
        *,
        path: str,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.row = row
        self.column = column


class StoreError(FinmlError):
    exit_code = 2


class ProviderError(FinmlError):
    """A failed provider call, located by provider/account/region/service/operation."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        account: str | None = None,
        region: str | None = None,
        service: str | None = None,
        operation: str | None = None,
        permission: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.provider = provider
        self.account = account
        self.region = region
        self.service = service
        self.operation = operation
        self.permission = permission


class PermissionDenied(ProviderError):
    pass


class Throttled(ProviderError):
    pass


class RegionUnavailable(ProviderError):
    pass


def require(module: str, extra: str, feature: str | None = None) -> object:
    """Import ``module`` or raise :class:`MissingExtraError` naming the pip extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(module, extra, feature=feature) from exc
