"""GcpProvider.collect with the real google-cloud clients over recorded REST JSON and gRPC."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import pytest

from finml.errors import CredentialsError
from finml.model import (
    Address,
    Commitment,
    Image,
    Instance,
    InstanceState,
    Kind,
    LaunchTemplate,
    ScalingGroup,
    Snapshot,
    Volume,
)
from finml.provider import CollectContext
from finml.raw import RawPages
from providers.gcp import GcpProvider, GcpSettings
from tests.providers.gcp.gcp_fakes import (
    COMPUTE,
    FakeGoogleApis,
    FakeMonitoring,
    compute_routes,
    error_body,
    recorded,
)

NOW = datetime(2026, 11, 1, 0, 30, tzinfo=timezone.utc)
P1 = "finml-test-1"
SETTINGS = GcpSettings(projects=[P1], retry_initial_s=0.01, retry_timeout_s=2.0, max_workers=4)


def collect(clients: dict[str, Any], settings: GcpSettings = SETTINGS) -> RawPages:
    pages = RawPages()
    GcpProvider(settings, **clients).collect(CollectContext(pages=pages, now=NOW, lookback_days=14))
    return pages


@pytest.fixture
def full(google_apis: FakeGoogleApis, monitoring: FakeMonitoring) -> FakeGoogleApis:
    compute_routes(google_apis)
    cpu = "compute.googleapis.com/instance/cpu/utilization"
    monitoring.add(P1, cpu, recorded("timeseries.cpu.p1.json"))
    monitoring.add(P1, cpu, recorded("timeseries.cpu.p2.json"), page_token=recorded("timeseries.cpu.p1.json")["nextPageToken"])
    monitoring.add(P1, "compute.googleapis.com/instance/network/received_bytes_count", recorded("timeseries.received.json"))
    return google_apis


def test_collects_every_page_and_normalises(full: FakeGoogleApis, monitoring: FakeMonitoring, gcp_clients: Any) -> None:
    pages = collect(gcp_clients())
    assert pages.issues == []
    inst_pages = pages.select("gcp", "compute", "instances.aggregatedList")
    assert len(inst_pages) == 2  # nextPageToken followed
    token = recorded("instances.p1.json")["nextPageToken"]
    assert [s.query.get("pageToken") for s in full.seen if s.path.endswith("/aggregated/instances")] == [None, [token]]
    # raw pages are the REST JSON: camelCase, int64 as strings, no invented default fields
    disk = inst_pages[0].response["items"]["zones/us-central1-a"]["instances"][0]
    assert disk["machineType"].endswith("/machineTypes/n2-standard-4") and "guestAccelerators" not in disk

    estate = GcpProvider.normalise(pages)
    by_id = {r.id: r for r in estate.resources}
    vm = by_id[f"projects/{P1}/zones/us-central1-a/instances/vm-web-1"]
    assert isinstance(vm, Instance) and vm.state == InstanceState.RUNNING and vm.region == "us-central1"
    assert vm.type_info is not None and (vm.type_info.vcpus, vm.type_info.memory_gib) == (4, 16.0)
    assert vm.image_id == "projects/debian-cloud/global/images/debian-12-bookworm-v20250212"
    old = by_id[f"projects/{P1}/zones/europe-west1-b/instances/vm-batch-old"]
    assert isinstance(old, Instance) and old.state == InstanceState.STOPPED and old.lifecycle == "spot"
    assert old.state_since == datetime(2025, 2, 1, 17, 30, tzinfo=timezone.utc)
    assert old.type_info is not None and old.type_info.burstable

    orphan = by_id[f"projects/{P1}/zones/us-central1-a/disks/orphan-data"]
    assert isinstance(orphan, Volume) and orphan.attached_to == [] and orphan.volume_type == "pd-ssd"
    assert orphan.size_gib == 200 and orphan.last_detached_at == datetime(2025, 1, 15, 20, 0, tzinfo=timezone.utc)
    regional = by_id[f"projects/{P1}/regions/us-central1/disks/regional-shared"]
    assert isinstance(regional, Volume) and regional.region == "us-central1" and regional.attached_to

    golden = by_id[f"projects/{P1}/global/snapshots/golden-src"]
    assert isinstance(golden, Snapshot) and golden.used_by == [
        f"projects/{P1}/global/images/golden-web", f"projects/{P1}/global/instanceTemplates/restore-tpl"]
    assert golden.storage_bytes == 3221225472 and golden.source_volume_id.endswith("disks/vm-web-1")  # type: ignore[union-attr]
    sched = next(r for r in estate.resources if r.name and r.name.startswith("orphan-data-us-central1"))
    assert isinstance(sched, Snapshot) and sched.backup_managed and not sched.used_by
    image = by_id[f"projects/{P1}/global/images/golden-web"]
    assert isinstance(image, Image) and image.snapshot_ids == [golden.id]

    tpl = by_id[f"projects/{P1}/global/instanceTemplates/web-tpl-v3"]
    assert isinstance(tpl, LaunchTemplate) and tpl.in_use and tpl.image_ids == [image.id]
    restore = by_id[f"projects/{P1}/global/instanceTemplates/restore-tpl"]
    assert isinstance(restore, LaunchTemplate) and not restore.in_use and restore.snapshot_ids == [golden.id]
    mig = by_id[f"projects/{P1}/zones/us-central1-a/instanceGroupManagers/web-mig"]
    assert isinstance(mig, ScalingGroup) and mig.instance_ids == [vm.id] and mig.desired_capacity == 1
    assert mig.launch_template_ids == [tpl.id]

    addrs = [r for r in estate.resources if isinstance(r, Address)]
    assert {a.name: a.state for a in addrs} == {  # internal (regional and global) skipped
        "forgotten-ip": "unassociated", "web-ip": "associated",
        "web-lb-ip": "associated", "old-cdn-ip": "unassociated", "api-lb-ip-new": "reserving"}
    (cud,) = [r for r in estate.resources if isinstance(r, Commitment)]
    assert cud.commitment_type == "cud" and cud.term_months == 12 and cud.state == "active"

    cpu = estate.metrics_for(vm.id)["cpu.utilization"]
    assert cpu.values == pytest.approx([2.05, 3.10, 1.25]) and cpu.period_s == 3600
    assert cpu.timestamps[-1] == datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert estate.metrics_for(vm.id)["network.in.bytes"].values == [52428800.0, 73400320.0]
    assert len([m for m in estate.metrics if m.metric == "cpu.utilization"]) == 1  # unknown instance dropped


def test_metric_queries_are_hourly_with_the_right_aligners(full: FakeGoogleApis, monitoring: FakeMonitoring,
                                                           gcp_clients: Any) -> None:
    from google.cloud import monitoring_v3

    collect(gcp_clients())
    by_type = {r.filter.split('"')[1]: r for r in monitoring.requests if not r.page_token}
    A = monitoring_v3.Aggregation
    cpu = by_type["compute.googleapis.com/instance/cpu/utilization"]
    assert cpu.aggregation.per_series_aligner == A.Aligner.ALIGN_MEAN
    assert cpu.aggregation.alignment_period.total_seconds() == 3600
    assert cpu.interval.end_time.isoformat() == "2026-11-01T00:00:00+00:00"
    assert cpu.interval.start_time.isoformat() == "2026-10-18T00:00:00+00:00"
    sent = by_type["compute.googleapis.com/instance/network/sent_bytes_count"]
    assert sent.aggregation.per_series_aligner == A.Aligner.ALIGN_SUM
    assert sent.aggregation.cross_series_reducer == A.Reducer.REDUCE_SUM
    assert 'metric.labels.state = "used"' in by_type["agent.googleapis.com/memory/percent_used"].filter
    assert any(r.page_token for r in monitoring.requests)  # second page of cpu fetched


def test_only_read_calls_are_made(full: FakeGoogleApis, monitoring: FakeMonitoring, gcp_clients: Any) -> None:
    collect(gcp_clients())
    assert full.seen and {s.method for s in full.seen} == {"GET"}
    assert all(s.path.startswith(f"{COMPUTE}/{P1}/") for s in full.seen)
    # the gRPC fake serves only ListTimeSeries; any other RPC would fail as UNIMPLEMENTED
    assert monitoring.requests and all(type(r).__name__ == "ListTimeSeriesRequest" for r in monitoring.requests)


def test_machine_types_are_read_only_for_types_in_use(full: FakeGoogleApis, gcp_clients: Any) -> None:
    collect(gcp_clients())
    (req,) = [s for s in full.seen if s.path.endswith("/aggregated/machineTypes")]
    assert req.query["filter"] == ['name eq "(e2-medium|n2-standard-4)"']


def test_quota_429_is_retried_then_succeeds(full: FakeGoogleApis, gcp_clients: Any) -> None:
    path = f"{COMPUTE}/{P1}/aggregated/disks"
    full.routes[(path, "")].insert(0, (429, error_body(429, "RESOURCE_EXHAUSTED",
                                                      "Quota exceeded for quota metric 'Read requests'", "rateLimitExceeded")))
    pages = collect(gcp_clients())
    assert pages.issues == []
    assert [s.path for s in full.seen].count(path) == 2
    assert len(pages.select("gcp", "compute", "disks.aggregatedList")) == 1


def test_quota_that_outlasts_retries_is_recorded(full: FakeGoogleApis, gcp_clients: Any) -> None:
    path = f"{COMPUTE}/{P1}/global/snapshots"
    full.routes[(path, "")] = [(429, error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded", "rateLimitExceeded"))]
    pages = collect(gcp_clients(), replace(SETTINGS, retry_initial_s=0.02, retry_timeout_s=0.2))
    (issue,) = pages.issues
    assert issue.cause == "throttled" and issue.operation == "snapshots.list" and issue.account == P1
    assert pages.select("gcp", "compute", "disks.aggregatedList")  # the rest was collected


def test_permission_denied_names_the_permission_and_others_continue(full: FakeGoogleApis, gcp_clients: Any) -> None:
    path = f"{COMPUTE}/{P1}/aggregated/disks"
    full.routes[(path, "")] = [(403, error_body(
        403, "PERMISSION_DENIED", f"Required 'compute.disks.list' permission for 'projects/{P1}'"))]
    pages = collect(gcp_clients())
    (issue,) = pages.issues
    assert (issue.cause, issue.permission, issue.service) == ("access-denied", "compute.disks.list", "compute")
    assert "roles/compute.viewer" in (issue.hint or "")
    estate = GcpProvider.normalise(pages)
    assert estate.of_kind(Kind.INSTANCE) and not estate.of_kind(Kind.VOLUME)


def test_api_not_enabled_hints_to_enable_it(full: FakeGoogleApis, gcp_clients: Any) -> None:
    disabled = error_body(
        403, "PERMISSION_DENIED",
        "Compute Engine API has not been used in project 123456 before or it is disabled.", "accessNotConfigured",
        details=[{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED",
                  "domain": "googleapis.com",
                  "metadata": {"service": "compute.googleapis.com", "consumer": "projects/123456"}}])
    for key in list(full.routes):
        full.routes[key] = [(403, disabled)]
    pages = collect(gcp_clients(), replace(SETTINGS, metrics=False))
    assert pages.issues and {i.cause for i in pages.issues} == {"api-disabled"}
    assert "gcloud services enable compute.googleapis.com" in (pages.issues[0].hint or "")


def test_monitoring_permission_denied_is_an_issue(full: FakeGoogleApis, monitoring: FakeMonitoring,
                                                  gcp_clients: Any) -> None:
    import grpc

    monitoring.fail(P1, grpc.StatusCode.PERMISSION_DENIED, "Permission monitoring.timeSeries.list denied")
    pages = collect(gcp_clients())
    assert {(i.service, i.cause, i.permission) for i in pages.issues} == {
        ("monitoring", "access-denied", "monitoring.timeSeries.list")}
    assert pages.select("gcp", "compute", "instances.aggregatedList")


def test_rejected_credentials_raise_credentials_error(google_apis: FakeGoogleApis, monitoring: FakeMonitoring,
                                                      gcp_clients: Any) -> None:
    import grpc

    compute_routes(google_apis)
    for key in list(google_apis.routes):
        google_apis.routes[key] = [(401, error_body(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.",
                                                    "authError"))]
    monitoring.fail(P1, grpc.StatusCode.UNAUTHENTICATED, "Request had invalid authentication credentials.")
    with pytest.raises(CredentialsError) as err:
        collect(gcp_clients())
    assert "application-default login" in (err.value.hint or "")


def test_missing_adc_is_a_credentials_error_with_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from google.auth.compute_engine import _metadata

    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)
    with pytest.raises(CredentialsError) as err:
        collect({})
    assert "gcloud auth application-default login" in (err.value.hint or "")


def test_region_filter_drops_other_scopes(full: FakeGoogleApis, gcp_clients: Any) -> None:
    pages = collect(gcp_clients(), replace(SETTINGS, regions=["us-central1"], metrics=False))
    (disk_page,) = pages.select("gcp", "compute", "disks.aggregatedList")
    assert set(disk_page.response["items"]) == {"zones/us-central1-a", "regions/us-central1"}
    assert disk_page.params["scopesDropped"] == ["zones/asia-east1-a", "zones/europe-west1-b"]
    regions = {r.region for r in GcpProvider.normalise(pages).of_kind(Kind.VOLUME)}
    assert regions == {"us-central1"}


def test_projects_come_from_the_billing_account(google_apis: FakeGoogleApis, gcp_clients: Any) -> None:
    compute_routes(google_apis)
    google_apis.add("/v1/billingAccounts/012345-6789AB-CDEF01/projects", {"projectBillingInfo": [
        {"name": f"projects/{P1}/billingInfo", "projectId": P1,
         "billingAccountName": "billingAccounts/012345-6789AB-CDEF01", "billingEnabled": True},
        {"name": "projects/closed-1/billingInfo", "projectId": "closed-1",
         "billingAccountName": "billingAccounts/012345-6789AB-CDEF01", "billingEnabled": False},
    ]})
    settings = replace(SETTINGS, projects=[], billing_account="012345-6789AB-CDEF01", metrics=False)
    pages = collect(gcp_clients(), settings)
    assert pages.issues == []
    assert {p.account for p in pages.select("gcp", "compute")} == {P1}
    assert not any("closed-1" in s.path for s in google_apis.seen)
    assert {s.method for s in google_apis.seen} == {"GET"}


def test_billing_account_without_projects_is_reported(google_apis: FakeGoogleApis, gcp_clients: Any) -> None:
    google_apis.add("/v1/billingAccounts/012345-6789AB-CDEF01/projects", {})
    settings = replace(SETTINGS, projects=[], billing_account="billingAccounts/012345-6789AB-CDEF01")
    pages = collect(gcp_clients(), settings)
    (issue,) = pages.issues
    assert issue.cause == "not-found" and "012345-6789AB-CDEF01" in issue.message
    assert [s.path for s in google_apis.seen] == ["/v1/billingAccounts/012345-6789AB-CDEF01/projects"]


def test_project_defaults_to_the_credentials_project(google_apis: FakeGoogleApis, gcp_clients: Any) -> None:
    compute_routes(google_apis)
    pages = collect(gcp_clients(project=P1), replace(SETTINGS, projects=[], metrics=False))
    assert pages.issues == [] and {p.account for p in pages} == {P1}


def test_region_filter_restricts_metric_queries(full: FakeGoogleApis, monitoring: FakeMonitoring,
                                                gcp_clients: Any) -> None:
    collect(gcp_clients(), replace(SETTINGS, regions=["us-central1", "europe-west1"]))
    assert monitoring.requests and all(
        r.filter.endswith(' AND (resource.labels.zone = starts_with("us-central1-") OR '
                          'resource.labels.zone = starts_with("europe-west1-"))') for r in monitoring.requests)
    collect(gcp_clients(), replace(SETTINGS, zones=["us-central1-a"]))
    assert monitoring.requests[-1].filter.endswith(' AND (resource.labels.zone = "us-central1-a")')


def test_settings_are_validated_with_the_dotted_key() -> None:
    from finml import settings as settings_mod
    from finml.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        settings_mod.build(GcpSettings, {"page_size": 1000}, "providers.gcp")
    assert err.value.key == "providers.gcp.page_size"
    with pytest.raises(ConfigError) as err:
        settings_mod.build(GcpSettings, {"projet": ["x"]}, "providers.gcp")
    assert err.value.key == "providers.gcp.projet"
    with pytest.raises(ConfigError):
        GcpSettings(zones=["us-central1"])
    ok = settings_mod.build(GcpSettings, {"projects": ["a", "b"], "regions": ["us-central1"]}, "providers.gcp")
    assert ok.zone_wanted("us-central1-f") and not ok.zone_wanted("europe-west1-b")


def test_global_addresses_are_paged_and_normalised(full: FakeGoogleApis, gcp_clients: Any) -> None:
    pages = collect(gcp_clients(), replace(SETTINGS, metrics=False))
    assert pages.issues == []
    path = f"{COMPUTE}/{P1}/global/addresses"
    token = recorded("globalAddresses.p1.json")["nextPageToken"]
    assert [s.query.get("pageToken") for s in full.seen if s.path == path] == [None, [token]]
    assert all(s.method == "GET" for s in full.seen if s.path == path)
    got = pages.select("gcp", "compute", "globalAddresses.list")
    assert len(got) == 2 and {p.region for p in got} == {"global"}
    assert got[0].params == {"project": P1, "maxResults": 500}
    raw = got[1].response["items"][0]  # REST JSON as sent: camelCase, int64 as strings
    assert raw["prefixLength"] == 16 and raw["purpose"] == "VPC_PEERING" and raw["id"] == "2424242424242424242"

    estate = GcpProvider.normalise(pages)
    by_id = {r.id: r for r in estate.of_kind(Kind.ADDRESS)}
    unused = by_id[f"projects/{P1}/global/addresses/old-cdn-ip"]
    assert isinstance(unused, Address) and unused.region == "global" and unused.account == P1
    assert (unused.state, unused.ip, unused.associated_with) == ("unassociated", "34.120.99.14", None)
    assert unused.created_at == datetime(2024, 6, 1, 18, 30, tzinfo=timezone.utc)
    lb = by_id[f"projects/{P1}/global/addresses/web-lb-ip"]
    assert isinstance(lb, Address) and lb.state == "associated"
    assert lb.associated_with == f"projects/{P1}/global/forwardingRules/web-https-fr"
    assert by_id[f"projects/{P1}/global/addresses/api-lb-ip-new"].state == "reserving"  # type: ignore[attr-defined]
    assert f"projects/{P1}/global/addresses/google-managed-services-default" not in by_id  # INTERNAL: free


def test_global_address_without_self_link_gets_a_global_id() -> None:
    pages = RawPages()
    pages.add("gcp", P1, "global", "compute", "globalAddresses.list", {"items": [
        {"name": "bare", "address": "34.1.2.3", "status": "RESERVED", "addressType": "EXTERNAL"},
        {"name": "bare-internal", "address": "10.1.0.0", "status": "RESERVED", "addressType": "INTERNAL"},
    ]}, {"project": P1})
    (addr,) = GcpProvider.normalise(pages).of_kind(Kind.ADDRESS)
    assert addr.id == f"projects/{P1}/global/addresses/bare" and addr.region == "global"


@pytest.mark.parametrize("message", [
    f"Required 'compute.globalAddresses.list' permission for 'projects/{P1}'",
    "The caller does not have permission",  # no permission named: the operation's map entry is used
])
def test_global_addresses_denied_is_an_issue_and_regional_ones_still_collect(
        full: FakeGoogleApis, gcp_clients: Any, message: str) -> None:
    path = f"{COMPUTE}/{P1}/global/addresses"
    full.routes[(path, "")] = [(403, error_body(403, "PERMISSION_DENIED", message))]
    pages = collect(gcp_clients(), replace(SETTINGS, metrics=False))
    (issue,) = pages.issues
    assert (issue.cause, issue.operation, issue.account) == ("access-denied", "globalAddresses.list", P1)
    assert issue.permission == "compute.globalAddresses.list" and "roles/compute.viewer" in (issue.hint or "")
    assert not pages.select("gcp", "compute", "globalAddresses.list")
    names = {r.name for r in GcpProvider.normalise(pages).of_kind(Kind.ADDRESS)}
    assert names == {"forgotten-ip", "web-ip"}  # regional addresses collected regardless


def test_global_addresses_are_kept_under_a_region_filter(full: FakeGoogleApis, gcp_clients: Any) -> None:
    pages = collect(gcp_clients(), replace(SETTINGS, regions=["europe-west1"], metrics=False))
    regions = {a.name: a.region for a in GcpProvider.normalise(pages).of_kind(Kind.ADDRESS)}
    assert regions == {"web-lb-ip": "global", "old-cdn-ip": "global", "api-lb-ip-new": "global"}
