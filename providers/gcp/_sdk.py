"""Building Google Cloud clients: credentials, transports, retries. The only module that imports
the Google SDKs, and only inside functions, so that ``finml --help`` and ``--demo`` never do.

Compute Engine and Cloud Billing use their REST transports; Cloud Monitoring has no REST transport
in ``google-cloud-monitoring`` and uses gRPC. Tests and embedders inject through the provider's
``**clients``:

* ``credentials``: a ``google.auth`` credentials object (tests: ``AnonymousCredentials()``);
* ``project``: the project to audit when neither ``projects`` nor ``billing_account`` is set;
* ``http_adapter``: a ``requests`` transport adapter mounted on every REST client's session;
* ``monitoring``, ``catalog``, ``billing``: ready-made clients used as they are.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from finml.errors import CredentialsError, require

log = logging.getLogger(__name__)

EXTRA = "gcp"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform.read-only",)
ADC_HINT = (
    "run 'gcloud auth application-default login', or set GOOGLE_APPLICATION_CREDENTIALS to a "
    "service-account key file; see docs/gcp.md"
)


def rest_json(message: Any) -> dict[str, Any]:
    """A proto-plus response as the REST API returns it: camelCase keys, enum names, no defaults."""
    out: dict[str, Any] = type(message).to_dict(
        message,
        preserving_proto_field_name=False,
        use_integers_for_enums=False,
        always_print_fields_with_no_presence=False,
    )
    return out


class GcpClients:
    """Creates SDK clients on demand with the injected or default credentials."""

    def __init__(self, injected: Mapping[str, Any], retry_initial_s: float, retry_timeout_s: float) -> None:
        self._injected = dict(injected)
        self._credentials: Any = injected.get("credentials")
        self._project: str | None = injected.get("project")
        self._resolved = self._credentials is not None
        self.retry_initial_s = retry_initial_s
        self.retry_timeout_s = retry_timeout_s
        self._lock = threading.Lock()
        self._monitoring: Any = injected.get("monitoring")

    def credentials(self) -> Any:
        """Injected credentials, else Application Default Credentials (raises CredentialsError)."""
        if not self._resolved:
            require("google.auth", EXTRA, "the GCP provider")
            import google.auth
            from google.auth import exceptions as auth_exc

            try:
                self._credentials, project = google.auth.default(scopes=list(SCOPES))
            except auth_exc.DefaultCredentialsError as exc:
                raise CredentialsError(
                    f"no Google Cloud credentials found: {exc}", hint=ADC_HINT
                ) from exc
            self._project = self._project or project
            self._resolved = True
        return self._credentials

    def default_project(self) -> str | None:
        self.credentials()
        return self._project

    def retry(self) -> Any:
        """Retry on quota (429), 500 and 503 with exponential back-off."""
        from google.api_core import exceptions as gexc
        from google.api_core import retry as gretry

        return gretry.Retry(
            predicate=gretry.if_exception_type(
                gexc.TooManyRequests, gexc.ServiceUnavailable, gexc.InternalServerError
            ),
            initial=self.retry_initial_s,
            maximum=max(self.retry_initial_s, 30.0),
            multiplier=2.0,
            timeout=self.retry_timeout_s,
        )

    def _mount(self, client: Any) -> Any:
        adapter = self._injected.get("http_adapter")
        if adapter is not None:
            client._transport._session.mount("https://", adapter)
        return client

    def compute(self, class_name: str) -> Any:
        """A Compute Engine REST client, e.g. ``compute("DisksClient")``."""
        require("google.cloud.compute_v1", EXTRA, "the GCP provider")
        from google.cloud import compute_v1

        cls = getattr(compute_v1, class_name)
        return self._mount(cls(credentials=self.credentials(), transport="rest"))

    def monitoring(self) -> Any:
        """One shared (thread-safe) gRPC MetricServiceClient."""
        with self._lock:
            if self._monitoring is None:
                require("google.cloud.monitoring_v3", EXTRA, "GCP metrics")
                from google.cloud import monitoring_v3

                self._monitoring = monitoring_v3.MetricServiceClient(credentials=self.credentials())
            return self._monitoring

    def catalog(self) -> Any:
        if "catalog" in self._injected:
            return self._injected["catalog"]
        require("google.cloud.billing_v1", EXTRA, "GCP prices")
        from google.cloud import billing_v1

        return self._mount(billing_v1.CloudCatalogClient(credentials=self.credentials(), transport="rest"))

    def billing(self) -> Any:
        if "billing" in self._injected:
            return self._injected["billing"]
        require("google.cloud.billing_v1", EXTRA, "GCP project discovery")
        from google.cloud import billing_v1

        return self._mount(billing_v1.CloudBillingClient(credentials=self.credentials(), transport="rest"))
