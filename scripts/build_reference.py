"""Build darkfleet's shipped reference data from the public tables in ``shared/data/real``.

Run from the repository root (pycountry is a build-only tool, in the ``reference``
dependency group; the shipped files never need it)::

    PYTHONPATH=src python scripts/build_reference.py \
        --real ../shared/data/real --out src/darkfleet/reference/data

Writes ``ports.parquet`` (schema.PORTS points), ``ports_index.parquet`` (one row per
port), ``mid.csv`` (MMSI MID -> country) and ``iso3166.csv`` (alpha-2 -> alpha-3).
What each step does, and why, is written up in ``src/darkfleet/reference/data/SOURCE.md``;
keep the two in step. The output is deterministic: running the script twice gives
byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pycountry

from darkfleet import schema
from darkfleet.reference._names import normalise_name, slug

#: Thinning cell for GFW anchorage points, metres (one point per cell per port).
THIN_CELL_M = 500.0
#: A GFW label joins a same-named WPI port only when its points lie within this distance.
SAME_NAME_MAX_KM = 50.0
#: A GFW label whose name contains (or is contained in) a WPI port's name joins that port
#: when their centres are this close (e.g. GFW "VANINO" and WPI "BUKHTA VANINO").
CONTAINED_NAME_MAX_KM = 20.0
#: A searoute (UN/LOCODE) port joins the nearest existing port of its country this close.
SEAROUTE_JOIN_KM = 10.0
#: Coordinates are rounded to this many decimals (1e-5 degrees is about 1 m).
COORD_DECIMALS = 5

#: WPI rows whose iso3 is blank in GFW's copy (Namibia's "NA" read as empty, territories).
WPI_MISSING_ISO3 = {
    "MIDWAY ISLAND": "UMI",
    "JOHNSTON ATOLL": "UMI",
    "WAKE ISLAND": "UMI",
    "LUDERITZ BAY": "NAM",
    "WALVIS BAY": "NAM",
    "BARENTSBURG": "SJM",
    "LONGYEARBYEN": "SJM",
    "NY ALESUND": "SJM",
}

#: GFW labels that are not ports (placeholders at 0,0 and at the pole).
GFW_DROP_LABELS = {"REMOVE", "OU"}

#: Ports missing from every source table, with a cited position.
MANUAL_PORTS = [
    {
        "name": "DUNAY",
        "country": "RUS",
        # Wikipedia "Dunay, Primorsky Krai": 42°52'49"N 132°20'15"E (settlement on the
        # Strelok Bay coast, Gulf of Peter the Great); RUSI (2023-10-17, "The Orient
        # Express") places the naval pier "approximately nine kilometres south of Fokino",
        # which agrees within the 3 km port radius.
        "lat": 42.88028,
        "lon": 132.33750,
        "source": "manual:wikipedia-dunay-primorsky-krai",
    }
]

#: Extra names analysts use (romanisations, German spellings, city names), by port_id.
MANUAL_ALIASES = {
    "PRK-NAJIN": ["Rajin", "Rason", "Rasŏn", "Najin", "Rajin-Sonbong", "Rajin Port", "Najin Hang"],
    "PRK-SENBONG": ["Sonbong", "Sŏnbong", "Unggi"],
    "PRK-CHONGJIN": ["Chongjin", "Chŏngjin", "Ch'ŏngjin", "Chongjin Hang"],
    "PRK-NAMPO": ["Nampo", "Nampho", "Namp'o", "Nam'po", "Chinnampo"],
    "PRK-HUNGNAM": ["Hungnam", "Hŭngnam"],
    "PRK-WONSAN": ["Wonsan", "Wŏnsan"],
    "PRK-KIMCHAEK": ["Kimchaek", "Kimch'aek", "Songjin"],
    "PRK-HAEJU-HANG": ["Haeju"],
    "PRK-CHAHO": ["Chaho", "Ch'aho"],
    "RUS-DUNAY": ["Dunay", "Dunai", "Дунай", "Fokino-Dunay"],
    "RUS-VOSTOCHNYY": [
        "Vostochny",
        "Vostochnyy",
        "Vostochnyi",
        "Wostotschny",
        "Vostochny Port",
        "Восточный",
    ],
    "RUS-VLADIVOSTOK": ["Vladivostok", "Wladiwostok", "Владивосток"],
    "RUS-NAKHODKA": ["Nakhodka", "Nachodka", "Находка"],
    "RUS-POSYET": ["Posyet", "Pos'yet", "Posiet", "Possiet"],
    "RUS-SLAVYANKA": ["Slavyanka", "Slawjanka"],
    "RUS-ZARUBINO": ["Zarubino", "Sarubino"],
}


@dataclass
class Port:
    """A port being assembled from the source tables."""

    name: str
    country: str
    points: list[tuple[float, float]] = field(default_factory=list)  # WPI/manual points
    anchorages: list[tuple[float, float]] = field(default_factory=list)  # GFW points
    aliases: list[str] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    locode: str | None = None
    fixed_id: str | None = None  # GFW placeholder label used as port_id

    def centre(self) -> tuple[float, float]:
        """Mean of the anchorage points if any, else of the WPI/manual points."""
        pts = self.anchorages or self.points
        lat = float(np.mean([p[0] for p in pts]))
        lon_rad = np.radians([p[1] for p in pts])
        lon = float(np.degrees(np.arctan2(np.sin(lon_rad).mean(), np.cos(lon_rad).mean())))
        return lat, lon

    def all_points(self) -> list[tuple[float, float]]:
        """WPI/manual points plus thinned anchorage points, deduplicated, in a stable order."""
        pts = set(self.points) | set(thin(self.anchorages))
        return sorted(pts)


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km (build-time helper)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


def thin(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Keep one point per ~THIN_CELL_M cell: the member nearest the cell's mean."""
    if not points:
        return []
    lat0 = float(np.mean([p[0] for p in points]))
    cell_lat_deg = THIN_CELL_M / 111_195.0
    cell_lon_deg = cell_lat_deg / max(math.cos(math.radians(lat0)), 0.01)
    cells: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    for lat, lon in points:
        cells[(math.floor(lat / cell_lat_deg), math.floor(lon / cell_lon_deg))].append((lat, lon))
    kept = []
    for members in cells.values():
        mlat = sum(p[0] for p in members) / len(members)
        mlon = sum(p[1] for p in members) / len(members)
        kept.append(min(sorted(members), key=lambda p: (p[0] - mlat) ** 2 + (p[1] - mlon) ** 2))
    return kept


def rounded(lat: float, lon: float) -> tuple[float, float]:
    """Round a coordinate pair to COORD_DECIMALS."""
    return round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS)


def title(name: str) -> str:
    """Title-case a port name, keeping letters after apostrophes lower (POS'YET -> Pos'yet)."""
    words = re.split(r"(\s+|-|\()", name.strip().lower())
    return "".join(w[:1].upper() + w[1:] for w in words)


def load_wpi(real: Path) -> list[Port]:
    """Read NGA World Port Index rows (GFW's copy) as ports with one point each."""
    wpi = pl.read_csv(
        real / "ref-ports-gfw" / "WPI_ports.csv", infer_schema=False, empty_string_is_null=False
    )
    ports = []
    for row in wpi.iter_rows(named=True):
        label = row["label"].strip()
        iso3 = row["iso3"].strip() or WPI_MISSING_ISO3.get(label, "")
        if not iso3:
            raise SystemExit(f"WPI port {label!r} has no iso3; add it to WPI_MISSING_ISO3")
        port = Port(name=label, country=iso3, sources={"wpi"})
        port.points.append(rounded(float(row["latitude"]), float(row["longitude"])))
        ports.append(port)
    return ports


PLACEHOLDER = re.compile(r"[A-Z]{3}-\d+")
HEXLIKE = re.compile(r"[0-9a-f]{8}|[0-9.]+E\+\d+")


@dataclass
class GfwLabel:
    """Points of one GFW port label, and the sublabels seen on them."""

    points: set[tuple[float, float]] = field(default_factory=set)
    sublabels: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def load_gfw(real: Path) -> dict[tuple[str, str], GfwLabel]:
    """Read GFW anchorage overrides grouped by (iso3, port label).

    A point listed twice (under a placeholder label such as ``RUS-135`` and under its real
    name) is kept once, under the real name.
    """
    gfw = pl.read_csv(
        real / "ref-ports-gfw" / "anchorage_overrides.csv",
        infer_schema=False,
        empty_string_is_null=False,
    )
    groups: dict[tuple[str, str], GfwLabel] = defaultdict(GfwLabel)
    seen: set[tuple[str, float, float]] = set()
    rows = sorted(
        gfw.iter_rows(named=True),
        key=lambda r: (
            bool(PLACEHOLDER.fullmatch(r["label"].strip())),
            r["label"].strip(),
            r["latitude"],
            r["longitude"],
            r["sublabel"],
        ),
    )
    for row in rows:
        label = row["label"].strip()
        iso3 = row["iso3"].strip()
        if not iso3 or label in GFW_DROP_LABELS:
            continue
        point = rounded(float(row["latitude"]), float(row["longitude"]))
        if not (-90.0 <= point[0] <= 90.0 and -180.0 <= point[1] <= 180.0):
            continue  # one broken row: POINTE NOIRE (COG) at 11.84 N, longitude 1001
        if (iso3, *point) in seen:
            continue
        seen.add((iso3, *point))
        group = groups[(iso3, label)]
        group.points.add(point)
        sub = row["sublabel"].strip()
        if sub and not HEXLIKE.fullmatch(sub):
            group.sublabels[sub] += 1
    return dict(groups)


def tokens(name: str) -> set[str]:
    """Name words without generic harbour words."""
    generic = {"PORT", "BUKHTA", "HARBOR", "HARBOUR", "ANCHORAGE", "HANG", "BAY", "OF", "THE"}
    return set(normalise_name(name).split()) - generic


def merge_gfw(ports: list[Port], gfw: dict[tuple[str, str], GfwLabel]) -> None:
    """Attach GFW anchorage points to WPI ports by name (and distance), else add new ports.

    Each point of a label joins the nearest same-named WPI port of its country within
    SAME_NAME_MAX_KM. Points left over join a WPI port whose name words contain (or are
    contained in) the label's, within CONTAINED_NAME_MAX_KM; otherwise the label becomes a
    port of its own.
    """
    wpi_by_key: dict[tuple[str, str], list[Port]] = defaultdict(list)
    wpi_by_country: dict[str, list[tuple[Port, set[str]]]] = defaultdict(list)
    for port in ports:
        wpi_by_key[(port.country, normalise_name(port.name))].append(port)
        wpi_by_country[port.country].append((port, tokens(port.name)))
    for (iso3, label), group in sorted(gfw.items()):
        points = sorted(group.points)
        if PLACEHOLDER.fullmatch(label):
            # An unnamed GFW anchorage cluster: a port of its own, id = the placeholder,
            # named by its most common sublabel (the others become aliases).
            names = sorted(group.sublabels, key=lambda n: (-group.sublabels[n], n))
            port = Port(name=names[0] if names else label, country=iso3, sources={"gfw"})
            port.anchorages = points
            port.aliases = [title(n) for n in names[1:]]
            port.fixed_id = label
            ports.append(port)
            continue
        same = wpi_by_key.get((iso3, normalise_name(label)), [])
        leftover = []
        for lat, lon in points:
            best = min(same, key=lambda p: km_between(lat, lon, *p.points[0]), default=None)
            if best is not None and km_between(lat, lon, *best.points[0]) <= SAME_NAME_MAX_KM:
                best.anchorages.append((lat, lon))
                best.sources.add("gfw")
            else:
                leftover.append((lat, lon))
        if not leftover:
            continue
        clat = float(np.mean([p[0] for p in leftover]))
        clon = float(np.mean([p[1] for p in leftover]))
        label_tokens = tokens(label)
        candidates = [
            port
            for port, port_tokens in wpi_by_country.get(iso3, [])
            if label_tokens
            and port_tokens
            and (port_tokens <= label_tokens or label_tokens <= port_tokens)
            and km_between(clat, clon, *port.points[0]) <= CONTAINED_NAME_MAX_KM
        ]
        if candidates:
            target = min(candidates, key=lambda p: km_between(clat, clon, *p.points[0]))
            target.anchorages.extend(leftover)
            target.sources.add("gfw")
            target.aliases.append(title(label))
        else:
            port = Port(name=label, country=iso3, anchorages=list(leftover), sources={"gfw"})
            port.aliases = [title(n) for n in sorted(group.sublabels)]
            ports.append(port)


def alpha3_of(alpha2: str) -> str | None:
    """ISO 3166-1 alpha-3 for an alpha-2 code via pycountry (build time only)."""
    country = pycountry.countries.get(alpha_2=alpha2)
    return None if country is None else str(country.alpha_3)


def km_to_points(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Haversine distances in km from one point to arrays of points."""
    p1, p2 = math.radians(lat), np.radians(lats)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2
    )
    return np.asarray(2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def merge_searoute(ports: list[Port], real: Path) -> None:
    """Attach UN/LOCODEs from the searoute port list; add its ports that nothing covers.

    A searoute port joins a same-named port of its country within SAME_NAME_MAX_KM, else
    the port owning the nearest point within SEAROUTE_JOIN_KM, else it becomes a new port.
    """
    features = json.loads((real / "ref-searoute-ports" / "ports.geojson").read_text())["features"]
    by_country: dict[str, list[Port]] = defaultdict(list)
    for port in ports:
        by_country[port.country].append(port)
    arrays: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for iso3, members in by_country.items():
        owner, lats, lons = [], [], []
        for i, port in enumerate(members):
            for plat, plon in port.points + port.anchorages:
                owner.append(i)
                lats.append(plat)
                lons.append(plon)
        arrays[iso3] = (np.array(owner), np.array(lats), np.array(lons))
    for feature in sorted(features, key=lambda f: f["properties"]["port"]):
        locode = feature["properties"]["port"]
        name = feature["properties"]["name"]
        lon, lat = feature["geometry"]["coordinates"][:2]
        iso3 = alpha3_of(locode[:2]) if len(locode) == 5 else None
        if iso3 is None or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            continue  # no country, or a position out of range
        members = by_country.get(iso3, [])
        target = None
        if iso3 in arrays and len(arrays[iso3][0]):
            owner, lats, lons = arrays[iso3]
            distance_km = km_to_points(lat, lon, lats, lons)
            key = normalise_name(name)
            same = np.array(
                [
                    key == normalise_name(members[o].name)
                    or key in {normalise_name(a) for a in members[o].aliases}
                    for o in range(len(members))
                ]
            )[owner]
            if (same & (distance_km <= SAME_NAME_MAX_KM)).any():
                target = members[owner[np.where(same, distance_km, np.inf).argmin()]]
            elif distance_km.min() <= SEAROUTE_JOIN_KM:
                target = members[owner[distance_km.argmin()]]
        if target is not None:
            if target.locode is None:
                target.locode = locode
            target.aliases.append(name)
            target.sources.add("searoute")
        else:
            port = Port(name=name.upper(), country=iso3, sources={"searoute"}, locode=locode)
            port.points.append(rounded(lat, lon))
            ports.append(port)


def assign_ids(ports: list[Port]) -> dict[str, Port]:
    """Give each port a stable id ``ISO3-NAME`` (``-2``, ``-3`` for same-named ports)."""
    groups: dict[str, list[Port]] = defaultdict(list)
    for port in ports:
        groups[port.fixed_id or f"{port.country}-{slug(port.name)}"].append(port)
    out: dict[str, Port] = {}
    for base, members in sorted(groups.items()):
        members.sort(key=lambda p: p.centre())
        for i, port in enumerate(members):
            out[base if i == 0 else f"{base}-{i + 1}"] = port
    return out


def build_ports(real: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (points in schema.PORTS, one-row-per-port index)."""
    ports = load_wpi(real)
    merge_gfw(ports, load_gfw(real))
    merge_searoute(ports, real)
    for manual in MANUAL_PORTS:
        port = Port(name=manual["name"], country=manual["country"], sources={manual["source"]})
        port.points.append(rounded(manual["lat"], manual["lon"]))
        ports.append(port)
    by_id = assign_ids(ports)
    missing = sorted(set(MANUAL_ALIASES) - set(by_id))
    if missing:
        raise SystemExit(f"MANUAL_ALIASES names unknown port ids: {missing}")
    point_rows = []
    index_rows = []
    for port_id, port in sorted(by_id.items()):
        display = title(port.name)
        aliases: list[str] = []
        seen = {normalise_name(display)}
        for alias in MANUAL_ALIASES.get(port_id, []) + [title(port.name)] + port.aliases:
            key = normalise_name(alias)
            if key and key not in seen:
                seen.add(key)
                aliases.append(alias)
        if port.locode and port.locode not in aliases:
            aliases.append(port.locode)
        pts = port.all_points()
        for lat, lon in pts:
            point_rows.append((port_id, display, port.country, lat, lon))
        clat, clon = rounded(*port.centre())
        index_rows.append(
            {
                "port_id": port_id,
                "name": display,
                "country": port.country,
                "aliases": aliases,
                "lat": clat,
                "lon": clon,
                "n_points": len(pts),
                "source": "+".join(sorted(port.sources)),
                "locode": port.locode,
            }
        )
    points = pl.DataFrame(point_rows, schema=list(schema.PORTS), orient="row")
    points = schema.conform(points, schema.PORTS)
    bad = points.filter(~pl.col("lat").is_between(-90, 90) | ~pl.col("lon").is_between(-180, 180))
    if bad.height:
        raise SystemExit(f"points out of range: {bad.to_dicts()}")
    index = pl.DataFrame(
        index_rows,
        schema={
            "port_id": pl.String,
            "name": pl.String,
            "country": pl.String,
            "aliases": pl.List(pl.String),
            "lat": pl.Float64,
            "lon": pl.Float64,
            "n_points": pl.Int32,
            "source": pl.String,
            "locode": pl.String,
        },
    )
    return points, index


def build_iso3166() -> pl.DataFrame:
    """Alpha-2 -> alpha-3 table of every ISO 3166-1 country, from pycountry."""
    rows = sorted(
        (str(c.alpha_2), str(c.alpha_3), str(getattr(c, "common_name", c.name)))
        for c in pycountry.countries
    )
    return pl.DataFrame(rows, schema=["alpha2", "alpha3", "name"], orient="row")


#: Fixes to the ISO-2 MID table: Namibia's "NA" was lost to a CSV reader, "UK" is not an
#: ISO code and MID 740 is the Falkland Islands in the ITU list; 638 (South Sudan) exists
#: only in libais's table.
MID_ISO2_FIXES = {659: "NA", 740: "FK", 638: "SS"}


def build_mid(real: Path, iso: pl.DataFrame) -> pl.DataFrame:
    """Merge the two MID tables, preferring the ISO-2 one, and add alpha-3 codes."""
    mobiml = pl.read_csv(
        real / "ref-mid" / "mobiml_ais_mid_whitelist.csv",
        infer_schema=False,
        empty_string_is_null=False,
    ).select(
        pl.col("MID").cast(pl.Int16).alias("mid"),
        pl.col("Country Code").str.strip_chars().alias("iso2"),
    )
    libais = pl.read_csv(real / "ref-mid" / "libais_mid.csv", infer_schema=False).select(
        pl.col("prefix").cast(pl.Int16).alias("mid"), pl.col("country").alias("itu_name")
    )
    merged = mobiml.join(libais, on="mid", how="full", coalesce=True)
    fixes = pl.DataFrame(
        {"mid": list(MID_ISO2_FIXES), "fix": list(MID_ISO2_FIXES.values())},
        schema={"mid": pl.Int16, "fix": pl.String},
    )
    merged = (
        merged.join(fixes, on="mid", how="left")
        .with_columns(pl.coalesce("fix", pl.col("iso2").replace("", None)).alias("iso2"))
        .drop("fix")
        .join(
            iso.rename({"alpha2": "iso2", "alpha3": "iso3", "name": "country_name"}),
            on="iso2",
            how="left",
        )
    )
    unknown = merged.filter(pl.col("iso3").is_null())
    if unknown.height:
        raise SystemExit(f"MIDs without an ISO code: {unknown.to_dicts()}; add to MID_ISO2_FIXES")
    return merged.select("mid", "country_name", "iso2", "iso3", "itu_name").sort("mid")


def main() -> None:
    """Build every shipped reference file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=Path("../shared/data/real"))
    parser.add_argument("--out", type=Path, default=Path("src/darkfleet/reference/data"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    iso = build_iso3166()
    iso.write_csv(args.out / "iso3166.csv")
    build_mid(args.real, iso).write_csv(args.out / "mid.csv")
    points, index = build_ports(args.real)
    points.write_parquet(
        args.out / "ports.parquet", compression="zstd", compression_level=19, statistics=False
    )
    index.write_parquet(
        args.out / "ports_index.parquet", compression="zstd", compression_level=19, statistics=False
    )
    summary = {
        "ports": index.height,
        "points": points.height,
        "by_source": dict(sorted(index.group_by("source").len().iter_rows())),
    }
    print(json.dumps(summary, indent=1))  # noqa: T201


if __name__ == "__main__":
    main()
