"""Savings Plans collector (a global API, called once per account in the home region)."""

from __future__ import annotations

from providers.aws.scope import Scope

PAGE = 100


def savings_plans(scope: Scope) -> None:
    """DescribeSavingsPlans has no boto3 paginator: follow ``nextToken`` by hand."""
    token: str | None = None
    while True:
        params = {"maxResults": PAGE, **({"nextToken": token} if token else {})}
        page = scope.call("savingsplans", "DescribeSavingsPlans", **params)
        token = page.get("nextToken")
        if not token:
            return
