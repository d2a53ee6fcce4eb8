from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from darkfleet import schema
from darkfleet.detect._geo import haversine_m_np
from darkfleet.errors import DecodeError, InputError
from darkfleet.reference import load_geo_context, load_ports, load_ports_geojson

# A square of about 1.6 km x 2.2 km over Rajin's piers.
PIERS = [[130.29, 42.235], [130.31, 42.235], [130.31, 42.255], [130.29, 42.255], [130.29, 42.235]]


def feature(geometry: dict[str, Any] | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write(tmp_path: Path, features: list[Any], **extra: Any) -> Path:
    path = tmp_path / "ports.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}))
    return path


def test_points_with_alpha2_country_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            feature(
                {"type": "Point", "coordinates": [132.35, 42.87]}, name="Dunay pier", country="RU"
            ),
            feature(
                {"type": "MultiPoint", "coordinates": [[130.3, 42.24], [130.31, 42.25]]},
                name="Rajin",
                country="PRK",
            ),
        ],
    )
    points = load_ports_geojson(path)
    schema.require(points, schema.PORTS)
    assert points.rows() == [
        ("PRK-RAJIN", "Rajin", "PRK", 42.24, 130.3),
        ("PRK-RAJIN", "Rajin", "PRK", 42.25, 130.31),
        ("RUS-DUNAY-PIER", "Dunay pier", "RUS", 42.87, 132.35),
    ]


def test_polygon_becomes_points_covering_it(tmp_path: Path) -> None:
    points = load_ports_geojson(
        write(
            tmp_path,
            [
                feature(
                    {"type": "Polygon", "coordinates": [PIERS]}, name="Rajin piers", country="KP"
                )
            ],
        )
    )
    assert points.height > 4
    lats, lons = points["lat"].to_numpy(), points["lon"].to_numpy()
    assert lats.min() >= 42.235
    assert lats.max() <= 42.255
    assert lons.min() >= 130.29
    assert lons.max() <= 130.31
    # every place inside the polygon lies within 1.3 km of a point (the 3 km test covers it)
    grid_lat, grid_lon = np.meshgrid(
        np.linspace(42.235, 42.255, 21), np.linspace(130.29, 130.31, 21)
    )
    for lat, lon in zip(grid_lat.ravel(), grid_lon.ravel(), strict=True):
        assert haversine_m_np(lats, lons, lat, lon).min() < 1_300
    for vertex_lon, vertex_lat in PIERS:
        assert ((points["lat"] == vertex_lat) & (points["lon"] == vertex_lon)).any()


def test_large_polygon_interior_is_covered_by_a_grid(tmp_path: Path) -> None:
    square = [
        [130.0, 42.0],
        [130.2, 42.0],
        [130.2, 42.2],
        [130.0, 42.2],
        [130.0, 42.0],
    ]  # ~16 x 22 km
    points = load_ports_geojson(
        write(
            tmp_path,
            [
                feature(
                    {"type": "MultiPolygon", "coordinates": [[square]]}, name="Bay", country="PRK"
                )
            ],
        )
    )
    centre = haversine_m_np(points["lat"].to_numpy(), points["lon"].to_numpy(), 42.1, 130.1).min()
    assert centre < 1_000
    assert 300 < points.height < 1_000


def test_polygon_too_large_is_refused_with_a_fix(tmp_path: Path) -> None:
    huge = [[120.0, 30.0], [140.0, 30.0], [140.0, 45.0], [120.0, 45.0], [120.0, 30.0]]
    with pytest.raises(InputError, match=r"feature 0 \('Sea'\): the polygon is too large.*berths"):
        load_ports_geojson(
            write(
                tmp_path,
                [feature({"type": "Polygon", "coordinates": [huge]}, name="Sea", country="PRK")],
            )
        )


def test_explicit_port_id_refines_a_builtin_port_in_add_mode(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            feature(
                {"type": "Point", "coordinates": [130.305, 42.245]},
                name="Rajin pier 1",
                country="PRK",
                port_id="PRK-NAJIN",
            )
        ],
    )
    ports = load_ports(path, mode="add")
    najin = ports.filter(pl.col("port_id") == "PRK-NAJIN")
    assert najin.height == 2
    assert set(najin["name"]) == {"Najin"}  # one port, one name
    assert ports.height == load_ports().height + 1


def test_replace_mode_uses_only_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            feature(
                {"type": "Point", "coordinates": [130.305, 42.245]},
                name="Rajin pier 1",
                country="PRK",
            )
        ],
    )
    ports = load_ports(path, mode="replace")
    assert ports["port_id"].to_list() == ["PRK-RAJIN-PIER-1"]
    context = load_geo_context(path, mode="replace")
    assert context.sensitive_port_ids == frozenset({"PRK-RAJIN-PIER-1"})


def test_empty_feature_collection_gives_empty_points(tmp_path: Path) -> None:
    points = load_ports_geojson(write(tmp_path, []))
    assert points.is_empty()
    assert points.schema == pl.Schema(schema.PORTS)


POINT = {"type": "Point", "coordinates": [130.3, 42.24]}


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ([feature(POINT, country="PRK")], r"feature 0: property 'name' is missing or empty; add"),
        (
            [feature(POINT, name="  ", country="PRK")],
            r"feature 0 \('  '\): property 'name' is missing",
        ),
        (
            [feature(POINT, name="A")],
            r"feature 0 \('A'\): property 'country' is missing; add an ISO 3166-1 alpha-3",
        ),
        (
            [feature(POINT, name="A", country="PRK"), feature(POINT, name="B", country="Korea")],
            r"feature 1 \('B'\): country 'Korea' is not an ISO 3166-1",
        ),
        (
            [feature({"type": "Point", "coordinates": [42.24, 130.3]}, name="A", country="PRK")],
            r"feature 0 \('A'\): position \[42.24, 130.3\] is out of range; GeoJSON positions are \[longitude, latitude\]",
        ),
        (
            [feature({"type": "Point", "coordinates": ["130", 42]}, name="A", country="PRK")],
            r"is not \[longitude, latitude\]",
        ),
        (
            [feature({"type": "Point", "coordinates": [130.3]}, name="A", country="PRK")],
            r"is not \[longitude, latitude\]",
        ),
        (
            [feature({"type": "Polygon", "coordinates": [PIERS[:-1]]}, name="A", country="PRK")],
            r"first repeated last, got 4; close the ring",
        ),
        (
            [
                feature(
                    {
                        "type": "Polygon",
                        "coordinates": [[[179.9, 0], [-179.9, 0], [-179.9, 1], [179.9, 0]]],
                    },
                    name="A",
                    country="FJI",
                )
            ],
            r"crosses the antimeridian; split it",
        ),
        (
            [
                feature(
                    {"type": "LineString", "coordinates": [[130, 42], [131, 42]]},
                    name="A",
                    country="PRK",
                )
            ],
            r"geometry type 'LineString' .* not supported; use Point",
        ),
        ([feature(None, name="A", country="PRK")], r"feature 0 \('A'\): missing geometry"),
        (
            [feature({"type": "MultiPolygon", "coordinates": [[]]}, name="A", country="PRK")],
            r"a MultiPolygon member has no rings",
        ),
        (
            [feature(POINT, name="A", country="PRK", port_id="")],
            r"property 'port_id' must be non-empty text",
        ),
        (["not a feature"], r"feature 0: is not a GeoJSON Feature object"),
        (
            [
                feature(POINT, name="A", country="PRK", port_id="X"),
                feature(POINT, name="B", country="PRK", port_id="X"),
            ],
            r"port_id 'X' is given to features with different names",
        ),
    ],
)
def test_bad_features_name_the_index_and_the_fix(
    tmp_path: Path, features: list[Any], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        load_ports_geojson(write(tmp_path, features))


def test_not_a_feature_collection(tmp_path: Path) -> None:
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps({"type": "Feature", "geometry": POINT}))
    with pytest.raises(InputError, match="expected a GeoJSON FeatureCollection"):
        load_ports_geojson(path)
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(InputError, match="expected a GeoJSON FeatureCollection"):
        load_ports_geojson(path)
    path.write_text(json.dumps({"type": "FeatureCollection"}))
    with pytest.raises(InputError, match="no 'features' list"):
        load_ports_geojson(path)


def test_invalid_json_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "p.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [,]}')
    with pytest.raises(DecodeError, match=r"p.geojson:2:\d+: not valid JSON"):
        load_ports_geojson(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="ports file not found; check the --ports path"):
        load_ports_geojson(tmp_path / "nope.geojson")


def test_non_utf8_file_is_a_decode_error(tmp_path: Path) -> None:
    path = tmp_path / "p.geojson"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(DecodeError, match="cannot read the ports file as UTF-8"):
        load_ports_geojson(path)
