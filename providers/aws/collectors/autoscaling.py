"""Auto Scaling collectors: groups (which launch templates/configurations are in use) and
launch configurations (which AMIs and snapshots they pin)."""

from __future__ import annotations

from providers.aws.scope import Scope

GROUPS_PAGE = 100
CONFIGS_PAGE = 100


def groups(scope: Scope) -> None:
    for _ in scope.pages("autoscaling", "DescribeAutoScalingGroups", page_size=GROUPS_PAGE):
        pass


def launch_configurations(scope: Scope) -> None:
    for _ in scope.pages("autoscaling", "DescribeLaunchConfigurations", page_size=CONFIGS_PAGE):
        pass
