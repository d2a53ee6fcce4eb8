"""The built-in port gazetteer, name resolution and sensitive-port groups (reference layer).

Reads the files shipped in ``darkfleet/reference/data`` (built by
``scripts/build_reference.py``; origin and licences in ``data/SOURCE.md``). Imports
``schema``, ``errors`` and the other reference modules; nothing in ``detect`` imports this
module: the engine and CLI load the frames here and pass them to detectors.

Two frames describe the gazetteer:

- points (``schema.PORTS``): several rows per port, the World Port Index position plus the
  Global Fishing Watch anchorage points that outline its berths and anchorages;
- the index: one row per port with ``port_id``, ``name``, ``country`` (ISO 3166-1
  alpha-3), ``aliases`` (other spellings, UN/LOCODE), ``lat``/``lon`` of the port's centre,
  ``n_points``, ``source`` and ``locode``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final, Literal

import polars as pl

from darkfleet import schema
from darkfleet.errors import ConfigError
from darkfleet.reference._names import normalise_name
from darkfleet.reference.geojson import load_ports_geojson

__all__ = [
    "PORT_GROUPS",
    "PORT_INDEX",
    "PortRecord",
    "default_port_groups",
    "default_sensitive_port_ids",
    "load_port_index",
    "load_ports",
    "resolve_port",
    "resolve_port_ids",
]

#: Columns of the port index.
PORT_INDEX: Final[schema.Schema] = {
    "port_id": pl.String(),
    "name": pl.String(),
    "country": pl.String(),
    "aliases": pl.List(pl.String()),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "n_points": pl.Int32(),
    "source": pl.String(),
    "locode": pl.String(),
}

#: Port groups of the default watch: every DPRK port, and Russia's Pacific ports.
PORT_GROUPS: Final[tuple[str, ...]] = ("PRK", "RUS-FE")

#: Russia's Pacific coast: ports east of 125 E (or west of 168 W, Chukotka across the
#: antimeridian) and south of 66 N. 125 E lies west of every Sea of Japan, Sea of Okhotsk
#: and Bering Sea port; 66 N (the Bering Strait) keeps out the Arctic ports east of 125 E
#: (Tiksi, Ambarchik, Pevek), which face the Laptev and East Siberian Seas instead.
RUS_FE_MIN_LON_DEG: Final[float] = 125.0
RUS_FE_MAX_WEST_LON_DEG: Final[float] = -168.0
RUS_FE_MAX_LAT_DEG: Final[float] = 66.0

Mode = Literal["add", "replace"]


def _data_path(name: str) -> Path:
    return Path(str(resources.files("darkfleet.reference") / "data" / name))


@functools.cache
def _builtin_points() -> pl.DataFrame:
    return schema.conform(pl.read_parquet(_data_path("ports.parquet")), schema.PORTS)


@functools.cache
def _builtin_index() -> pl.DataFrame:
    return schema.conform(pl.read_parquet(_data_path("ports_index.parquet")), PORT_INDEX)


def load_ports(ports_file: str | Path | None = None, *, mode: Mode = "add") -> pl.DataFrame:
    """Return port reference points in ``schema.PORTS`` form.

    Parameters
    ----------
    ports_file
        Optional GeoJSON FeatureCollection of the user's ports (``--ports FILE``), read
        with ``load_ports_geojson``.
    mode
        ``"add"`` (default): the file's ports join the built-in gazetteer; a feature whose
        ``port_id`` (or country and name) matches a built-in port adds points to that port.
        ``"replace"``: only the file's ports are used.

    Returns
    -------
    ``schema.PORTS``: one row per point, sorted by ``port_id``, ``lat``, ``lon``.

    Raises
    ------
    ConfigError
        ``mode`` is not ``"add"`` or ``"replace"``, or ``"replace"`` without a file.
    InputError
        The file is missing or not valid (the message names the feature and the fix).

    Examples
    --------
    >>> points = load_ports()
    >>> sorted(set(points.filter(pl.col("port_id") == "PRK-NAJIN")["name"]))
    ['Najin']
    """
    if mode not in ("add", "replace"):
        raise ConfigError(f"ports mode must be 'add' or 'replace', got {mode!r}")
    builtin = _builtin_points()
    if ports_file is None:
        if mode == "replace":
            raise ConfigError("ports mode 'replace' needs a ports file (--ports FILE)")
        return builtin.clone()
    user = load_ports_geojson(ports_file)
    if mode == "replace":
        return user
    # A user port with a built-in id keeps the built-in name, so one port has one name.
    names = builtin.select("port_id", pl.col("name").alias("builtin_name")).unique("port_id")
    user = (
        user.join(names, on="port_id", how="left")
        .with_columns(pl.coalesce("builtin_name", "name").alias("name"))
        .drop("builtin_name")
    )
    return pl.concat([builtin, user]).unique(maintain_order=True).sort(["port_id", "lat", "lon"])


def load_port_index() -> pl.DataFrame:
    """Return the built-in port index, one row per port (columns of ``PORT_INDEX``).

    Examples
    --------
    >>> index = load_port_index()
    >>> index.filter(pl.col("port_id") == "RUS-VOSTOCHNYY")["country"].item()
    'RUS'
    """
    return _builtin_index().clone()


@dataclass(frozen=True, slots=True)
class PortRecord:
    """One port of the index: id, display name, country (alpha-3), centre and spellings."""

    port_id: str
    name: str
    country: str
    lat: float
    lon: float
    aliases: tuple[str, ...]
    n_points: int
    source: str
    locode: str | None


@functools.cache
def _name_table() -> pl.DataFrame:
    """(key, port_id, rank) rows: rank 0 id, 1 name, 2 alias; more points first on ties."""
    index = _builtin_index()
    by_id = index.select(
        pl.col("port_id").alias("key"), "port_id", "country", "n_points", pl.lit(0).alias("rank")
    )
    by_name = index.select(
        pl.col("name").alias("key"), "port_id", "country", "n_points", pl.lit(1).alias("rank")
    )
    by_alias = index.select(
        pl.col("aliases").alias("key"), "port_id", "country", "n_points", pl.lit(2).alias("rank")
    ).explode("key")
    table = pl.concat([by_id, by_name, by_alias]).drop_nulls("key")
    keys = [normalise_name(k) for k in table["key"].to_list()]
    return table.with_columns(pl.Series("key", keys, dtype=pl.String)).sort(
        ["key", "rank", "n_points", "port_id"], descending=[False, False, True, False]
    )


def resolve_port(name: str, *, country: str | None = None) -> PortRecord | None:
    """Find a built-in port by id, name or alias, ignoring case, diacritics and punctuation.

    Parameters
    ----------
    name
        A ``port_id`` (``PRK-NAJIN``), a name (``Najin``) or any alias (``Rajin``,
        ``Rason``, ``Rajin-Sonbong``, ``Vostochny``, ``Wladiwostok``, a UN/LOCODE ...).
    country
        ISO 3166-1 alpha-3 code to pick among same-named ports in several countries.

    Returns
    -------
    The port, or None when nothing matches. When several ports match, an exact id wins,
    then a name, then an alias; among equals, the port with the most reference points.

    Examples
    --------
    >>> resolve_port("Rajin-Sonbong").port_id
    'PRK-NAJIN'
    >>> resolve_port("wostotschny").port_id
    'RUS-VOSTOCHNYY'
    >>> resolve_port("Atlantis") is None
    True
    """
    key = normalise_name(name)
    if not key:
        return None
    matches = _name_table().filter(pl.col("key") == key)
    if country is not None:
        matches = matches.filter(pl.col("country") == country.strip().upper())
    if matches.is_empty():
        return None
    port_id = matches["port_id"][0]
    row = _builtin_index().filter(pl.col("port_id") == port_id).row(0, named=True)
    return PortRecord(
        port_id=row["port_id"],
        name=row["name"],
        country=row["country"],
        lat=row["lat"],
        lon=row["lon"],
        aliases=tuple(row["aliases"] or ()),
        n_points=row["n_points"],
        source=row["source"],
        locode=row["locode"],
    )


def default_port_groups(ports: pl.DataFrame) -> dict[str, str]:
    """Map each port of the default watch to its group: ``"PRK"`` or ``"RUS-FE"``.

    ``ports`` is the port index or a ``schema.PORTS`` points frame (any frame with
    ``port_id``, ``country``, ``lat``, ``lon``). ``PRK``: every port in North Korea.
    ``RUS-FE``: Russian ports on the Pacific coast (east of 125 E or west of 168 W, south
    of 66 N): Vladivostok, Nakhodka, Vostochny, Dunay, Slavyanka, Posyet, Zarubino, the
    Sakhalin, Kamchatka, Okhotsk and Bering Sea ports. A port of points qualifies when
    any of its points does.

    Examples
    --------
    >>> groups = default_port_groups(load_port_index())
    >>> groups["PRK-NAJIN"], groups["RUS-DUNAY"], "RUS-MURMANSK" in groups
    ('PRK', 'RUS-FE', False)
    """
    schema.require(
        ports,
        {"port_id": pl.String(), "country": pl.String(), "lat": pl.Float64(), "lon": pl.Float64()},
        what="ports",
    )
    is_rus_fe = (
        (pl.col("country") == "RUS")
        & ((pl.col("lon") >= RUS_FE_MIN_LON_DEG) | (pl.col("lon") <= RUS_FE_MAX_WEST_LON_DEG))
        & (pl.col("lat") < RUS_FE_MAX_LAT_DEG)
    )
    grouped = (
        ports.select(
            "port_id",
            pl.when(pl.col("country") == "PRK")
            .then(pl.lit("PRK"))
            .when(is_rus_fe)
            .then(pl.lit("RUS-FE"))
            .alias("group"),
        )
        .drop_nulls("group")
        .unique("port_id")
        .sort("port_id")
    )
    return dict(zip(grouped["port_id"].to_list(), grouped["group"].to_list(), strict=True))


def default_sensitive_port_ids(ports: pl.DataFrame) -> frozenset[str]:
    """Port ids watched by default: every DPRK port and Russia's Pacific ports.

    Examples
    --------
    >>> ids = default_sensitive_port_ids(load_port_index())
    >>> {"PRK-NAJIN", "RUS-VOSTOCHNYY", "RUS-DUNAY"} <= ids
    True
    """
    return frozenset(default_port_groups(ports))


def resolve_port_ids(names: list[str] | tuple[str, ...], ports: pl.DataFrame) -> frozenset[str]:
    """Turn sensitive-port settings into port ids: group names, port ids, names or aliases.

    ``"PRK"`` and ``"RUS-FE"`` expand to their groups; an id present in ``ports`` is kept;
    anything else goes through ``resolve_port``.

    Raises
    ------
    ConfigError
        A name matches no port; the message names it.

    Examples
    --------
    >>> sorted(resolve_port_ids(["Rajin", "RUS-DUNAY"], load_port_index()))
    ['PRK-NAJIN', 'RUS-DUNAY']
    """
    groups = default_port_groups(ports)
    known = set(ports["port_id"].to_list())
    out: set[str] = set()
    for name in names:
        if name in PORT_GROUPS:
            out |= {port_id for port_id, group in groups.items() if group == name}
        elif name in known:
            out.add(name)
        else:
            record = resolve_port(name)
            if record is None or record.port_id not in known:
                raise ConfigError(
                    f"sensitive port {name!r} matches no port; give a port_id (e.g. "
                    f"'PRK-NAJIN'), a port name or alias, or a group ({', '.join(PORT_GROUPS)})"
                )
            out.add(record.port_id)
    return frozenset(out)
