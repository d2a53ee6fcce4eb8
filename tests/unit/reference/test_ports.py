from __future__ import annotations

from importlib import resources
from pathlib import Path

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.errors import ConfigError
from darkfleet.reference import (
    default_port_groups,
    default_sensitive_port_ids,
    load_geo_context,
    load_port_index,
    load_ports,
    resolve_port,
    resolve_port_ids,
)
from darkfleet.units import METRES_PER_NM

ALIASES = {
    "PRK-NAJIN": ["Rajin", "Rason", "Najin", "Rajin-Sonbong", "RAJIN SONBONG", "rason", "Rasŏn"],
    "PRK-CHONGJIN": ["Chongjin", "Chŏngjin", "Ch'ongjin", "CH'ŎNGJIN"],
    "PRK-NAMPO": ["Nampo", "Nampho", "Namp'o", "NAMPʼO"],
    "RUS-DUNAY": ["Dunay", "Dunai", "Дунай"],
    "RUS-VOSTOCHNYY": ["Vostochny", "Vostochnyy", "Wostotschny", "vostochnyi"],
    "RUS-VLADIVOSTOK": ["Vladivostok", "Wladiwostok", "RUVVO"],
    "RUS-NAKHODKA": ["Nakhodka", "Nachodka"],
    "RUS-POSYET": ["Posyet", "Pos'yet"],
    "RUS-SLAVYANKA": ["Slavyanka"],
    "RUS-ZARUBINO": ["Zarubino"],
}


@pytest.mark.parametrize(
    ("port_id", "name"), [(port_id, name) for port_id, names in ALIASES.items() for name in names]
)
def test_every_common_name_resolves(port_id: str, name: str) -> None:
    record = resolve_port(name)
    assert record is not None, name
    assert record.port_id == port_id


def test_resolved_ports_are_where_the_shuttle_was() -> None:
    najin = resolve_port("Rajin")
    dunay = resolve_port("Dunay")
    vostochny = resolve_port("Vostochny")
    assert najin is not None
    assert dunay is not None
    assert vostochny is not None
    assert (najin.country, dunay.country, vostochny.country) == ("PRK", "RUS", "RUS")
    assert najin.lat == pytest.approx(42.23, abs=0.05)
    assert najin.lon == pytest.approx(130.3, abs=0.05)
    assert dunay.lat == pytest.approx(42.86, abs=0.05)
    assert dunay.lon == pytest.approx(132.35, abs=0.05)
    assert vostochny.lat == pytest.approx(42.75, abs=0.05)
    assert vostochny.lon == pytest.approx(133.05, abs=0.1)
    assert dunay.source.startswith("manual:")


def test_resolution_by_port_id_and_country() -> None:
    assert resolve_port("prk-najin").port_id == "PRK-NAJIN"  # type: ignore[union-attr]
    assert resolve_port("Najin", country="RUS") is None
    assert resolve_port("Najin", country="prk").port_id == "PRK-NAJIN"  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["Atlantis", "", "  ", "'"])
def test_unknown_names_resolve_to_none(name: str) -> None:
    assert resolve_port(name) is None


def test_points_have_the_ports_schema_and_one_name_per_port() -> None:
    points = load_ports()
    schema.require(points, schema.PORTS, what="ports")
    assert points.height > 50_000
    assert (
        points.group_by("port_id")
        .agg(pl.col("name").n_unique())
        .filter(pl.col("name") > 1)
        .is_empty()
    )
    assert points.select(
        pl.col("lat").is_between(-90, 90).all(), pl.col("lon").is_between(-180, 180).all()
    ).row(0) == (True, True)
    assert points["country"].str.len_chars().eq(3).all()


def test_index_has_one_row_per_port_matching_the_points() -> None:
    index = load_port_index()
    points = load_ports()
    assert index["port_id"].is_unique().all()
    assert set(index["port_id"]) == set(points["port_id"])
    counts = (
        points.group_by("port_id").len().join(index.select("port_id", "n_points"), on="port_id")
    )
    assert (counts["len"] == counts["n_points"]).all()


def test_najin_point_is_within_port_radius_of_the_rajin_berths() -> None:
    najin = load_ports().filter(pl.col("port_id") == "PRK-NAJIN")
    # Rajin's piers lie near 42.245 N 130.30 E; the WPI point must be within 3 km of them.
    from darkfleet.detect._geo import haversine_m_np

    assert (
        haversine_m_np(najin["lat"].to_numpy(), najin["lon"].to_numpy(), 42.245, 130.30).min()
        < 3_000
    )


def test_shipped_reference_data_is_small() -> None:
    folder = Path(str(resources.files("darkfleet.reference") / "data"))
    total_bytes = sum(f.stat().st_size for f in folder.iterdir())
    # ports + MID tables are under 1 MB; the global 0.05-degree shore grid is about 5.2 MB
    assert total_bytes < 8_000_000
    assert (folder / "SOURCE.md").is_file()


def test_default_groups_are_dprk_and_russian_pacific_ports() -> None:
    groups = default_port_groups(load_port_index())
    for port_id in ("PRK-NAJIN", "PRK-CHONGJIN", "PRK-NAMPO", "PRK-WONSAN"):
        assert groups[port_id] == "PRK"
    for port_id in (
        "RUS-VLADIVOSTOK",
        "RUS-NAKHODKA",
        "RUS-VOSTOCHNYY",
        "RUS-DUNAY",
        "RUS-SLAVYANKA",
        "RUS-POSYET",
        "RUS-ZARUBINO",
        "RUS-KORSAKOV",
        "RUS-PETROPAVLOVSK",
        "RUS-PROVIDENIYA",
    ):
        assert groups[port_id] == "RUS-FE", port_id
    for port_id in (
        "RUS-MURMANSK",
        "RUS-NOVOROSSIYSK",
        "RUS-SANKT-PETERBURG",
        "RUS-TIKSI",
        "RUS-PEVEK",
        "CHN-DALIAN",
        "KOR-BUSAN",
    ):
        assert port_id not in groups
    assert set(groups.values()) == {"PRK", "RUS-FE"}
    assert default_sensitive_port_ids(load_port_index()) == frozenset(groups)


def test_default_groups_work_on_points_too() -> None:
    assert default_port_groups(load_ports()) == default_port_groups(load_port_index())


def test_sensitive_names_resolve_to_ids() -> None:
    index = load_port_index()
    ids = resolve_port_ids(["Rajin", "RUS-DUNAY", "Wostotschny"], index)
    assert ids == frozenset({"PRK-NAJIN", "RUS-DUNAY", "RUS-VOSTOCHNYY"})
    prk = resolve_port_ids(["PRK"], index)
    assert "PRK-NAJIN" in prk
    assert not any(p.startswith("RUS") for p in prk)


def test_unknown_sensitive_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="sensitive port 'Atlantis' matches no port"):
        resolve_port_ids(["Atlantis"], load_port_index())


def test_geo_context_defaults() -> None:
    context = load_geo_context()
    assert context.shore is None
    assert {"PRK-NAJIN", "RUS-DUNAY", "RUS-VOSTOCHNYY"} <= context.sensitive_port_ids
    which, distance_m = context.port_index.nearest(
        [42.745], [133.06], max_distance_m=3 * METRES_PER_NM
    )
    assert context.ports["port_id"][int(which[0])] == "RUS-VOSTOCHNYY"
    assert distance_m[0] < 3_000


def test_bad_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="ports mode must be 'add' or 'replace'"):
        load_ports(mode="merge")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'replace' needs a ports file"):
        load_ports(mode="replace")


def test_loaded_frames_are_copies() -> None:
    first = load_ports()
    first.drop_in_place("name")
    assert "name" in load_ports().columns
