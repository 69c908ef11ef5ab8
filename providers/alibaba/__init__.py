"""Alibaba Cloud provider: ECS instances, disks, snapshots, custom images, EIPs, CloudMonitor.

Collects with the real ``aliyunsdkcore`` ``AcsClient`` (pip extra ``alibaba``), read-only
(Describe/Get), and normalises the RPC JSON pages into the finml model. See ``docs/alibaba.md``
for credentials, the RAM policy and what is collected.

Injectable clients (``AlibabaProvider(settings, **clients)``):

* ``client_factory``: ``callable(region_id) -> AcsClient`` (tests feed its HTTP layer);
* ``acs_client``: one ``AcsClient`` used for every region;
* ``sleep``: the backoff sleep (tests pass a no-op).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from finml.model import Estate
from finml.provider import CollectContext, Provider
from finml.raw import RawPages
from providers.alibaba.settings import AlibabaSettings

__all__ = ["AlibabaProvider", "AlibabaSettings"]


class AlibabaProvider(Provider):
    name: ClassVar[str] = "alibaba"
    title: ClassVar[str] = "Alibaba Cloud"
    extra: ClassVar[str | None] = "alibaba"
    Settings: ClassVar[type[Any]] = AlibabaSettings

    def api(self) -> Any:
        """The :class:`~providers.alibaba.api.AlibabaApi` for this provider's credentials."""
        import time

        from providers.alibaba.api import AlibabaApi, default_client_factory
        from providers.alibaba.settings import resolve_access_key

        s: AlibabaSettings = self.settings
        factory = self.clients.get("client_factory")
        if factory is None and "acs_client" in self.clients:
            shared = self.clients["acs_client"]

            def factory(region: str) -> Any:
                return shared

        if factory is None:
            key = resolve_access_key(s)
            factory = default_client_factory(key.key_id, key.secret)
        return AlibabaApi(factory, max_retries=s.max_retries, sleep=self.clients.get("sleep", time.sleep),
                          endpoints=s.endpoints)

    def price_catalog(self, data_dir: Path) -> Any:
        """Live ECS DescribePrice prices with this provider's credentials (see prices.py)."""
        from providers.alibaba.prices import AlibabaPriceCatalog

        return AlibabaPriceCatalog.for_provider(self, data_dir)

    def collect(self, ctx: CollectContext) -> None:
        from providers.alibaba.collect import Collector, account_label

        api = self.api()
        api.account = account_label(api, self.settings.account)
        Collector(api, self.settings, ctx).run()

    @classmethod
    def normalise(cls, pages: RawPages) -> Estate:
        from providers.alibaba.normalise import normalise

        return normalise(pages)

    @classmethod
    def demo_pages(cls, now: datetime) -> RawPages:
        from providers.alibaba.demo import demo_pages

        return demo_pages(now)
