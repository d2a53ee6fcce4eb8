"""Encounter detector (detect layer: pure; imports only schema, units, errors and detect/_*).

Definition (Global Fishing Watch's encounter events, DESIGN.md)
----------------------------------------------------------------
Two vessels *meet* when, in consecutive 10-minute bins, their positions are within
``max_distance_m`` (500 m) of each other for at least ``min_duration`` (2 h), the median
speed of each vessel over those bins is below ``max_median_speed_knots`` (2 kn), and every
bin of the encounter lies at least ``min_port_distance_km`` (10 km) from any port point in
``context.port_index`` (meetings in port are normal cargo work).

Resampling: each vessel's positions are averaged per 10-minute bin (mean lat, lon and SOG
of its reports in the bin); holes of up to ``max_fill`` (2 h) are filled by linear
interpolation between the neighbouring bins, so a class B vessel reporting every few
minutes, or a missed satellite pass, does not break an encounter. Bins without SOG take the speed
implied by the positions. Aircraft (AIS message type 9) are ignored. Bins in which a
vessel makes ``max_pair_speed_knots`` (5 kn) or more are not paired (two ships under way
are not transferring cargo); such a bin ends an encounter.

Pairing: near pairs are found per bin with a KD-tree over Earth-centred coordinates plus a
time axis that separates bins (``detect/_bins.py``): the equivalent of a time-bin and
spatial-cell join with neighbouring cells; all pairs are never compared.

Event: one per pair and encounter. ``mmsi`` is the smaller MMSI, ``other_mmsi`` the larger:
**a consumer asking "which encounters did vessel X have" must look in both columns.**
``lat``/``lon`` is the mean midpoint of the pair; ``start_ts`` is the later of the two
vessels' first reports in the first bin together, ``end_ts`` the earlier of their last
reports in the last bin (the middle of a bin filled by interpolation), and the duration
rule applies to ``end_ts - start_ts``. ``details``: ``duration_h``, ``n_bins``, ``n_filled_bins``,
``median_distance_m``, ``median_sog_knots`` and ``other_median_sog_knots`` (for ``mmsi`` and
``other_mmsi``), ``distance_to_port_km`` (closest port point during the encounter; null
when ``context`` has no ports or none within 1000 km).

Known false positives
---------------------
- Vessels anchored close together at an offshore anchorage not in the port gazetteer.
- Tugs, pilot boats and tenders working with a ship; fishing pair trawlers (two boats
  towing one net); naval or coast-guard escorts.
- Two AIS units on one ship (e.g. a tanker and its own lifeboat or a spare transponder), or
  one MMSI reused by two transceivers on the same ship.
- Within-port meetings in ports missing from the gazetteer (add them with ``--ports``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect._bins import bin_positions, iter_near_pairs
from darkfleet.detect._events import finish_events, params_fingerprint
from darkfleet.detect._geo import haversine_m_np
from darkfleet.detect._prep import check_duration, check_positive, details_json, sorted_positions
from darkfleet.detect.context import GeoContext
from darkfleet.errors import ConfigError

__all__ = ["EncounterParams", "detect_encounters", "encounter_bins", "encounters_from_bins"]

_OWNER = "detect.encounter"
_BIN = timedelta(minutes=10)  # GFW resamples AIS to 10-minute intervals for encounters.
_PORT_REPORT_RADIUS_KM = 1000.0


@dataclass(frozen=True, slots=True, kw_only=True)
class EncounterParams:
    """Parameters of ``detect_encounters`` (every default is a claim; sources in comments)."""

    # GFW encounters: vessels within 500 metres.
    max_distance_m: float = 500.0
    # GFW encounters: for at least 2 hours.
    min_duration: timedelta = timedelta(hours=2)
    # GFW encounters: median speed below 2 knots.
    max_median_speed_knots: float = 2.0
    # GFW encounters: at least 10 km from a coastal anchorage.
    min_port_distance_km: float = 10.0
    # Analyst decision: a bin in which a vessel makes 5 kn or more (under way) is never
    # paired: two ships under way 500 m apart are overtaking or in convoy, not
    # transferring; it also keeps the pair search small. A faster bin breaks an encounter.
    max_pair_speed_knots: float = 5.0
    # Analyst decision: interpolate across holes up to 2 h. Out of coastal range a ship is
    # heard only on satellite passes (about one an hour); one missed pass leaves a hole of
    # up to 2 h. With 1 h, `darkfleet evaluate` missed a planted 6 h transfer off Rajin
    # (issue 3). Longer holes are gaps (>= 6 h), not noise; loitering allows 2 h too.
    max_fill: timedelta = timedelta(hours=2)

    def __post_init__(self) -> None:
        """Validate every field (ConfigError names field, value, range and unit)."""
        check_positive(_OWNER, "max_distance_m", self.max_distance_m, "m", upper=50_000.0)
        check_duration(
            _OWNER, "min_duration", self.min_duration, lower=timedelta(0), upper=timedelta(days=30)
        )
        check_positive(
            _OWNER, "max_median_speed_knots", self.max_median_speed_knots, "knots", upper=50.0
        )
        check_positive(
            _OWNER, "max_pair_speed_knots", self.max_pair_speed_knots, "knots", upper=100.0
        )
        if self.max_pair_speed_knots < self.max_median_speed_knots:
            raise ConfigError(
                f"{_OWNER}.max_pair_speed_knots ({self.max_pair_speed_knots} knots) must be >= "
                f"max_median_speed_knots ({self.max_median_speed_knots} knots)"
            )
        if (
            not isinstance(self.min_port_distance_km, int | float)
            or isinstance(self.min_port_distance_km, bool)
            or not (0 <= self.min_port_distance_km <= 500)
        ):
            raise ConfigError(
                f"{_OWNER}.min_port_distance_km must be >= 0 and <= 500 km, got "
                f"{self.min_port_distance_km!r}; give a distance in km (0 keeps in-port meetings)"
            )
        if not isinstance(self.max_fill, timedelta) or not (
            timedelta(0) <= self.max_fill <= timedelta(hours=12)
        ):
            raise ConfigError(
                f"{_OWNER}.max_fill must be a timedelta >= 0 and <= 12:00:00, got "
                f'{self.max_fill!r}; e.g. timedelta(hours=1) (in TOML: "1h")'
            )


@dataclass(frozen=True, slots=True)
class _BinArrays:
    """The columns of the binned positions the pair rows are built from."""

    mmsi: np.ndarray
    bins: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    sog: np.ndarray
    is_filled: np.ndarray
    first_us: np.ndarray
    last_us: np.ndarray

    @classmethod
    def of(cls, binned: pl.DataFrame) -> _BinArrays:
        """Take the arrays out of a ``bin_positions`` frame."""
        return cls(
            mmsi=binned["mmsi"].to_numpy(),
            bins=binned["bin"].to_numpy(),
            lat=binned["lat"].to_numpy(),
            lon=binned["lon"].to_numpy(),
            sog=binned["sog_knots"].cast(pl.Float64).to_numpy(),
            is_filled=binned["n_positions"].to_numpy() == 0,
            first_us=binned["first_us"].to_numpy(),
            last_us=binned["last_us"].to_numpy(),
        )


def _together(
    bins: _BinArrays, pairs: np.ndarray, params: EncounterParams, context: GeoContext
) -> pl.DataFrame:
    """One row per near pair away from ports: the pair (smaller MMSI first) in one bin."""
    mmsi, lat, lon = bins.mmsi, bins.lat, bins.lon
    swap = mmsi[pairs[:, 0]] > mmsi[pairs[:, 1]]
    lo = np.where(swap, pairs[:, 1], pairs[:, 0])
    hi = np.where(swap, pairs[:, 0], pairs[:, 1])
    mid_lat = (lat[lo] + lat[hi]) / 2.0
    mid_lon = lon[lo] + ((lon[hi] - lon[lo] + 540.0) % 360.0 - 180.0) / 2.0
    port_km = np.full(len(lo), np.inf)
    if context.port_index.size:
        _, port_m = context.port_index.nearest(
            mid_lat, mid_lon, max_distance_m=_PORT_REPORT_RADIUS_KM * 1000.0
        )
        port_km = port_m / 1000.0
    away = port_km >= params.min_port_distance_km
    lo, hi = lo[away], hi[away]
    return pl.DataFrame(
        {
            "mmsi": mmsi[lo],
            "other_mmsi": mmsi[hi],
            "bin": bins.bins[lo],
            "distance_m": haversine_m_np(lat[lo], lon[lo], lat[hi], lon[hi]),
            "sog": bins.sog[lo],
            "other_sog": bins.sog[hi],
            "lat": mid_lat[away],
            "lon": (mid_lon[away] + 540.0) % 360.0 - 180.0,
            "port_km": port_km[away],
            "is_filled": bins.is_filled[lo] | bins.is_filled[hi],
            "both_from_us": np.maximum(bins.first_us[lo], bins.first_us[hi]),
            "both_until_us": np.minimum(bins.last_us[lo], bins.last_us[hi]),
        }
    )


def detect_encounters(
    positions: pl.DataFrame | pl.LazyFrame, params: EncounterParams, context: GeoContext
) -> pl.DataFrame:
    """Find pairs of vessels that stay together, slowly, away from ports, for hours.

    Parameters
    ----------
    positions
        ``schema.POSITIONS`` frame (any order; rows without ts/lat/lon are ignored).
    params
        ``EncounterParams``; defaults follow Global Fishing Watch (500 m, 2 h, 2 kn, 10 km).
    context
        Ports (``context.port_index``); an empty gazetteer disables the port rule.

    Returns
    -------
    pl.DataFrame
        ``schema.EVENTS`` rows of type ``encounter`` with ``other_mmsi``; details in the
        module docstring.

    Raises
    ------
    SchemaError
        When ``positions`` lacks a canonical column.

    Examples
    --------
    >>> from darkfleet.testing import make_track
    >>> a = make_track(mmsi=1, n=20, step=timedelta(minutes=10), sog_knots=0.0)
    >>> b = make_track(mmsi=2, n=20, step=timedelta(minutes=10), sog_knots=0.0, lat=42.001)
    >>> events = detect_encounters(pl.concat([a, b]), EncounterParams(), GeoContext())
    >>> events.select("mmsi", "other_mmsi").row(0)
    (1, 2)

    Notes
    -----
    See the module docstring for the definition and known false positives.
    """
    return encounters_from_bins(encounter_bins(positions, params, context), params, context)


def encounter_bins(
    positions: pl.DataFrame | pl.LazyFrame, params: EncounterParams, context: GeoContext
) -> pl.DataFrame:
    """The first step of ``detect_encounters``: each vessel's bins that may pair.

    Vessels are binned independently, so the bins of a set of vessels are the rows of
    each vessel's bins: callers may bin groups of vessels apart (in bounded memory) and
    concatenate the groups, in ascending MMSI order, before ``encounters_from_bins``.
    Needs ``mmsi``, ``ts``, ``lat``, ``lon``, ``sog_knots`` and ``msg_type`` only.

    Returns
    -------
    pl.DataFrame
        ``bin_positions`` rows (sorted by mmsi, bin) below ``max_pair_speed_knots`` and not
        so close to a port that every pair would be inside ``min_port_distance_km``.
    """
    frame = sorted_positions(
        positions, drop_msg_types=(9,), columns=("mmsi", "ts", "lat", "lon", "sog_knots")
    )
    bin_us = _BIN // timedelta(microseconds=1)
    binned = bin_positions(frame, bin_us, params.max_fill // _BIN).filter(
        pl.col("sog_knots").is_null() | (pl.col("sog_knots") < params.max_pair_speed_knots)
    )
    if context.port_index.size and params.min_port_distance_km * 1000.0 > params.max_distance_m:
        # A pair's midpoint lies within max_distance_m / 2 of each vessel: a bin closer to
        # a port than min_port_distance_km - max_distance_m pairs only inside the port
        # radius, so it never reaches the pair search (a crowded port stays cheap).
        _, in_port_m = context.port_index.nearest(
            binned["lat"].to_numpy(),
            binned["lon"].to_numpy(),
            max_distance_m=params.min_port_distance_km * 1000.0 - params.max_distance_m,
        )
        binned = binned.filter(pl.Series(np.isinf(in_port_m)))
    return binned


def encounters_from_bins(
    binned: pl.DataFrame, params: EncounterParams, context: GeoContext
) -> pl.DataFrame:
    """The second step of ``detect_encounters``: pair the bins of ``encounter_bins``.

    ``binned`` is sorted by (mmsi, bin), as ``encounter_bins`` (or a concatenation of its
    results for vessel groups in ascending MMSI order) gives it. Returns the events.
    """
    fingerprint = params_fingerprint(params)
    empty = finish_events(schema.empty(schema.EVENTS), "encounter", fingerprint)
    arrays = _BinArrays.of(binned)
    parts = [
        _together(arrays, pairs, params, context)
        for pairs in iter_near_pairs(arrays.bins, arrays.lat, arrays.lon, params.max_distance_m)
    ]
    if not parts:
        return empty
    together = pl.concat(parts).sort(["mmsi", "other_mmsi", "bin"])
    if together.height == 0:
        return empty
    new_run = (
        (pl.col("mmsi") != pl.col("mmsi").shift(1))
        | (pl.col("other_mmsi") != pl.col("other_mmsi").shift(1))
        | (pl.col("bin") != pl.col("bin").shift(1) + 1)
    ).fill_null(True)
    min_duration_us = params.min_duration // timedelta(microseconds=1)
    events = (
        together.with_columns(new_run.cum_sum().alias("run"))
        .group_by("run")
        .agg(
            pl.col("mmsi").first(),
            pl.col("other_mmsi").first(),
            pl.col("both_from_us").first().alias("start_us"),
            pl.col("both_until_us").last().alias("end_us"),
            pl.len().alias("n_bins"),
            pl.col("is_filled").sum().alias("n_filled_bins"),
            pl.col("distance_m").median().alias("median_distance_m"),
            pl.col("sog").median().alias("median_sog_knots"),
            pl.col("other_sog").median().alias("other_median_sog_knots"),
            pl.col("lat").mean(),
            pl.col("lon").mean(),
            pl.col("port_km").min().alias("distance_to_port_km"),
        )
        .filter(
            (pl.col("end_us") - pl.col("start_us") >= min_duration_us)
            & (pl.col("median_sog_knots") < params.max_median_speed_knots)
            & (pl.col("other_median_sog_knots") < params.max_median_speed_knots)
        )
        .with_columns(
            pl.col("start_us").cast(pl.Datetime("us", "UTC")).alias("start_ts"),
            pl.col("end_us").cast(pl.Datetime("us", "UTC")).alias("end_ts"),
        )
    )
    if events.height == 0:
        return empty
    details = details_json(
        {
            "duration_h": ((pl.col("end_us") - pl.col("start_us")) / 3.6e9).round(3),
            "n_bins": pl.col("n_bins"),
            "n_filled_bins": pl.col("n_filled_bins"),
            "median_distance_m": pl.col("median_distance_m").round(1),
            "median_sog_knots": pl.col("median_sog_knots").round(3),
            "other_median_sog_knots": pl.col("other_median_sog_knots").round(3),
            "distance_to_port_km": pl.when(pl.col("distance_to_port_km").is_finite())
            .then(pl.col("distance_to_port_km").round(3))
            .otherwise(None),
        }
    )
    return finish_events(events.with_columns(details), "encounter", fingerprint)
