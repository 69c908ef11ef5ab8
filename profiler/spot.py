"""Spot interruption watcher (AWS): polls IMDSv2 ``/latest/meta-data/spot/instance-action``.

Runs only when the host was identified as AWS by its metadata service. AWS posts the notice two
minutes before reclaiming the instance; on the first notice the watcher calls ``on_notice`` (the
run closes its record then, before the machine goes) and stops. Requests use short timeouts; a
404 means no interruption is scheduled; repeated failures stop the watcher quietly.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from profiler.cloud import AWS_IMDS, Http, aws_token, urllib_http

log = logging.getLogger(__name__)

__all__ = ["SpotWatcher", "check_spot_notice"]


def check_spot_notice(http: Http, timeout: float) -> dict[str, Any] | None:
    """The pending interruption notice, or ``None`` (none scheduled, or IMDS unreachable).

    Raises ``OSError``-like exceptions from ``http`` only through a ``None`` token."""
    token = aws_token(http, timeout)
    if token is None:
        raise ConnectionError("IMDSv2 token unavailable")
    status, body = http("GET", f"{AWS_IMDS}/latest/meta-data/spot/instance-action",
                        {"X-aws-ec2-metadata-token": token}, timeout)
    if status != 200 or not body:
        return None
    try:
        notice = json.loads(body)
    except ValueError:
        return {"action": "unknown", "raw": body[:200]}
    return notice if isinstance(notice, dict) else {"action": "unknown"}


class SpotWatcher:
    """Background poller; ``stop()`` ends it. Never raises into the caller."""

    def __init__(self, on_notice: Callable[[dict[str, Any]], None], *, poll_s: float = 5.0,
                 timeout: float = 0.3, http: Http | None = None, max_failures: int = 5) -> None:
        self.on_notice = on_notice
        self.poll_s = poll_s
        self.timeout = timeout
        self.http = http or urllib_http
        self.max_failures = max_failures
        self.notice: dict[str, Any] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="finml-spot-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                notice = check_spot_notice(self.http, self.timeout)
                failures = 0
            except Exception as exc:  # noqa: BLE001
                failures += 1
                log.debug("spot notice poll failed (%d): %r", failures, exc)
                if failures >= self.max_failures:
                    log.info("spot watcher stopped after %d failed polls", failures)
                    return
                notice = None
            if notice is not None:
                self.notice = notice
                try:
                    self.on_notice(notice)
                except Exception:  # noqa: BLE001
                    log.warning("spot notice handler failed", exc_info=True)
                return
            self._stop.wait(self.poll_s)
