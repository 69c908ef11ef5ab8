from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from finml import config, settings
from finml.errors import ConfigError


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = config.load()
    assert cfg.currency == "USD" and cfg.lookback_days == 14 and cfg.source is None
    assert cfg.exclude.matches("x", {"finml:keep": "anything"})


def test_full_file(tmp_path: Path) -> None:
    p = tmp_path / "finml.toml"
    p.write_text(
        'currency = "eur"\nlookback_days = 30\n'
        '[providers.aws]\nregions = ["eu-west-1"]\n'
        '[recommenders.unattached-volumes]\nmin_age_days = 3\n'
        '[exclude]\ntags = {"env" = "prod"}\nresource_ids = ["vol-1"]\n'
    )
    cfg = config.load(p)
    assert cfg.currency == "EUR" and cfg.lookback_days == 30
    assert cfg.provider_table("aws") == {"regions": ["eu-west-1"]}
    assert cfg.exclude.matches("vol-1", {}) and cfg.exclude.matches("v", {"env": "prod"})
    assert not cfg.exclude.matches("v", {"env": "dev"})


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('currency = "dollars"', "currency"),
        ("lookback_days = 0", "lookback_days"),
        ("colour = 1", "colour"),
        ("[exclude]\nids = []", "exclude.ids"),
        ("[exclude]\nresource_ids = [1]", "exclude.resource_ids"),
    ],
)
def test_invalid_config_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    p = tmp_path / "finml.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as err:
        config.load(p)
    assert err.value.key == key
    assert key in str(err.value)


def test_toml_syntax_error_is_a_config_error(tmp_path: Path) -> None:
    p = tmp_path / "finml.toml"
    p.write_text("currency = ")
    with pytest.raises(ConfigError, match="finml.toml"):
        config.load(p)


def test_missing_explicit_file() -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        config.load("/nonexistent/finml.toml")


@dataclass(frozen=True)
class _S:
    days: int = settings.setting(7, "days", "src")
    ratio: float = settings.setting(0.5, "ratio")
    names: list[str] = settings.setting(["a"], "names")
    mode: str | None = settings.setting(None, "mode")


def test_settings_build_validates_types_and_keys() -> None:
    s = settings.build(_S, {"days": 3, "ratio": 1, "names": ["x", "y"]}, "recommenders.x")
    assert (s.days, s.ratio, s.names) == (3, 1.0, ["x", "y"])
    with pytest.raises(ConfigError) as err:
        settings.build(_S, {"dayz": 3}, "recommenders.x")
    assert err.value.key == "recommenders.x.dayz"
    with pytest.raises(ConfigError) as err:
        settings.build(_S, {"days": "3"}, "recommenders.x")
    assert err.value.key == "recommenders.x.days"
    with pytest.raises(ConfigError):
        settings.build(_S, {"names": "a"}, "k")
    base = _S(days=99)
    assert settings.build(_S, {"ratio": 2}, "k", base=base).days == 99


def test_describe_lists_doc_and_source() -> None:
    d = {x["name"]: x for x in settings.describe(_S)}
    assert d["days"] == {"name": "days", "default": 7, "doc": "days", "source": "src"}
