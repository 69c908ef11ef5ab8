"""Amazon Web Services: EC2/EBS, Auto Scaling, S3, CloudWatch, Reserved Instances, Savings Plans.

Credentials come from the standard boto3 chain (or ``[providers.aws] profile``); member accounts
through sts:AssumeRole (listed, or discovered with AWS Organizations). Collection fans out over
account x region x service on a bounded thread pool and only calls Describe/List/Get operations
(see ``docs/aws-iam-policy.json``). Tests and embedders inject a ``boto3.Session`` with
``AwsProvider(settings, session=...)``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from finml.errors import ConfigError
from finml.model import Estate
from finml.provider import CollectContext, Provider
from finml.raw import RawPages
from providers.aws.permissions import SERVICES
from providers.aws.settings import AwsAccount, AwsSettings


class AwsProvider(Provider):
    name: ClassVar[str] = "aws"
    title: ClassVar[str] = "Amazon Web Services"
    extra: ClassVar[str | None] = None
    Settings: ClassVar[type[Any]] = AwsSettings

    def __init__(self, settings: AwsSettings | None = None, **clients: Any) -> None:
        super().__init__(settings, **clients)
        _validate(self.settings)

    def price_catalog(self, data_dir: Path) -> Any:
        """Live AWS Price List (GetProducts) prices through this provider's boto3 session."""
        from finml.pricing.aws import AwsPricingCatalog
        from finml.pricing.cache import PriceCache
        from providers.aws.session import make_session

        session = self.clients.get("session") or make_session(self.settings)
        return AwsPricingCatalog(session.client("pricing", region_name="us-east-1"),
                                 PriceCache(data_dir, "aws-pricing"))

    def collect(self, ctx: CollectContext) -> None:
        from providers.aws.collect import collect
        from providers.aws.session import make_session

        session = self.clients.get("session") or make_session(self.settings)
        collect(session, self.settings, ctx)

    @classmethod
    def normalise(cls, pages: RawPages) -> Estate:
        from providers.aws.normalise import normalise

        return normalise(pages)

    @classmethod
    def demo_pages(cls, now: datetime) -> RawPages:
        from providers.aws.demo import demo_pages

        return demo_pages(now)


def _validate(s: AwsSettings) -> None:
    unknown = sorted(set(s.skip_services) - set(SERVICES))
    if unknown:
        raise ConfigError(f"unknown service {unknown[0]!r}", key="providers.aws.skip_services",
                          hint=f"valid services: {', '.join(SERVICES)}")
    if s.max_workers < 1 or s.max_attempts < 1:
        raise ConfigError("must be at least 1", key="providers.aws.max_workers" if s.max_workers < 1
                          else "providers.aws.max_attempts")
    if s.metrics_period_s < 60 or s.metrics_period_s % 60:
        raise ConfigError("must be a multiple of 60 seconds", key="providers.aws.metrics_period_s")
    for i, acct in enumerate(s.accounts):
        if not (acct.id.isdigit() and len(acct.id) == 12) or not acct.role_arn.startswith("arn:"):
            raise ConfigError("needs a 12-digit id and a role_arn", key=f"providers.aws.accounts[{i}]",
                              hint='e.g. { id = "123456789012", role_arn = "arn:aws:iam::123456789012:role/finml-audit" }')


__all__ = ["AwsProvider", "AwsSettings", "AwsAccount"]
