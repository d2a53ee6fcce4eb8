"""Loitering detector (detect layer: pure; imports only schema, units, errors and detect/_*).

Definition (Global Fishing Watch's loitering events, DESIGN.md)
-----------------------------------------------------------------
A vessel *loiters* when consecutive positions of one MMSI all have speed below
``max_speed_knots`` (2 kn) and lie at least ``min_shore_distance_nm`` (20 nm) from shore,
for at least ``min_duration`` (4 h), with no hole longer than ``max_interval`` (3 h)
between consecutive positions, and the vessel is *alone*: no other AIS vessel making less
than ``max_company_speed_knots`` (5 kn) comes within ``max_company_distance_m`` (500 m) in
any 10-minute bin of the loiter (a vessel with company is an encounter candidate instead,
see ``detect_encounters``; a ship passing under way is not company).

Speed is the reported SOG; where SOG is null, the implied speed from the previous position
of the same vessel stands in (nulls are not taken as "slow"). Distance from shore comes from
``context.shore`` (a ``DistanceGrid``; ``darkfleet.reference.shore.load_shore_grid()``).
Aircraft (AIS message type 9) are ignored, both as loiterers and as company.

Event: ``lat``/``lon`` = mean position of the loiter; ``details``: ``duration_h``,
``mean_sog_knots``, ``distance_from_shore_nm`` (the smallest over the loiter),
``n_positions``, ``start`` / ``end`` ``{lat, lon, ts}``.

Known false positives
---------------------
- Vessels waiting at offshore anchorages more than 20 nm out (e.g. off Fujairah, Lomé,
  Singapore's eastern OPL, the Gulf of Mexico lightering areas).
- Fishing vessels drifting with gear (long-liners, squid jiggers), research and survey
  ships on station, offshore supply vessels at platforms (add platforms as ports/zones).
- A companion without AIS (the point of a dark ship-to-ship transfer) makes a real
  encounter look like loitering: read loiters as "possible dark encounter".
- The shore grid's 0.05 degree cells make the 20 nm boundary fuzzy by a few km.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect._bins import bin_positions, has_neighbour
from darkfleet.detect._events import finish_events, params_fingerprint
from darkfleet.detect._geo import haversine_m_np
from darkfleet.detect._prep import (
    check_duration,
    check_positive,
    details_json,
    iso_ts,
    sorted_positions,
    sorted_struct,
)
from darkfleet.detect.context import GeoContext
from darkfleet.errors import ConfigError
from darkfleet.units import KM_PER_NM, MPS_PER_KNOT

__all__ = [
    "CompanyScreen",
    "LoiteringCandidates",
    "LoiteringParams",
    "company_nearby",
    "detect_loitering",
    "loitering_candidates",
    "loitering_from_candidates",
]

_OWNER = "detect.loitering"
_BIN = timedelta(minutes=10)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoiteringParams:
    """Parameters of ``detect_loitering`` (every default is a claim; sources in comments)."""

    # GFW loitering events: average speed below 2 knots.
    max_speed_knots: float = 2.0
    # GFW loitering events: at least 4 hours.
    min_duration: timedelta = timedelta(hours=4)
    # GFW loitering events: at least 20 nm from shore.
    min_shore_distance_nm: float = 20.0
    # GFW encounters use 500 m for "together"; the same distance defines "alone".
    max_company_distance_m: float = 500.0
    # As encounters' max_pair_speed_knots: a ship making 5 kn or more is under way, passing
    # by, not alongside. Found by `darkfleet evaluate` (issue 3): a ship passing a planted
    # 8 h loiter at 12.6 kn within 500 m for one bin cancelled it.
    max_company_speed_knots: float = 5.0
    # Analyst decision: a silence longer than 3 h breaks the loiter. Far offshore a ship
    # is heard only on satellite passes (about one an hour); two missed passes in a row
    # leave a hole of up to ~3 h. With 2 h, `darkfleet evaluate` missed a planted 8 h
    # loiter cut by a 2.2 h hole (issue 3). Still far below the 6 h of a gap.
    max_interval: timedelta = timedelta(hours=3)
    # Analyst decision: company positions are compared in 10-minute bins and filled across
    # holes up to 1 h, as for encounters.
    max_fill: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        """Validate every field (ConfigError names field, value, range and unit)."""
        check_positive(_OWNER, "max_speed_knots", self.max_speed_knots, "knots", upper=50.0)
        check_duration(
            _OWNER, "min_duration", self.min_duration, lower=timedelta(0), upper=timedelta(days=60)
        )
        check_positive(
            _OWNER, "min_shore_distance_nm", self.min_shore_distance_nm, "nm", upper=130.0
        )
        check_positive(
            _OWNER, "max_company_distance_m", self.max_company_distance_m, "m", upper=50_000.0
        )
        check_positive(
            _OWNER, "max_company_speed_knots", self.max_company_speed_knots, "knots", upper=100.0
        )
        check_duration(
            _OWNER, "max_interval", self.max_interval, lower=timedelta(0), upper=timedelta(days=2)
        )
        if not isinstance(self.max_fill, timedelta) or not (
            timedelta(0) <= self.max_fill <= timedelta(hours=12)
        ):
            raise ConfigError(
                f"{_OWNER}.max_fill must be a timedelta >= 0 and <= 12:00:00, got "
                f'{self.max_fill!r}; e.g. timedelta(hours=1) (in TOML: "1h")'
            )


def detect_loitering(
    positions: pl.DataFrame | pl.LazyFrame, params: LoiteringParams, context: GeoContext
) -> pl.DataFrame:
    """Find vessels drifting slowly, far from shore and alone, for hours.

    Parameters
    ----------
    positions
        ``schema.POSITIONS`` frame (any order; rows without ts/lat/lon are ignored).
    params
        ``LoiteringParams``; defaults follow Global Fishing Watch (2 kn, 4 h, 20 nm).
    context
        Must carry ``shore`` (signed distance-to-shore grid).

    Returns
    -------
    pl.DataFrame
        ``schema.EVENTS`` rows of type ``loitering``; details in the module docstring.

    Raises
    ------
    ConfigError
        When ``context.shore`` is None.
    SchemaError
        When ``positions`` lacks a canonical column.

    Examples
    --------
    >>> from darkfleet.testing import make_track
    >>> from darkfleet.detect.context import DistanceGrid
    >>> sea = DistanceGrid(np.full((180, 360), 250.0, np.float32), -90.0, -180.0, 1.0)
    >>> track = make_track(n=60, step=timedelta(minutes=5), sog_knots=0.5)
    >>> events = detect_loitering(track, LoiteringParams(), GeoContext(shore=sea))
    >>> events.height, events["type"][0]
    (1, 'loitering')

    Notes
    -----
    See the module docstring for the definition and known false positives.
    """
    candidates = loitering_candidates(positions, params, context)
    screen = CompanyScreen.of(candidates)
    nearby = company_nearby(positions, screen) if screen is not None else None
    return loitering_from_candidates(candidates, nearby, params)


@dataclass(frozen=True, slots=True)
class LoiteringCandidates:
    """Slow runs far from shore, long enough, before the "alone" rule.

    ``runs`` has one row per run (``mmsi``, ``start_us``, ``end_us``, start/end/mean
    position, ``mean_sog_knots``, ``shore_km``, ``n_positions``), sorted by (mmsi, time);
    ``points`` the runs' positions (``ts_us``, ``lat``, ``lon``) that decide which other
    positions may be company.
    """

    runs: pl.DataFrame
    points: pl.DataFrame

    @classmethod
    def empty(cls) -> LoiteringCandidates:
        """No candidates."""
        return cls(
            runs=pl.DataFrame(schema={"mmsi": pl.Int64(), "start_us": pl.Int64()}),
            points=pl.DataFrame(
                schema={"ts_us": pl.Int64(), "lat": pl.Float64(), "lon": pl.Float64()}
            ),
        )

    @classmethod
    def concat(cls, parts: list[LoiteringCandidates]) -> LoiteringCandidates:
        """Candidates of vessel groups, given in ascending MMSI order, as one."""
        kept = [p for p in parts if p.runs.height]
        if not kept:
            return cls.empty()
        return cls(
            runs=pl.concat([p.runs for p in kept]),
            points=pl.concat([p.points for p in kept]),
        )


@dataclass(frozen=True, slots=True)
class CompanyScreen:
    """Which positions may keep a candidate company: 1 degree cells (a dense table) and
    (hour, 0.1 degree cell) keys at or next to a candidate position."""

    is_wanted_cell: np.ndarray
    fine_keys: pl.Series

    @classmethod
    def of(cls, candidates: LoiteringCandidates) -> CompanyScreen | None:
        """The screen around ``candidates`` (None when there are none)."""
        if candidates.runs.height == 0:
            return None
        lat = candidates.points["lat"].to_numpy()
        lon = candidates.points["lon"].to_numpy()
        is_wanted_cell = np.zeros(181 * 360, dtype=bool)
        cy, cx = np.divmod(np.unique(_degree_cell(lat, lon)), 360)
        for dy in (-1, 0, 1):  # 9 neighbour offsets, each vectorised over cells
            for dx in (-1, 0, 1):
                is_wanted_cell[np.clip(cy + dy, 0, 180) * 360 + (cx + dx) % 360] = True
        fine = _neighbour_keys(candidates.points["ts_us"].to_numpy(), lat, lon, 10)
        return cls(is_wanted_cell=is_wanted_cell, fine_keys=fine)


def loitering_candidates(
    positions: pl.DataFrame | pl.LazyFrame, params: LoiteringParams, context: GeoContext
) -> LoiteringCandidates:
    """The first step of ``detect_loitering``: each vessel's slow runs far from shore.

    Per vessel, so groups of vessels may be done apart and joined with
    ``LoiteringCandidates.concat`` (in ascending MMSI order). Needs ``mmsi``, ``ts``,
    ``lat``, ``lon``, ``sog_knots`` and ``msg_type`` only.

    Raises
    ------
    ConfigError
        When ``context.shore`` is None.
    """
    if context.shore is None:
        raise ConfigError(
            "detect_loitering needs a shore distance grid: pass "
            "GeoContext(shore=darkfleet.reference.shore.load_shore_grid(), ...)"
        )
    frame = sorted_positions(
        positions, drop_msg_types=(9,), columns=("mmsi", "ts", "lat", "lon", "sog_knots")
    )
    if frame.height == 0:
        return LoiteringCandidates.empty()
    mmsi = frame["mmsi"].to_numpy()
    ts_us = frame["ts"].dt.epoch("us").to_numpy()
    lat = frame["lat"].to_numpy()
    lon = frame["lon"].to_numpy()
    sog = frame["sog_knots"].cast(pl.Float64).to_numpy()
    same = np.zeros(len(mmsi), dtype=bool)
    same[1:] = mmsi[1:] == mmsi[:-1]
    dt_us = np.zeros(len(mmsi), dtype=np.int64)
    dt_us[1:] = ts_us[1:] - ts_us[:-1]
    missing = ~np.isfinite(sog)
    if missing.any():
        step_m = np.zeros(len(mmsi))
        step_m[1:] = haversine_m_np(lat[:-1], lon[:-1], lat[1:], lon[1:])
        with np.errstate(divide="ignore", invalid="ignore"):
            implied = np.where(same & (dt_us > 0), step_m / (dt_us / 1e6) / MPS_PER_KNOT, np.nan)
        sog = np.where(missing, implied, sog)
    with np.errstate(invalid="ignore"):
        is_slow_offshore = sog < params.max_speed_knots
    slow_rows = np.flatnonzero(is_slow_offshore)  # the grid is looked up for slow rows only
    shore_km = np.full(len(mmsi), np.nan)
    shore_km[slow_rows] = context.shore.lookup_km(lat[slow_rows], lon[slow_rows])
    with np.errstate(invalid="ignore"):
        is_slow_offshore &= shore_km >= params.min_shore_distance_nm * KM_PER_NM
    max_interval_us = params.max_interval // timedelta(microseconds=1)
    prev_ok = np.zeros(len(mmsi), dtype=bool)
    prev_ok[1:] = is_slow_offshore[:-1]
    new_run = ~same | ~prev_ok | (dt_us > max_interval_us)
    run_id = np.cumsum(new_run)
    rows = np.flatnonzero(is_slow_offshore)
    if len(rows) == 0:
        return LoiteringCandidates.empty()
    # rows are sorted by (mmsi, ts), so each run is a contiguous slice of ``rows``:
    # reduced with np.*.reduceat (no hashing; sums in row order, whatever the grouping)
    first = np.flatnonzero(np.r_[True, run_id[rows][1:] != run_id[rows][:-1]])
    last = np.r_[first[1:], len(rows)] - 1
    count = last - first + 1
    start_us, end_us = ts_us[rows][first], ts_us[rows][last]
    is_long = end_us - start_us >= params.min_duration // timedelta(microseconds=1)
    if not is_long.any():
        return LoiteringCandidates.empty()

    def mean(values: np.ndarray) -> np.ndarray:
        means = np.add.reduceat(values[rows], first) / count
        return np.asarray(means[is_long], dtype=np.float64)

    runs = pl.DataFrame(
        {
            "mmsi": mmsi[rows][first][is_long],
            "start_us": start_us[is_long],
            "end_us": end_us[is_long],
            "start_lat": lat[rows][first][is_long],
            "start_lon": lon[rows][first][is_long],
            "end_lat": lat[rows][last][is_long],
            "end_lon": lon[rows][last][is_long],
            "lat": mean(lat),
            "lon": mean(lon),
            "mean_sog_knots": mean(sog),
            "shore_km": np.minimum.reduceat(shore_km[rows], first)[is_long],
            "n_positions": count[is_long].astype(np.int64),
        }
    )
    candidate_rows = rows[np.repeat(is_long, count)]
    return LoiteringCandidates(
        runs=runs,
        points=pl.DataFrame(
            {"ts_us": ts_us[candidate_rows], "lat": lat[candidate_rows], "lon": lon[candidate_rows]}
        ),
    )


def company_nearby(positions: pl.DataFrame | pl.LazyFrame, screen: CompanyScreen) -> pl.DataFrame:
    """The second step of ``detect_loitering``: positions that may be a candidate's company.

    A filter per position, so groups of vessels may be screened apart and concatenated
    (in ascending MMSI order). Only positions in a wanted 1 degree cell are keyed.
    """
    frame = sorted_positions(
        positions, drop_msg_types=(9,), columns=("mmsi", "ts", "lat", "lon", "sog_knots")
    )
    if frame.height == 0:
        return frame
    cell = _degree_cell(frame["lat"].to_numpy(), frame["lon"].to_numpy())
    near_cells = frame.filter(pl.Series(screen.is_wanted_cell[cell]))
    return near_cells.filter(_coarse_key_expr(10).is_in(screen.fine_keys.implode()))


def loitering_from_candidates(
    candidates: LoiteringCandidates, nearby: pl.DataFrame | None, params: LoiteringParams
) -> pl.DataFrame:
    """The last step of ``detect_loitering``: drop accompanied runs and build the events.

    ``nearby`` is ``company_nearby`` of every vessel's positions (None without candidates).
    """
    fingerprint = params_fingerprint(params)
    empty = finish_events(schema.empty(schema.EVENTS), "loitering", fingerprint)
    if candidates.runs.height == 0 or nearby is None:
        return empty
    runs = candidates.runs.with_row_index("run").with_columns(pl.col("run").cast(pl.Int64))
    runs = runs.filter(~_has_company(nearby, runs, params))
    if runs.height == 0:
        return empty
    raw = runs.with_columns(
        pl.col("start_us").cast(pl.Datetime("us", "UTC")).alias("start_ts"),
        pl.col("end_us").cast(pl.Datetime("us", "UTC")).alias("end_ts"),
    )
    details = details_json(
        {
            "duration_h": ((pl.col("end_us") - pl.col("start_us")) / 3.6e9).round(3),
            "mean_sog_knots": pl.col("mean_sog_knots").round(3),
            "distance_from_shore_nm": (pl.col("shore_km") / KM_PER_NM).round(3),
            "n_positions": pl.col("n_positions"),
            "start": sorted_struct(
                {
                    "lat": pl.col("start_lat").round(6),
                    "lon": pl.col("start_lon").round(6),
                    "ts": iso_ts(pl.col("start_ts")),
                }
            ),
            "end": sorted_struct(
                {
                    "lat": pl.col("end_lat").round(6),
                    "lon": pl.col("end_lon").round(6),
                    "ts": iso_ts(pl.col("end_ts")),
                }
            ),
        }
    )
    return finish_events(raw.with_columns(details), "loitering", fingerprint)


def _degree_cell(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Index of the 1 degree cell (181 rows x 360 columns) holding each point."""
    row = np.clip((lat + 90.0).astype(np.int64), 0, 180)
    col = (lon + 180.0).astype(np.int64) % 360
    return np.asarray(row * 360 + col, dtype=np.int64)


def _coarse_key(
    ts_us: np.ndarray, lat: np.ndarray, lon: np.ndarray, cells_per_deg: int
) -> np.ndarray:
    """One int64 per (hour, lat cell, lon cell) with ``cells_per_deg`` cells per degree.

    Longitude cells wrap at the antimeridian (neighbours of the last cell include cell 0).
    """
    hour = ts_us // 3_600_000_000
    cy = ((lat + 90.0) * cells_per_deg).astype(np.int64) + 1  # >= 1: neighbours stay >= 0
    cx = ((lon + 180.0) * cells_per_deg).astype(np.int64) % (360 * cells_per_deg)
    return (hour * 2048 + cy) * 4096 + cx


def _coarse_key_expr(cells_per_deg: int) -> pl.Expr:
    """``_coarse_key`` as a Polars expression (one multi-threaded pass over the frame)."""
    hour = pl.col("ts").dt.epoch("us") // 3_600_000_000
    cy = ((pl.col("lat") + 90.0) * cells_per_deg).cast(pl.Int64) + 1
    cx = ((pl.col("lon") + 180.0) * cells_per_deg).cast(pl.Int64) % (360 * cells_per_deg)
    return (hour * 2048 + cy) * 4096 + cx


def _neighbour_keys(
    ts_us: np.ndarray, lat: np.ndarray, lon: np.ndarray, cells_per_deg: int
) -> pl.Series:
    """Keys of the given points' (hour, cell) and of the 26 neighbouring hours and cells."""
    keys = _coarse_key(ts_us, lat, lon, cells_per_deg)
    base = pl.Series(keys[np.concatenate([[True], keys[1:] != keys[:-1]])]).unique().to_numpy()
    hour, rest = np.divmod(base, 2048 * 4096)
    cy, cx = np.divmod(rest, 4096)
    n_cx = 360 * cells_per_deg
    return pl.Series(
        np.concatenate(
            [
                ((hour + dh) * 2048 + cy + dy) * 4096 + (cx + dx) % n_cx
                for dh in (-1, 0, 1)  # 27 neighbour offsets, each vectorised over cells
                for dy in (-1, 0, 1)
                for dx in (-1, 0, 1)
            ]
        )
    ).unique()


def _has_company(nearby: pl.DataFrame, runs: pl.DataFrame, params: LoiteringParams) -> np.ndarray:
    """For each run: did another vessel come within the company distance in any bin?

    Only positions near the candidate runs in time and space are binned (``nearby``, from
    ``company_nearby``: positions whose 1 degree cell is a candidate's or a neighbour's,
    then whose (hour, 0.1 degree cell) is). The work follows the candidates, never all
    pairs. A 0.1 degree cell is >= 500 m wide up to 87 degrees latitude.
    """
    bin_us = _BIN // timedelta(microseconds=1)
    binned = bin_positions(nearby, bin_us, params.max_fill // _BIN)
    indexed = binned.with_row_index("_point")
    own = indexed.join(runs.select("mmsi", "start_us", "end_us", "run"), on="mmsi").filter(
        (pl.col("bin") >= pl.col("start_us") // bin_us)
        & (pl.col("bin") <= pl.col("end_us") // bin_us)
    )
    # company: the loiterers' own bins and every bin not under way (unknown speed counts)
    own_points = own["_point"].to_numpy().astype(np.int64)
    keep = ~(binned["sog_knots"] >= params.max_company_speed_knots).fill_null(False).to_numpy()
    keep[own_points] = True
    kept_index = np.cumsum(keep) - 1
    is_near = has_neighbour(
        binned["bin"].to_numpy()[keep],
        binned["lat"].to_numpy()[keep],
        binned["lon"].to_numpy()[keep],
        kept_index[own_points],
        params.max_company_distance_m,
    )
    accompanied_runs = own.filter(pl.Series(is_near))["run"].unique()
    return runs["run"].is_in(accompanied_runs.implode()).to_numpy()
