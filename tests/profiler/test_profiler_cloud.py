"""Instance identity from metadata services and the spot interruption watcher."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from profiler import profile_run
from profiler.cloud import detect_identity, dmi_vendor, urllib_http
from profiler.settings import ProfilerSettings, load_settings
from profiler.spot import SpotWatcher
from tests.profiler.fake_nvml import FakeNvml, gpus


class MetadataServer:
    """Answers like the metadata services do: (method, url) -> (status, body), checking the
    headers each service requires. Records every request."""

    def __init__(self, routes: dict[tuple[str, str], tuple[int, str]],
                 required: Mapping[str, tuple[str, str]] | None = None) -> None:
        self.routes = routes
        self.required = required or {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    def __call__(self, method: str, url: str, headers: Mapping[str, str], timeout: float) -> tuple[int, str]:
        assert timeout <= 1.0
        self.requests.append((method, url, dict(headers)))
        for prefix, (name, value) in self.required.items():
            if url.startswith(prefix) and headers.get(name) != value:
                return 401, ""
        if (method, url) not in self.routes:
            raise ConnectionRefusedError(url)
        return self.routes[(method, url)]


IMDS = "http://169.254.169.254/latest"
AWS = {
    ("PUT", f"{IMDS}/api/token"): (200, "TOKEN"),
    ("GET", f"{IMDS}/meta-data/instance-type"): (200, "g5.xlarge"),
    ("GET", f"{IMDS}/meta-data/placement/availability-zone"): (200, "us-east-1b"),
    ("GET", f"{IMDS}/meta-data/placement/region"): (200, "us-east-1"),
    ("GET", f"{IMDS}/meta-data/instance-life-cycle"): (200, "on-demand"),
    ("GET", f"{IMDS}/meta-data/spot/instance-action"): (404, ""),
}


def _settings(**kw: object) -> ProfilerSettings:
    return dataclasses.replace(load_settings({}, env={}), **kw)


def test_aws_imdsv2_token_then_metadata() -> None:
    server = MetadataServer(AWS, {f"{IMDS}/meta-data": ("X-aws-ec2-metadata-token", "TOKEN")})
    ident = detect_identity(_settings(), http=server, env={}, vendor="aws")
    assert (ident.provider, ident.region, ident.instance_type, ident.zone, ident.source) == (
        "aws", "us-east-1", "g5.xlarge", "us-east-1b", "metadata:aws")
    method, _, headers = server.requests[0]
    assert method == "PUT" and headers == {"X-aws-ec2-metadata-token-ttl-seconds": "21600"}


def test_gcp_azure_alibaba() -> None:
    gcp = MetadataServer({
        ("GET", "http://169.254.169.254/computeMetadata/v1/instance/machine-type"):
            (200, "projects/123/machineTypes/g2-standard-4"),
        ("GET", "http://169.254.169.254/computeMetadata/v1/instance/zone"): (200, "projects/123/zones/us-central1-a"),
        ("GET", "http://169.254.169.254/computeMetadata/v1/instance/scheduling/preemptible"): (200, "TRUE"),
    }, {"http://169.254.169.254/computeMetadata": ("Metadata-Flavor", "Google")})
    ident = detect_identity(_settings(), http=gcp, env={}, vendor="gcp")
    assert (ident.provider, ident.region, ident.instance_type, ident.lifecycle) == (
        "gcp", "us-central1", "g2-standard-4", "spot")
    azure_url = "http://169.254.169.254/metadata/instance/compute?api-version=2021-02-01"
    azure = MetadataServer({("GET", azure_url): (200, json.dumps(
        {"location": "eastus", "vmSize": "Standard_NC4as_T4_v3", "zone": "1", "priority": "Spot"}))},
        {azure_url: ("Metadata", "true")})
    ident = detect_identity(_settings(), http=azure, env={}, vendor=None)  # DMI unreadable: ask all
    assert (ident.provider, ident.region, ident.instance_type, ident.lifecycle) == (
        "azure", "eastus", "Standard_NC4as_T4_v3", "spot")
    ali = MetadataServer({
        ("GET", "http://100.100.100.200/latest/meta-data/instance/instance-type"): (200, "ecs.gn6i-c4g1.xlarge"),
        ("GET", "http://100.100.100.200/latest/meta-data/region-id"): (200, "cn-hangzhou"),
        ("GET", "http://100.100.100.200/latest/meta-data/zone-id"): (200, "cn-hangzhou-h"),
    })
    ident = detect_identity(_settings(), http=ali, env={}, vendor="alibaba")
    assert (ident.provider, ident.region, ident.instance_type) == ("alibaba", "cn-hangzhou", "ecs.gn6i-c4g1.xlarge")


def test_config_and_env_skip_metadata() -> None:
    server = MetadataServer(AWS)
    s = load_settings({"instance_type": "m5.large"}, env={"FINML_REGION": "eu-west-1", "FINML_PROVIDER": "aws"})
    ident = detect_identity(s, http=server, env={})
    assert (ident.provider, ident.region, ident.instance_type, ident.source) == ("aws", "eu-west-1", "m5.large", "config")
    assert server.requests == []


def test_off_cloud_dmi_makes_no_request() -> None:
    server = MetadataServer(AWS)
    assert detect_identity(_settings(), http=server, env={}, vendor="").source == "unknown"
    assert server.requests == []


def test_blocked_network_is_handled_by_the_real_http_client() -> None:
    """The conftest guard raises from socket.connect: detection must say unknown, not fail."""
    ident = detect_identity(_settings(), http=urllib_http, env={}, vendor=None)
    assert ident.source == "unknown" and ident.instance_type is None


def test_dmi_vendor_reading(tmp_path: Path) -> None:
    (tmp_path / "sys_vendor").write_text("Amazon EC2\n")
    assert dmi_vendor(tmp_path) == "aws"
    (tmp_path / "sys_vendor").write_text("QEMU\n")
    assert dmi_vendor(tmp_path) == ""
    assert dmi_vendor(tmp_path / "missing") is None


def test_spot_watcher_reports_the_notice_once() -> None:
    routes = dict(AWS)
    routes[("GET", f"{IMDS}/meta-data/spot/instance-action")] = (
        200, '{"action": "terminate", "time": "2026-11-23T12:00:00Z"}')
    got: list[dict] = []
    done = threading.Event()

    def on_notice(n: dict) -> None:
        got.append(n)
        done.set()

    w = SpotWatcher(on_notice, poll_s=0.01, http=MetadataServer(routes))
    w.start()
    assert done.wait(5)
    w.join(5)
    assert got == [{"action": "terminate", "time": "2026-11-23T12:00:00Z"}]


def test_spot_watcher_gives_up_when_imds_unreachable() -> None:
    w = SpotWatcher(lambda n: None, poll_s=0.0, http=MetadataServer({}), max_failures=3)
    w.start()
    w.join(5)
    assert w.notice is None


@pytest.mark.parametrize("notice_after", [0.15])
def test_spot_notice_closes_the_record_before_the_machine_goes(
        fast_settings: ProfilerSettings, data_dir: Path, notice_after: float) -> None:
    routes = dict(AWS)
    t0 = time.monotonic()
    action = ("GET", f"{IMDS}/meta-data/spot/instance-action")

    def http(method: str, url: str, headers: Mapping[str, str], timeout: float) -> tuple[int, str]:
        if (method, url) == action and time.monotonic() - t0 > notice_after:
            return 200, '{"action": "stop", "time": "2026-11-23T12:00:00Z"}'
        return MetadataServer(routes)(method, url, headers, timeout)

    settings = dataclasses.replace(fast_settings, detect_cloud=True, spot_poll_s=0.02)
    run = profile_run(name="spot", settings=settings, nvml=FakeNvml(gpus(1)), env={}, http=http,
                      data_dir=data_dir, install_signal_handlers=False).start()
    deadline = time.monotonic() + 10
    while run.record is None and time.monotonic() < deadline:
        time.sleep(0.02)
    early = run.record
    assert early is not None and early["status"] == "interrupted" and early.get("preliminary")
    assert early["spot_notice"]["action"] == "stop"
    assert early["hosts"][0]["identity"]["instance_type"] == "g5.xlarge"
    assert early["cost"]["total"]["currency"] == "USD"  # priced from the catalog
    final = run.close()
    assert final is not None and final["status"] == "finished" and "preliminary" not in final
