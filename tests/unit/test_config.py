from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkfleet.config import (
    build_params,
    describe_params,
    load_config_file,
    parse_duration,
    parse_utc_time,
)
from darkfleet.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoParams:
    min_gap: timedelta = timedelta(hours=6)
    max_speed_knots: float = 2.0
    min_positions: int = 3
    is_strict: bool = False

    def __post_init__(self) -> None:
        if self.max_speed_knots <= 0:
            raise ConfigError(f"max_speed_knots must be > 0, got {self.max_speed_knots}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30s", 30), ("30m", 1800), ("4h", 14400), ("2d", 172800), ("1.5h", 5400)],
)
def test_parse_duration_accepts_units(text: str, expected: int) -> None:
    assert parse_duration(text) == timedelta(seconds=expected)


@pytest.mark.parametrize("text", ["6", "", "h", "6 hours", "-1h", "4w"])
def test_parse_duration_rejects_bare_numbers_and_unknown_units(text: str) -> None:
    with pytest.raises(ConfigError, match="30m, 6h or 2d"):
        parse_duration(text)


@given(st.integers(min_value=0, max_value=10_000), st.sampled_from("smhd"))
def test_parse_duration_round_trips_through_describe(count: int, unit: str) -> None:
    duration = parse_duration(f"{count}{unit}")
    rendered = describe_params(DemoParams(min_gap=duration))["min_gap"]
    assert parse_duration(rendered) == duration


def test_parse_utc_time_requires_an_offset() -> None:
    assert parse_utc_time("2023-10-01T00:00Z") == datetime(2023, 10, 1, tzinfo=UTC)
    assert parse_utc_time("2023-10-01") == datetime(2023, 10, 1, tzinfo=UTC)
    with pytest.raises(ConfigError, match="no UTC offset"):
        parse_utc_time("2023-10-01T00:00")
    with pytest.raises(ConfigError, match="not an ISO 8601 time"):
        parse_utc_time("yesterday")


def test_build_params_precedence_flag_over_file_over_default() -> None:
    params = build_params(
        DemoParams,
        {"min_gap": "4h", "max_speed_knots": 3},
        {"max_speed_knots": 1.5, "min_positions": None},
        where="detect.demo",
    )
    assert params == DemoParams(min_gap=timedelta(hours=4), max_speed_knots=1.5)


def test_build_params_unknown_key_suggests_the_close_one() -> None:
    with pytest.raises(
        ConfigError, match="unknown key 'max_speed_knot'; did you mean 'max_speed_knots'"
    ):
        build_params(DemoParams, {"max_speed_knot": 3}, where="detect.demo")


def test_build_params_rejects_wrong_types_and_runs_validation() -> None:
    with pytest.raises(ConfigError, match=r"detect.demo.min_positions: '3' is not an integer"):
        build_params(DemoParams, {"min_positions": "3"}, where="detect.demo")
    with pytest.raises(ConfigError, match="not a duration"):
        build_params(DemoParams, {"min_gap": 6}, where="detect.demo")
    with pytest.raises(ConfigError, match="must be > 0"):
        build_params(DemoParams, {"max_speed_knots": -1}, where="detect.demo")


def test_load_config_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "darkfleet.toml"
    bad.write_text("[detect.gap\nmin_gap = 1")
    with pytest.raises(ConfigError, match="darkfleet.toml: not valid TOML"):
        load_config_file(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config_file(tmp_path / "missing.toml")
    good = tmp_path / "ok.toml"
    good.write_text('[detect.gap]\nmin_gap = "6h"\n')
    assert load_config_file(good) == {"detect": {"gap": {"min_gap": "6h"}}}
