from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

DATA = Path(__file__).resolve().parents[1] / "data" / "billing"


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    d = tmp_path / "store"
    monkeypatch.setenv("FINML_DATA_DIR", str(d))
    return d


@pytest.fixture
def run_cli():
    from finml.cli import cli

    def run(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return run
