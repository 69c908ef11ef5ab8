"""Webhook notifications against a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from finml.cli import cli


@pytest.fixture()
def hook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def test_new_findings_are_posted_once(tmp_path: Path, fake_provider: object, hook: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = hook
    cfg = tmp_path / "finml.toml"
    cfg.write_text("[providers.fake]\nregions = ['us-east-1']\n[notify]\nmin_new_savings = 5\n")
    r = CliRunner().invoke(cli, ["--config", str(cfg), "audit", "--format", "json", "--notify", url])
    assert r.exit_code == 0, r.output
    assert len(received) == 1
    msg = received[0]
    assert "2 new finding(s) worth 11.65 USD/month" in msg["text"]
    assert msg["blocks"][0]["type"] == "section" and "_new_total" not in msg
    # nothing new the second time: no message
    CliRunner().invoke(cli, ["--config", str(cfg), "audit", "--format", "json", "--notify", url])
    assert len(received) == 1


def test_threshold_suppresses_small_news(tmp_path: Path, fake_provider: object, hook: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = hook
    cfg = tmp_path / "finml.toml"
    cfg.write_text("[providers.fake]\nregions = ['us-east-1']\n[notify]\nmin_new_savings = 1000\n")
    CliRunner().invoke(cli, ["--config", str(cfg), "audit", "--format", "json", "--notify", url])
    assert received == []


def test_unreachable_webhook_does_not_fail_the_audit(tmp_path: Path, fake_provider: object) -> None:
    cfg = tmp_path / "finml.toml"
    cfg.write_text("[providers.fake]\nregions = ['us-east-1']\n")
    r = CliRunner().invoke(cli, ["--config", str(cfg), "audit", "--format", "json",
                                 "--notify", "http://127.0.0.1:9/nothing-listens"])
    assert r.exit_code == 0
