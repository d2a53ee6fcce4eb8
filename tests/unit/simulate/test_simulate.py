"""The simulate() API: determinism, truth, realism constraints and bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from pyais.stream import IterMessages

from darkfleet.errors import ConfigError
from darkfleet.geodesy import haversine_m
from darkfleet.reference.land import load_land_mask
from darkfleet.simulate import FeedParams, SimulationResult, simulate, write_simulation
from darkfleet.simulate.feed import sample_messages
from darkfleet.simulate.fleet import STAY
from darkfleet.simulate.ports import PORTS


@pytest.fixture(scope="module")
def shuttle() -> SimulationResult:
    return simulate("shuttle", seed=3, vessels=12, days=45)


@pytest.fixture(scope="module")
def random_50() -> SimulationResult:
    return simulate("random", seed=1, vessels=50, days=14, planted_ratio=0.02)


@pytest.fixture(scope="module")
def shuttle_positions(shuttle: SimulationResult) -> dict[str, np.ndarray]:
    fleet = shuttle.fleet
    return sample_messages(fleet, shuttle.feed, shuttle.seed, fleet.start_s, fleet.end_s).positions


def _roles(result: SimulationResult) -> np.ndarray:
    return np.array([v.role for v in result.fleet.vessels])


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write_simulation(simulate("shuttle", seed=11, vessels=4, days=6), tmp_path / name)
    for file in ("feed.nmea", "truth.jsonl", "vessels.jsonl"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    other = simulate("shuttle", seed=12, vessels=4, days=6)
    write_simulation(other, tmp_path / "c")
    assert (tmp_path / "c" / "feed.nmea").read_bytes() != (
        tmp_path / "a" / "feed.nmea"
    ).read_bytes()


def test_feed_is_in_time_order_and_decodes_with_pyais(tmp_path: Path) -> None:
    paths = write_simulation(simulate("shuttle", seed=5, vessels=6, days=3), tmp_path)
    lines = paths["feed"].read_bytes().splitlines()
    epochs = [int(line.split(b"c:")[1].split(b"*")[0]) for line in lines if b"c:" in line]
    assert epochs == sorted(epochs)
    assert epochs[0] >= int(datetime(2023, 8, 1, tzinfo=UTC).timestamp())
    types: set[int] = set()
    for message in IterMessages(lines[:5000]):
        types.add(message.decode().msg_type)
    assert {1, 5, 18, 24} <= types


def test_shuttle_truth_plants_every_behaviour(shuttle: SimulationResult) -> None:
    counts = dict(shuttle.truth.group_by("type").len().iter_rows())
    for kind in (
        "shuttle",
        "gap",
        "dark_port_call",
        "encounter",
        "loitering",
        "spoofing",
        "identity_change",
        "invalid_identity",
        "port_visit",
    ):
        assert counts.get(kind, 0) >= 1, kind
    assert counts["shuttle"] == 4
    assert counts["invalid_identity"] == 2


def test_every_shuttle_ship_makes_at_least_two_round_trips_to_rajin(
    shuttle: SimulationResult,
) -> None:
    shuttles = shuttle.truth.filter(pl.col("type") == "shuttle")
    trips = [json.loads(d)["round_trips"] for d in shuttles["details"]]
    assert min(trips) >= 2
    assert set(shuttles["port"]) == {"NAJIN"}
    names = set(shuttle.vessels.filter(pl.col("role") == "shuttle")["name"])
    assert names == {"ANGARA", "LADY R", "MAIA-1", "MARIA"}
    assert set(shuttle.vessels.filter(pl.col("role") == "shuttle")["mmsi"] // 1_000_000) == {273}


def test_exactly_one_rajin_call_is_visible_and_it_is_maia_1(shuttle: SimulationResult) -> None:
    visits = shuttle.truth.filter((pl.col("type") == "port_visit") & (pl.col("port") == "NAJIN"))
    maia = shuttle.vessels.filter(pl.col("name") == "MAIA-1")["mmsi"][0]
    assert visits["mmsi"].to_list() == [maia]
    assert visits["country"][0] == "PRK"


def test_shuttle_gaps_last_days_and_cover_their_dark_port_calls(shuttle: SimulationResult) -> None:
    gaps = shuttle.truth.filter(pl.col("type") == "gap")
    calls = shuttle.truth.filter(pl.col("type") == "dark_port_call")
    durations_h = (gaps["end"] - gaps["start"]).dt.total_hours()
    closed = [not json.loads(d).get("open", False) for d in gaps["details"]]
    assert (durations_h.filter(pl.Series(closed)) >= 24).all()
    for mmsi, start in calls.select("mmsi", "start").iter_rows():
        covering = gaps.filter(
            (pl.col("mmsi") == mmsi) & (pl.col("start") <= start) & (pl.col("end") >= start)
        )
        assert covering.height == 1


def test_encounter_is_a_russian_and_a_dprk_tanker_far_from_port(shuttle: SimulationResult) -> None:
    (row,) = shuttle.truth.filter(pl.col("type") == "encounter").iter_rows(named=True)
    assert {row["mmsi"] // 1_000_000, row["other_mmsi"] // 1_000_000} == {273, 445}
    assert (row["end"] - row["start"]).total_seconds() > 2 * 3600
    ports_lat = np.array([p.lat for p in PORTS.values()])
    ports_lon = np.array([p.lon for p in PORTS.values()])
    assert haversine_m(row["lat"], row["lon"], ports_lat, ports_lon).min() > 10_000


def test_encounter_pair_stays_within_500_m_and_slow(
    shuttle: SimulationResult, shuttle_positions: dict[str, np.ndarray]
) -> None:
    (row,) = shuttle.truth.filter(pl.col("type") == "encounter").iter_rows(named=True)
    start, end = row["start"].timestamp(), row["end"].timestamp()
    fleet = shuttle.fleet
    index = {v.mmsi: i for i, v in enumerate(fleet.vessels)}
    times = np.linspace(start + 60, end - 60, 50)
    states = [
        fleet.evaluate(fleet.locate(np.full(50, index[m]), times), times)
        for m in (row["mmsi"], row["other_mmsi"])
    ]
    assert haversine_m(states[0].lat, states[0].lon, states[1].lat, states[1].lon).max() < 500
    assert max(states[0].sog_knots.max(), states[1].sog_knots.max()) < 2


def test_loitering_is_slow_far_offshore(shuttle: SimulationResult) -> None:
    (row,) = shuttle.truth.filter(pl.col("type") == "loitering").iter_rows(named=True)
    assert (row["end"] - row["start"]).total_seconds() >= 4 * 3600
    distance_km = load_land_mask().distance_to_land_km(
        np.array([row["lat"]]), np.array([row["lon"]])
    )[0]
    assert distance_km > 20 * 1.852


def test_spoofed_mmsi_is_heard_from_two_places_at_once(
    shuttle: SimulationResult, shuttle_positions: dict[str, np.ndarray]
) -> None:
    (row,) = shuttle.truth.filter(pl.col("type") == "spoofing").iter_rows(named=True)
    p = shuttle_positions
    sel = (
        (p["mmsi"] == row["mmsi"])
        & (p["ts"] >= row["start"].timestamp())
        & (p["ts"] < row["end"].timestamp())
    )
    order = np.argsort(p["ts"][sel])
    lat, lon, ts = p["lat"][sel][order], p["lon"][sel][order], p["ts"][sel][order]
    speed_knots = (
        haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]) / np.maximum(np.diff(ts), 1) / 0.514444
    )
    assert speed_knots.max() > 100


def test_identity_change_shows_in_the_static_reports(tmp_path: Path) -> None:
    result = simulate("shuttle", seed=2, vessels=0, days=10)
    (row,) = result.truth.filter(pl.col("type") == "identity_change").iter_rows(named=True)
    details = json.loads(row["details"])
    paths = write_simulation(result, tmp_path)
    names = set()
    for message in IterMessages(paths["feed"].read_bytes().splitlines()):
        decoded = message.decode()
        if decoded.msg_type == 5 and decoded.mmsi == row["mmsi"]:
            names.add(decoded.shipname)
    assert names == {details["old"], details["new"]}


def test_invalid_identities_are_a_bad_imo_and_an_unassigned_mid(shuttle: SimulationResult) -> None:
    rows = shuttle.truth.filter(pl.col("type") == "invalid_identity")
    reasons = {json.loads(d)["reason"] for d in rows["details"]}
    assert reasons == {"imo_check_digit", "mid_unassigned"}
    assert 200 in set(rows["mmsi"] // 1_000_000)


def test_quiet_traffic_has_no_planted_gap_and_no_silence_of_6_hours(
    shuttle: SimulationResult, shuttle_positions: dict[str, np.ndarray]
) -> None:
    roles = _roles(shuttle)
    quiet = np.isin(roles, ["background", "ferry", "fishing"])
    fleet = shuttle.fleet
    assert fleet.is_on[quiet[fleet.vessel]].all()
    p = shuttle_positions
    sel = quiet[p["vessel"]]
    order = np.lexsort((p["ts"][sel], p["vessel"][sel]))
    vessel, ts = p["vessel"][sel][order], p["ts"][sel][order]
    same = vessel[1:] == vessel[:-1]
    assert np.diff(ts)[same].max() < 6 * 3600
    quiet_mmsi = {v.mmsi for v, q in zip(fleet.vessels, quiet, strict=True) if q}
    suspicious = shuttle.truth.filter(
        (pl.col("type") != "port_visit") & pl.col("mmsi").is_in(list(quiet_mmsi))
    )
    assert suspicious.is_empty()


def test_no_sailing_position_is_on_land_outside_port_areas(
    shuttle: SimulationResult, shuttle_positions: dict[str, np.ndarray]
) -> None:
    p = shuttle_positions
    on_land = load_land_mask().is_land(p["lat"], p["lon"])
    ports_lat = np.array([port.lat for port in PORTS.values()])
    ports_lon = np.array([port.lon for port in PORTS.values()])
    idx = np.flatnonzero(on_land)
    if len(idx):
        nearest_m = haversine_m(
            p["lat"][idx, None], p["lon"][idx, None], ports_lat[None], ports_lon[None]
        ).min(axis=1)
        assert nearest_m.max() < 3000, p["lat"][idx][nearest_m >= 3000]
    assert len(p["lat"]) > 10_000


def test_stays_are_moored_with_zero_speed(shuttle: SimulationResult) -> None:
    fleet = shuttle.fleet
    stays = np.flatnonzero(fleet.kind == STAY)[:50]
    state = fleet.evaluate(stays, fleet.t0[stays])
    assert (state.sog_knots == 0).all()
    assert (state.nav_status == 5).all()


def test_random_scenario_plants_every_kind_at_the_requested_ratio() -> None:
    result = simulate("random", seed=4, vessels=300, days=4, planted_ratio=0.01)
    counts = dict(result.truth.group_by("type").len().iter_rows())
    for kind in (
        "gap",
        "encounter",
        "loitering",
        "spoofing",
        "identity_change",
        "invalid_identity",
        "dark_port_call",
    ):
        assert counts.get(kind, 0) >= 1, kind
    assert len(result.vessels.filter(pl.col("role") != "clone")) == 300
    assert counts["invalid_identity"] == 2 * 3


def test_feed_parameters_change_the_sampling() -> None:
    dense = simulate("shuttle", seed=1, vessels=2, days=2, feed=FeedParams(position_interval_s=60))
    sparse = simulate("shuttle", seed=1, vessels=2, days=2)
    assert dense.nmea_text().count("\n") > 1.5 * sparse.nmea_text().count("\n")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scenario": "armada"}, "unknown scenario 'armada'"),
        ({"days": 0}, "days must be within"),
        ({"vessels": -1}, "vessels must be within"),
        ({"start": datetime(2023, 8, 1)}, "timezone-aware"),
        ({"scenario": "random", "planted_ratio": 0.5, "vessels": 10}, "planted_ratio"),
    ],
)
def test_bad_arguments_are_refused_with_the_fix(kwargs: dict[str, object], message: str) -> None:
    scenario = str(kwargs.pop("scenario", "shuttle"))
    with pytest.raises(ConfigError, match=message):
        simulate(scenario, seed=0, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "field", ["position_interval_s", "static_interval_s", "terrestrial_range_km"]
)
def test_feed_params_refuse_non_positive_values(field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        FeedParams(**{field: 0.0})  # type: ignore[arg-type]


def test_write_refuses_a_file_as_output_directory(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ConfigError, match="not a directory"):
        write_simulation(simulate("shuttle", seed=0, vessels=0, days=1), target)


def test_truth_lines_follow_the_event_contract(tmp_path: Path) -> None:
    paths = write_simulation(simulate("shuttle", seed=0, vessels=3, days=20), tmp_path)
    for line in paths["truth"].read_text().splitlines():
        event = json.loads(line)
        assert {"type", "mmsi", "start", "end", "lat", "lon", "details"} <= set(event)
        assert event["start"].endswith("Z")
        assert event["end"].endswith("Z")
        assert event["start"] <= event["end"]
        if event["type"] == "encounter":
            assert "other_mmsi" in event
        if event["type"] in ("port_visit", "dark_port_call"):
            assert len(event["country"]) == 3
    vessel = json.loads(paths["vessels"].read_text().splitlines()[0])
    assert {"mmsi", "imo", "name", "callsign", "ship_type", "flag", "role"} <= set(vessel)


def test_simulation_never_reads_shared_data_at_run_time() -> None:
    import darkfleet.simulate as package

    for path in Path(package.__file__).parent.glob("*.py"):
        code = "\n".join(
            line
            for line in path.read_text().splitlines()
            if not line.lstrip().startswith(("#", '"', "'"))
        )
        assert "data/real" not in code, path
        assert "ref-naturalearth" not in code, path


def test_feed_bytes_do_not_depend_on_the_time_chunking() -> None:
    from darkfleet.simulate.feed import iter_feed_chunks

    result = simulate("shuttle", seed=9, vessels=5, days=3)
    one_hour = b"".join(iter_feed_chunks(result.fleet, result.feed, result.seed, chunk_s=3600.0))
    one_day = b"".join(iter_feed_chunks(result.fleet, result.feed, result.seed, chunk_s=86400.0))
    assert one_hour == one_day
    assert len(one_hour) > 10_000


def test_port_visit_truth_lies_inside_the_simulated_period() -> None:
    # regression (issue 3, found by darkfleet evaluate): stays planned past the end gave
    # visits starting after the last instant, with negative dwell
    result = simulate("random", seed=6, vessels=100, days=14, planted_ratio=0.02)
    visits = result.truth.filter(pl.col("type") == "port_visit")
    end = result.start + timedelta(days=14)
    assert visits.height > 100
    assert (visits["end"] > visits["start"]).all()
    assert visits["start"].min() >= result.start
    assert visits["end"].max() <= end
    dwell = [json.loads(d)["dwell_h"] for d in visits["details"]]
    assert min(dwell) > 0


def test_visit_before_a_switch_off_on_the_way_out_is_in_the_truth(
    random_50: SimulationResult,
) -> None:
    # regression (issue 3, found by darkfleet evaluate): a ship 21 h alongside at
    # Sakai-Minato with AIS on, switching off at the berth before leaving (a planted gap),
    # was left out of the truth although the port-visit detector sees that visit
    result = random_50
    visits = result.truth.filter((pl.col("type") == "port_visit") & (pl.col("mmsi") == 352_698_485))
    sakai = visits.filter(pl.col("start").dt.strftime("%Y-%m-%dT%H") == "2023-08-02T19")
    assert sakai["port"].to_list() == ["SAKAIMINATO"]
    gap = result.truth.filter((pl.col("type") == "gap") & (pl.col("mmsi") == 352_698_485))
    assert sakai["start"][0] < gap["start"][0] < sakai["end"][0]


@pytest.mark.parametrize(("seed", "vessels"), [(3, 50), (6, 200)])
def test_planted_encounters_are_far_from_every_gazetteer_anchorage(seed: int, vessels: int) -> None:
    # regression (issue 3, found by darkfleet evaluate): encounters were placed 20 km from
    # the simulator's own port points but 8 km from a Tianjin Xin Gang or Vladivostok
    # anchorage of the detectors' gazetteer, where meetings are normal port work
    from darkfleet.reference.ports import load_ports

    ports = load_ports()
    truth = simulate("random", seed=seed, vessels=vessels, days=14, planted_ratio=0.02).truth
    spots = truth.filter(pl.col("type").is_in(["encounter", "loitering"]))
    assert spots.filter(pl.col("type") == "encounter").height >= 1
    for lat, lon in spots.select("lat", "lon").iter_rows():
        distance_m = haversine_m(
            np.full(ports.height, lat), np.full(ports.height, lon), ports["lat"], ports["lon"]
        )
        assert distance_m.min() >= 20_000.0, (lat, lon)
