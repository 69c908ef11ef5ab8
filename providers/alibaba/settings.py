"""Settings of the Alibaba Cloud provider and where its credentials come from.

Credentials are an AccessKey pair, looked up in this order: the
``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` environment variables, then
the ``AK`` profile named by ``profile`` (or the file's ``current`` profile) in the Alibaba Cloud CLI
file ``~/.aliyun/config.json``. The secret is held in memory only: never logged, never written.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from finml.errors import CredentialsError
from finml.provider import ProviderSettings
from finml.settings import setting

ENV_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
CLI_CONFIG = Path("~/.aliyun/config.json")


@dataclass(frozen=True)
class AlibabaSettings(ProviderSettings):
    """``[providers.alibaba]`` in finml.toml."""

    regions: tuple[str, ...] = setting(
        (), "Region ids to audit (e.g. cn-hangzhou). Empty: every region ECS DescribeRegions lists.",
    )
    account: str | None = setting(
        None, "Account label used in findings. Empty: the AccessKey owner's account id (STS "
        "GetCallerIdentity, which needs no permission), else 'default'.",
    )
    profile: str | None = setting(
        None, "Profile of ~/.aliyun/config.json to read when the environment has no AccessKey. "
        "Empty: the file's current profile.",
    )
    max_workers: int = setting(4, "Regions collected in parallel.")
    lookback_days: int | None = setting(
        None, "Days of CloudMonitor metrics to read. Empty: the audit's lookback_days.",
    )
    page_size: int = setting(100, "Items per page (PageSize / MaxResults). ECS allows up to 100.")
    metric_period_s: int = setting(3600, "CloudMonitor aggregation period in seconds.")
    collect_metrics: bool = setting(True, "Read CloudMonitor metrics of running instances.")
    max_retries: int = setting(4, "Retries of a throttled call (exponential backoff) before giving up.")
    endpoints: dict[str, str] = setting(
        {}, "Endpoint overrides by product code (ecs, vpc, cms, sts) or code@region, e.g. "
        "{cms = 'metrics.ap-southeast-1.aliyuncs.com'}. Empty: the SDK's endpoint table, else "
        "the central domain (ecs.aliyuncs.com, vpc.aliyuncs.com, metrics.aliyuncs.com).",
    )
    price_cache_ttl_hours: int = setting(
        168, "How long DescribePrice answers stay in the price cache (DATA_DIR/price-cache/alibaba).",
    )


@dataclass(frozen=True)
class AccessKey:
    """An AccessKey pair; ``repr`` never shows the secret."""

    key_id: str
    secret: str
    source: str

    def __repr__(self) -> str:
        return f"AccessKey(key_id={self.key_id[:4]}…, source={self.source!r})"


def resolve_access_key(settings: AlibabaSettings, config_file: Path | None = None) -> AccessKey:
    """The AccessKey from the environment or the CLI config file; CredentialsError when none."""
    key_id = os.environ.get(ENV_KEY_ID, "").strip()
    secret = os.environ.get(ENV_KEY_SECRET, "").strip()
    if key_id and secret:
        return AccessKey(key_id, secret, "environment")
    if key_id or secret:
        missing = ENV_KEY_SECRET if key_id else ENV_KEY_ID
        raise CredentialsError(
            f"Alibaba Cloud: {missing} is not set while its partner is",
            hint=f"export both {ENV_KEY_ID} and {ENV_KEY_SECRET}",
        )
    path = (config_file or CLI_CONFIG).expanduser()
    found = _from_cli_config(path, settings.profile)
    if found is not None:
        return found
    raise CredentialsError(
        "Alibaba Cloud: no AccessKey found",
        hint=f"export {ENV_KEY_ID} and {ENV_KEY_SECRET} (a RAM user with the read-only policy in "
        f"docs/alibaba.md), or configure an AK profile with 'aliyun configure' ({path})",
    )


def _from_cli_config(path: Path, profile: str | None) -> AccessKey | None:
    if not path.is_file():
        if profile:
            raise CredentialsError(
                f"Alibaba Cloud: profile {profile!r} requested but {path} does not exist",
                hint="run 'aliyun configure --profile NAME' or unset providers.alibaba.profile",
            )
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CredentialsError(
            f"Alibaba Cloud: cannot read {path} ({type(exc).__name__})",
            hint="fix the file with 'aliyun configure' or use the environment variables",
        ) from exc
    wanted = profile or data.get("current") or "default"
    for p in data.get("profiles", []):
        if p.get("name") != wanted:
            continue
        if p.get("mode", "AK") != "AK":
            raise CredentialsError(
                f"Alibaba Cloud: profile {wanted!r} in {path} uses mode {p.get('mode')!r}; "
                "finml reads AK profiles only",
                hint=f"export {ENV_KEY_ID} and {ENV_KEY_SECRET} instead",
            )
        key_id, secret = p.get("access_key_id") or "", p.get("access_key_secret") or ""
        if key_id and secret:
            return AccessKey(key_id, secret, f"{path} profile {wanted}")
        raise CredentialsError(
            f"Alibaba Cloud: profile {wanted!r} in {path} has no access_key_id/access_key_secret",
            hint="run 'aliyun configure' for that profile",
        )
    if profile:
        raise CredentialsError(
            f"Alibaba Cloud: no profile {profile!r} in {path}",
            hint="check providers.alibaba.profile",
        )
    return None
