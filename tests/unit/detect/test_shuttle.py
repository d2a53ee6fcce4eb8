from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.shuttle import ShuttleParams, detect_shuttles
from darkfleet.errors import ConfigError, SchemaError

T0 = datetime(2023, 8, 20, tzinfo=UTC)
DAY = timedelta(days=1)
GROUPS = {
    "PRK-NAJIN": "PRK",
    "PRK-CHONGJIN": "PRK",
    "RUS-DUNAY": "RUS-FE",
    "RUS-VOSTOCHNYY": "RUS-FE",
    "RUS-NAKHODKA": "RUS-FE",
}
PARAMS = ShuttleParams(port_groups=GROUPS)


def visits(
    port_ids: list[str],
    *,
    every: timedelta = 7 * DAY,
    mmsi: int = 273_000_001,
    start: datetime = T0,
    kind: str = "port_visit",
    status: str = "possible",
    gaps: list[str] | None = None,
) -> pl.DataFrame:
    """One-day visits, ``every`` apart, to the given ports.

    Dark port calls get ``status`` and a ``gap_event_id`` (``gaps[i]``, else one per call).
    """

    def about(i: int, port_id: str) -> str:
        if kind != "dark_port_call":
            return json.dumps({"port_id": port_id})
        gap = gaps[i] if gaps else f"gap-{mmsi}-{i}"
        return json.dumps({"gap_event_id": gap, "port_id": port_id, "status": status})

    rows = [
        {
            "event_id": f"{mmsi}-{kind}-{i}",
            "type": kind,
            "mmsi": mmsi,
            "start_ts": start + i * every,
            "end_ts": start + i * every + DAY,
            "lat": 42.0 + i,
            "lon": 130.0,
            "port": port_id.split("-", 1)[1].title(),
            "details": about(i, port_id),
        }
        for i, port_id in enumerate(port_ids)
    ]
    return (
        schema.conform(pl.DataFrame(rows), schema.EVENTS) if rows else schema.empty(schema.EVENTS)
    )


def details(events: pl.DataFrame, row: int = 0) -> dict[str, Any]:
    return json.loads(events["details"][row])


def test_two_round_trips_within_the_window_are_a_shuttle() -> None:
    frame = visits(["PRK-NAJIN", "RUS-DUNAY", "PRK-NAJIN", "RUS-DUNAY", "PRK-NAJIN"])
    events = detect_shuttles(frame, PARAMS)
    assert events.height == 1
    info = details(events)
    assert info["n_round_trips"] == 2
    assert info["n_stays"] == 5
    assert info["groups"] == ["PRK", "RUS-FE"]
    assert info["shortest_span_h"] == 27 * 24  # departs day 1, arrives back day 28
    assert [t["port_id"] for t in info["trips"]] == [
        "PRK-NAJIN",
        "RUS-DUNAY",
        "PRK-NAJIN",
        "RUS-DUNAY",
        "PRK-NAJIN",
    ]
    assert info["trips"][1] == {
        "arrival_ts": "2023-08-27T00:00:00Z",
        "departure_ts": "2023-08-28T00:00:00Z",
        "event_id": "273000001-port_visit-1",
        "event_type": "port_visit",
        "group": "RUS-FE",
        "port": "Dunay",
        "port_id": "RUS-DUNAY",
    }
    assert events["start_ts"][0] == T0
    assert events["end_ts"][0] == T0 + 29 * DAY
    assert (events["lat"][0], events["lon"][0]) == (42.0, 130.0)
    assert events["type"][0] == "shuttle"


def test_one_and_a_half_round_trips_are_not_enough() -> None:
    frame = visits(["PRK-NAJIN", "RUS-DUNAY", "PRK-NAJIN", "RUS-DUNAY"])
    assert detect_shuttles(frame, PARAMS).is_empty()
    assert (
        details(detect_shuttles(frame, ShuttleParams(port_groups=GROUPS, min_round_trips=1)))[
            "n_round_trips"
        ]
        == 1
    )


def test_consecutive_visits_in_one_group_are_one_stay() -> None:
    ports = [
        "RUS-VOSTOCHNYY",
        "RUS-NAKHODKA",
        "PRK-NAJIN",
        "PRK-CHONGJIN",
        "RUS-DUNAY",
        "PRK-NAJIN",
        "RUS-VOSTOCHNYY",
    ]
    info = details(detect_shuttles(visits(ports, every=3 * DAY), PARAMS))
    assert info["n_stays"] == 5
    assert info["n_round_trips"] == 2
    assert len(info["trips"]) == 7


def test_visits_to_other_ports_are_ignored() -> None:
    frame = visits(
        [
            "PRK-NAJIN",
            "KOR-BUSAN",
            "RUS-DUNAY",
            "PRK-NAJIN",
            "CHN-DALIAN",
            "RUS-DUNAY",
            "PRK-NAJIN",
        ],
        every=5 * DAY,
    )
    info = details(detect_shuttles(frame, PARAMS))
    assert info["n_stays"] == 5
    assert "KOR-BUSAN" not in {t["port_id"] for t in info["trips"]}


def test_round_trips_spread_beyond_the_window_are_not_a_shuttle() -> None:
    frame = visits(
        ["PRK-NAJIN", "RUS-DUNAY", "PRK-NAJIN", "RUS-DUNAY", "PRK-NAJIN"], every=23 * DAY
    )
    # departure day 1 to arrival day 92: 91 days > 90
    assert detect_shuttles(frame, PARAMS).is_empty()
    wider = ShuttleParams(port_groups=GROUPS, window=timedelta(days=91))
    assert detect_shuttles(frame, wider).height == 1


def test_a_leg_longer_than_max_leg_breaks_the_chain() -> None:
    first = visits(["PRK-NAJIN", "RUS-DUNAY", "PRK-NAJIN"], every=5 * DAY)
    second = visits(["RUS-DUNAY", "PRK-NAJIN"], every=5 * DAY, start=T0 + 60 * DAY).with_columns(
        pl.col("event_id") + "b"
    )
    frame = pl.concat([first, second])
    assert detect_shuttles(frame, PARAMS).is_empty()
    joined = ShuttleParams(
        port_groups=GROUPS, max_leg=timedelta(days=60), window=timedelta(days=90)
    )
    assert details(detect_shuttles(frame, joined))["n_round_trips"] == 2


def test_events_of_other_types_are_ignored_unless_asked_for() -> None:
    ports = ["PRK-NAJIN", "RUS-DUNAY", "PRK-NAJIN", "RUS-DUNAY", "PRK-NAJIN"]
    dark = visits(ports, kind="dark_port_call")
    visible_only = ShuttleParams(port_groups=GROUPS, visit_types=("port_visit",))
    assert detect_shuttles(dark, visible_only).is_empty()
    info = details(detect_shuttles(dark, PARAMS))  # dark calls count by default
    assert {t["event_type"] for t in info["trips"]} == {"dark_port_call"}
    assert detect_shuttles(visits(ports, kind="loitering"), PARAMS).is_empty()


def _visible_home_and_dark_calls(**dark: Any) -> pl.DataFrame:
    """Visible Dunay stays on days 0, 7, 14 and dark calls between them (days 3.5, 10.5)."""
    home = visits(["RUS-DUNAY"] * 3)
    calls = visits(
        dark.pop("ports", ["PRK-NAJIN", "PRK-NAJIN"]),
        kind="dark_port_call",
        start=T0 + 3.5 * DAY,
        **dark,
    )
    return pl.concat([home, calls])


def test_dark_calls_between_visible_stays_make_a_shuttle() -> None:
    events = detect_shuttles(_visible_home_and_dark_calls(), PARAMS)
    info = details(events)
    assert info["n_round_trips"] == 2
    assert [t["event_type"] for t in info["trips"]] == [
        "port_visit",
        "dark_port_call",
        "port_visit",
        "dark_port_call",
        "port_visit",
    ]


def test_dark_call_statuses_choose_which_calls_count() -> None:
    confirmed_only = ShuttleParams(port_groups=GROUPS, dark_call_statuses=("confirmed",))
    assert detect_shuttles(_visible_home_and_dark_calls(), confirmed_only).is_empty()
    sighted = _visible_home_and_dark_calls(status="confirmed")
    assert details(detect_shuttles(sighted, confirmed_only))["n_round_trips"] == 2


def test_a_gap_reaching_both_groups_counts_the_group_other_than_the_last_stay() -> None:
    # each gap could have been a call at Najin (PRK) or at Vostochnyy (RUS-FE, the same group
    # as the visible stays): only the PRK call can make a round trip
    home = visits(["RUS-DUNAY"] * 3)
    calls = pl.concat(
        [
            visits(
                ports,
                kind="dark_port_call",
                start=T0 + 3.5 * DAY,
                gaps=["g1", "g2"],
                every=7 * DAY,
            ).with_columns(pl.col("event_id") + f"-{k}")
            for k, ports in enumerate(
                (["RUS-VOSTOCHNYY", "RUS-VOSTOCHNYY"], ["PRK-NAJIN", "PRK-NAJIN"])
            )
        ]
    )
    info = details(detect_shuttles(pl.concat([home, calls]), PARAMS))
    assert info["n_round_trips"] == 2
    dark_ports = {t["port_id"] for t in info["trips"] if t["event_type"] == "dark_port_call"}
    assert dark_ports == {"PRK-NAJIN"}


def test_a_gap_reaching_both_groups_without_visible_stays_counts_nothing() -> None:
    both = pl.concat(
        [
            visits(
                [port] * 5, kind="dark_port_call", gaps=["g1", "g2", "g3", "g4", "g5"]
            ).with_columns(pl.col("event_id") + f"-{port}")
            for port in ("PRK-NAJIN", "RUS-DUNAY")
        ]
    )
    assert detect_shuttles(both, PARAMS).is_empty()


def test_a_confirmed_call_overrides_the_other_ports_of_its_gap() -> None:
    # gap g2's possible call at Chongjin (PRK) loses to its confirmed call at Nakhodka, so
    # the vessel stayed in RUS-FE: one round trip only
    home = visits(["RUS-DUNAY"] * 3)
    possible = visits(
        ["PRK-NAJIN", "PRK-CHONGJIN"],
        kind="dark_port_call",
        start=T0 + 3.5 * DAY,
        gaps=["g1", "g2"],
    )
    confirmed = visits(
        ["RUS-NAKHODKA"],
        kind="dark_port_call",
        start=T0 + 10.5 * DAY,
        gaps=["g2"],
        status="confirmed",
    ).with_columns(pl.col("event_id") + "-sighted")
    assert details(detect_shuttles(_visible_home_and_dark_calls(), PARAMS))["n_round_trips"] == 2
    assert detect_shuttles(pl.concat([home, possible, confirmed]), PARAMS).is_empty()


def test_vessels_are_kept_apart_and_partition_invariant() -> None:
    ports = ["PRK-NAJIN", "RUS-DUNAY", "PRK-NAJIN", "RUS-DUNAY", "PRK-NAJIN"]
    a = visits(ports, mmsi=1)
    b = visits(ports[:3], mmsi=2, start=T0 + DAY)
    c = visits(ports, mmsi=3, start=T0 + 2 * DAY)
    together = detect_shuttles(pl.concat([c, b, a]), PARAMS)
    apart = pl.concat([detect_shuttles(f, PARAMS) for f in (a, b, c)])
    assert together["mmsi"].to_list() == [1, 3]
    assert_frame_equal(together, apart)
    shuffled = pl.concat([a, b, c]).sample(fraction=1.0, shuffle=True, seed=3)
    assert_frame_equal(detect_shuttles(shuffled, PARAMS), together)


def test_no_groups_or_no_visits_give_empty_frame_with_full_schema() -> None:
    frame = visits(["PRK-NAJIN", "RUS-DUNAY", "PRK-NAJIN", "RUS-DUNAY", "PRK-NAJIN"])
    for events in (
        detect_shuttles(frame, ShuttleParams()),
        detect_shuttles(schema.empty(schema.EVENTS), PARAMS),
    ):
        assert events.schema == pl.Schema(schema.EVENTS)
        assert events.is_empty()


def test_missing_column_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="port_visits: missing column 'details'"):
        detect_shuttles(visits(["PRK-NAJIN"]).drop("details"), PARAMS)


def test_port_groups_are_copied_so_the_caller_cannot_change_them() -> None:
    groups = dict(GROUPS)
    params = ShuttleParams(port_groups=groups)
    groups["PRK-NAJIN"] = "OTHER"
    assert params.port_groups["PRK-NAJIN"] == "PRK"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group_a": "PRK", "group_b": "PRK"}, "group_a and group_b must be two different"),
        ({"group_a": ""}, "group_a and group_b must be two different"),
        ({"min_round_trips": 0}, "min_round_trips must be in"),
        ({"min_round_trips": 101}, "min_round_trips must be in"),
        ({"window": timedelta(0)}, "window must be > 0"),
        ({"max_leg": -DAY}, "max_leg must be > 0"),
        ({"visit_types": ()}, "visit_types must name at least one"),
        ({"port_groups": {"PRK-NAJIN": 1}}, "port_groups must map"),
        ({"dark_call_statuses": ()}, "dark_call_statuses must name"),
        ({"dark_call_statuses": ("possible", "rumoured")}, "dark_call_statuses must name"),
    ],
)
def test_bad_parameters_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=f"detect.shuttle.{message}"):
        ShuttleParams(**kwargs)
