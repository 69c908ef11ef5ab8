"""The fan-out: accounts x regions x services on a bounded thread pool.

Order of work: the caller identity (sts:GetCallerIdentity; no usable credentials is the only
fatal error), then per account the role assumption and region discovery, then the regional and
account-wide jobs. A job may queue further jobs (S3 buckets, each in its own job). Any failure is
recorded as a collection issue naming account, region, service, operation and IAM permission, and
everything else goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from finml.errors import ProviderError
from finml.model import CollectionIssue
from finml.provider import CollectContext
from finml.raw import GLOBAL
from providers.aws.collectors import ACCOUNT_JOBS, REGIONAL_JOBS, ec2
from providers.aws.scope import PROVIDER, Scope, issue_from
from providers.aws.session import Clients, Target, assume, caller_identity
from providers.aws.settings import AwsSettings

log = logging.getLogger(__name__)

JobFn = Callable[[Scope], None]


class FanOut:
    """Runs jobs on a thread pool; jobs may spawn more; waits until none is left."""

    def __init__(self, clients: Clients, settings: AwsSettings, ctx: CollectContext, lookback_days: int) -> None:
        self.clients = clients
        self.settings = settings
        self.ctx = ctx
        self.lookback_days = lookback_days
        self._pool = ThreadPoolExecutor(max_workers=max(1, settings.max_workers), thread_name_prefix="finml-aws")
        self._futures: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0

    def scope(self, target: Target, region: str) -> Scope:
        return Scope(
            target=target, region=region, clients=self.clients, raw=self.ctx.pages, settings=self.settings,
            now=self.ctx.now, lookback_days=self.lookback_days,
            spawn=lambda r, service, label, fn: self.submit(target, r, service, label, fn),
        )

    def submit(self, target: Target, region: str, service: str, label: str, fn: JobFn) -> None:
        if service in self.settings.skip_services:
            return
        with self._lock:
            self._total += 1
            self._futures.add(self._pool.submit(self._run, target, region, label, fn))

    def _run(self, target: Target, region: str, label: str, fn: JobFn) -> None:
        scope = self.scope(target, region)
        try:
            fn(scope)
        except ProviderError as exc:
            log.info("aws %s %s %s: %s", target.account_id, region, label, exc)
            self.ctx.issue(issue_from(exc))
        except Exception as exc:  # a bug in one collector must not lose what the others collected
            log.exception("aws collector %r failed in %s/%s", label, target.account_id, region)
            self.ctx.issue(CollectionIssue(
                provider=PROVIDER, account=target.account_id, region=region, service=label.split()[0],
                operation=None, cause="error", message=f"{label}: {type(exc).__name__}: {exc}",
                hint="this is a finml bug; please report it with the output of -vv",
            ))
        finally:
            with self._lock:
                self._done += 1
                done, total = self._done, self._total
            self.ctx.progress("AWS", done, total)

    def wait(self) -> None:
        try:
            while True:
                with self._lock:
                    pending = set(self._futures)
                if not pending:
                    return
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                with self._lock:
                    self._futures -= finished
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


def run(clients: Clients, settings: AwsSettings, ctx: CollectContext) -> None:
    """Collect every configured account into ``ctx.pages``."""
    home = settings.home_region
    identity = caller_identity(clients, home)  # raises CredentialsError: nothing can be collected
    caller_account = str(identity["Account"])
    ctx.pages.add(PROVIDER, caller_account, GLOBAL, "sts", "GetCallerIdentity", identity, {})
    partition = str(identity.get("Arn", "arn:aws:")).split(":")[1] or "aws"
    lookback = settings.lookback_days or ctx.lookback_days
    fan = FanOut(clients, settings, ctx, lookback)
    me = Target(caller_account, caller_account)

    def start_account(target: Target) -> None:
        fan.submit(target, GLOBAL, "account", "regions", lambda s: _account(fan, s))

    def assume_then_start(account_id: str, role_arn: str, external_id: str | None, name: str) -> JobFn:
        def job(scope: Scope) -> None:
            start_account(assume(clients, role_arn, external_id, account_id, name))
        return job

    if settings.include_caller_account:
        start_account(me)
    queued = {caller_account} if settings.include_caller_account else set()
    for acct in settings.accounts:
        if acct.id in queued:
            continue
        queued.add(acct.id)
        fan.submit(me, GLOBAL, "sts", f"assume {acct.id}",
                   assume_then_start(acct.id, acct.role_arn, acct.external_id, acct.name or acct.id))
    if settings.discover_organization:
        def discover(scope: Scope) -> None:
            for page in scope.pages("organizations", "ListAccounts"):
                for acct in page.get("Accounts", []):
                    aid = str(acct["Id"])
                    if aid in queued or acct.get("Status", "ACTIVE") != "ACTIVE":
                        continue
                    queued.add(aid)
                    arn = f"arn:{partition}:iam::{aid}:role/{settings.organization_role_name}"
                    fan.submit(me, GLOBAL, "sts", f"assume {aid}",
                               assume_then_start(aid, arn, settings.organization_external_id, acct.get("Name") or aid))

        fan.submit(me, GLOBAL, "organizations", "organization accounts", discover)
    fan.wait()


def _account(fan: FanOut, scope: Scope) -> None:
    """Resolve the account's regions, then queue its regional and account-wide jobs."""
    settings = fan.settings
    if settings.regions:
        regions: list[str] = list(settings.regions)
    else:
        regions = sorted(r["RegionName"] for r in ec2.regions(scope))
    for region in regions:
        for job in REGIONAL_JOBS:
            fan.submit(scope.target, region, job.service, job.label, job.fn)
    for job in ACCOUNT_JOBS:
        fan.submit(scope.target, GLOBAL, job.service, job.label, job.fn)


def collect(session: Any, settings: AwsSettings, ctx: CollectContext) -> None:
    run(Clients(session, settings), settings, ctx)
