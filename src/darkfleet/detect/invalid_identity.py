"""Invalid identities: bad IMO numbers, MMSIs outside the ship ranges, unassigned MIDs.

Detect layer, pure: imports only ``schema``, ``errors`` and detect's own modules. The MID
table arrives as a frame (``darkfleet.reference.load_mid_table()`` in the engine).

Definition
----------
MMSIs are classified by their digits (ITU-R M.585-9, Annex 1), written as 9 digits:

==================  ====================  ======================================
form                class                 MID digits
==================  ====================  ======================================
``MIDxxxxxx``       ``ship`` (M = 2..7)   1-3
``00MIDxxxx``       ``coast_station``     3-5
``0MIDxxxxx``       ``group``             2-4
``111MIDxxx``       ``sar_aircraft``      4-6
``8MIDxxxxx``       ``handheld``          2-4 (diver's or handheld VHF)
``98MIDxxxx``       ``craft_associated``  3-5 (a craft carried by a parent ship)
``99MIDxxxx``       ``aton``              3-5 (aid to navigation)
``970xxxxxx``       ``sart``              none (search-and-rescue transmitter)
``972xxxxxx``       ``mob``               none (man-overboard device)
``974xxxxxx``       ``epirb``             none (EPIRB-AIS)
anything else       ``invalid``           none
==================  ====================  ======================================

Stations that are not ships are classified, not flagged. Rules, one event per (MMSI,
rule, value):

- ``mmsi_invalid``: the MMSI fits none of the forms (e.g. ``123456789``, more than 9
  digits, negative);
- ``mid_unassigned``: the MMSI's MID is not in the MID table (e.g. ``111111111``,
  ``999999999``, a ship MMSI starting ``200``);
- ``imo_check_digit``: a reported 7-digit IMO number fails its check digit (the digits
  1-6 weighted 7, 6, 5, 4, 3, 2; the sum's last digit must equal digit 7; IMO resolution
  A.1078(28));
- ``imo_format``: a reported IMO that is not 7 digits (0, "not available", is ignored).

An MMSI event spans the first to the last message of the MMSI (positions and static
reports); an IMO event spans the first to the last report of that IMO by that MMSI.
``lat``/``lon``: the vessel's position nearest in time to the event's start, within
``position_tolerance``, else null.

Evidence (``details``)
----------------------
``rule``, ``value`` (the MMSI or IMO as digits), ``mmsi_class``, ``mid`` (null when the
form has none), ``n_reports`` (messages behind the event), ``expected_check_digit`` (for
``imo_check_digit``), ``reason`` (one sentence).

Known false positives
---------------------
- New MIDs assigned after the table was built (update the reference data).
- Inland vessels in Europe that put their 8-digit ENI in the IMO field (``imo_format``).
- Receivers' test transmitters and AIS base-station test MMSIs.
- Corrupted messages that pass the NMEA checksum (rare, single reports).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import polars as pl

from darkfleet import schema
from darkfleet.detect._events import finish_events, params_fingerprint
from darkfleet.detect._evidence import iso_ts, json_object, nearest_positions
from darkfleet.errors import ConfigError

__all__ = [
    "InvalidIdentityParams",
    "classify_mmsi",
    "detect_invalid_identities",
    "imo_check_digit",
    "is_valid_imo",
    "mmsi_mid",
]

#: The position columns read (when and which vessel reported).
_SEEN_AT: Final = {"mmsi": schema.POSITIONS["mmsi"], "ts": schema.POSITIONS["ts"]}

EVENT_TYPE = "invalid_identity"
MID_TABLE_COLUMNS: dict[str, pl.DataType] = {"mid": pl.Int16()}


@dataclass(frozen=True, slots=True, kw_only=True)
class InvalidIdentityParams:
    """Parameters of ``detect_invalid_identities``."""

    position_tolerance: timedelta = timedelta(hours=24)  # analyst: where the problem was seen

    def __post_init__(self) -> None:
        """Reject out-of-range values, naming the field, value, range and unit."""
        if self.position_tolerance < timedelta(0):
            raise ConfigError(
                "detect.invalid_identity.position_tolerance must be >= 0, got "
                f"{self.position_tolerance}; give e.g. 24h"
            )


def _digits(mmsi: pl.Expr) -> pl.Expr:
    return mmsi.cast(pl.String).str.zfill(9)


def classify_mmsi(mmsi: pl.Expr) -> pl.Expr:
    """Class of each MMSI by its digits (see the module docstring's table).

    Examples
    --------
    >>> frame = pl.DataFrame({"mmsi": [273_000_001, 2_730_001, 992_731_234, 970_123_456, 123_456_789]})
    >>> frame.select(classify_mmsi(pl.col("mmsi"))).to_series().to_list()
    ['ship', 'coast_station', 'aton', 'sart', 'invalid']
    """
    digits = _digits(mmsi)
    return (
        pl.when((mmsi < 0) | (mmsi > 999_999_999))
        .then(pl.lit("invalid"))
        .when(digits.str.slice(0, 1).is_in(["2", "3", "4", "5", "6", "7"]))
        .then(pl.lit("ship"))
        .when(digits.str.starts_with("00"))
        .then(pl.lit("coast_station"))
        .when(digits.str.starts_with("0"))
        .then(pl.lit("group"))
        .when(digits.str.starts_with("111"))
        .then(pl.lit("sar_aircraft"))
        .when(digits.str.starts_with("8"))
        .then(pl.lit("handheld"))
        .when(digits.str.starts_with("98"))
        .then(pl.lit("craft_associated"))
        .when(digits.str.starts_with("99"))
        .then(pl.lit("aton"))
        .when(digits.str.starts_with("970"))
        .then(pl.lit("sart"))
        .when(digits.str.starts_with("972"))
        .then(pl.lit("mob"))
        .when(digits.str.starts_with("974"))
        .then(pl.lit("epirb"))
        .otherwise(pl.lit("invalid"))
    )


def mmsi_mid(mmsi: pl.Expr) -> pl.Expr:
    """The MID inside an MMSI (Int16), null for forms without one.

    Examples
    --------
    >>> frame = pl.DataFrame({"mmsi": [273_000_001, 2_730_001, 111_273_001, 970_123_456]})
    >>> frame.select(mmsi_mid(pl.col("mmsi"))).to_series().to_list()
    [273, 273, 273, None]
    """
    digits = _digits(mmsi)
    start = (
        pl.when(classify_mmsi(mmsi) == "ship")
        .then(0)
        .when(classify_mmsi(mmsi).is_in(["coast_station", "craft_associated", "aton"]))
        .then(2)
        .when(classify_mmsi(mmsi).is_in(["group", "handheld"]))
        .then(1)
        .when(classify_mmsi(mmsi) == "sar_aircraft")
        .then(3)
    )
    return digits.str.slice(start, 3).cast(pl.Int16, strict=False)


def imo_check_digit(imo: pl.Expr) -> pl.Expr:
    """Expected last digit of a 7-digit IMO number: sum of digits 1-6 x (7..2), mod 10.

    Examples
    --------
    >>> frame = pl.DataFrame({"imo": [9161003, 9074729]})
    >>> frame.select(imo_check_digit(pl.col("imo"))).to_series().to_list()
    [3, 9]
    """
    total = pl.lit(0, dtype=pl.Int64)
    for k in range(1, 7):  # six digits, not rows: the expression stays vectorised
        total = total + ((imo // 10 ** (7 - k)) % 10) * (8 - k)
    return (total % 10).cast(pl.Int8)


def is_valid_imo(imo: pl.Expr) -> pl.Expr:
    """True for a 7-digit IMO number whose check digit is right.

    Examples
    --------
    >>> frame = pl.DataFrame({"imo": [9161003, 9161004, 123]})
    >>> frame.select(is_valid_imo(pl.col("imo"))).to_series().to_list()
    [True, False, False]
    """
    return imo.is_between(1_000_000, 9_999_999) & ((imo % 10) == imo_check_digit(imo))


def detect_invalid_identities(
    statics: pl.DataFrame | pl.LazyFrame,
    positions: pl.DataFrame | pl.LazyFrame | None,
    params: InvalidIdentityParams,
    mid_table: pl.DataFrame,
) -> pl.DataFrame:
    """Flag bad IMO numbers, MMSIs outside every MMSI form and unassigned MIDs.

    Parameters
    ----------
    statics
        ``schema.STATICS`` rows (not modified).
    positions
        ``schema.POSITIONS`` rows, or None: MMSIs seen only in positions are checked too,
        and events get a nearby position.
    params
        Position tolerance.
    mid_table
        Assigned MIDs: a frame with column ``mid`` (Int16), e.g.
        ``darkfleet.reference.load_mid_table()``.

    Returns
    -------
    ``schema.EVENTS`` with ``type = "invalid_identity"``, one event per (MMSI, rule,
    value); ``details`` as in the module docstring.

    Raises
    ------
    SchemaError
        A frame lacks a column or has a wrong dtype.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> statics = schema.conform(pl.DataFrame({"mmsi": [273_000_001, 123_456_789],
    ...     "ts": [datetime(2023, 9, 1, tzinfo=UTC)] * 2, "imo": [9161004, 9161003]}),
    ...     schema.STATICS)
    >>> mids = pl.DataFrame({"mid": [273]}, schema={"mid": pl.Int16})
    >>> events = detect_invalid_identities(statics, None, InvalidIdentityParams(), mids)
    >>> sorted(events["details"].str.json_path_match("$.rule").to_list())
    ['imo_check_digit', 'mmsi_invalid']

    Notes
    -----
    Known false positives: MIDs newer than the table, ENI numbers in the IMO field, test
    transmitters, rare corrupted messages.
    """
    schema.require(statics, schema.STATICS, what="statics")
    if positions is not None:
        schema.require(positions, _SEEN_AT, what="positions")
    schema.require(mid_table, MID_TABLE_COLUMNS, what="mid_table")
    sightings = [statics.lazy().select("mmsi", "ts")]
    if positions is not None:
        sightings.append(positions.lazy().select("mmsi", "ts"))
    vessels = (
        pl.concat(sightings)
        .filter(pl.col("mmsi").is_not_null() & pl.col("ts").is_not_null())
        .group_by("mmsi")
        .agg(
            pl.col("ts").min().alias("start_ts"),
            pl.col("ts").max().alias("end_ts"),
            pl.len().alias("n_reports"),
        )
        .with_columns(
            classify_mmsi(pl.col("mmsi")).alias("mmsi_class"),
            mmsi_mid(pl.col("mmsi")).alias("mid"),
        )
        .collect()
    )
    assigned = mid_table.select(pl.col("mid").cast(pl.Int16)).unique()
    is_assigned = pl.col("mid").is_in(assigned["mid"].implode())
    mmsi_events = pl.concat(
        [
            vessels.filter(pl.col("mmsi_class") == "invalid").with_columns(
                rule=pl.lit("mmsi_invalid"),
                reason=pl.lit(
                    "the MMSI fits no ITU-R M.585 form (ship MMSIs are 9 digits MIDxxxxxx, MID 201-775)"
                ),
            ),
            vessels.filter(pl.col("mid").is_not_null() & ~is_assigned).with_columns(
                rule=pl.lit("mid_unassigned"),
                reason=pl.format(
                    "MID {} is not assigned to any country in the ITU table", pl.col("mid")
                ),
            ),
        ]
    ).select(
        "mmsi",
        "start_ts",
        "end_ts",
        "n_reports",
        "mmsi_class",
        "mid",
        "rule",
        pl.col("mmsi").cast(pl.String).alias("value"),
        pl.lit(None, dtype=pl.Int8).alias("expected_check_digit"),
        "reason",
    )

    imos = (
        statics.lazy()
        .select("mmsi", "ts", "imo")
        .filter(pl.col("mmsi").is_not_null() & pl.col("ts").is_not_null() & (pl.col("imo") != 0))
        .group_by("mmsi", "imo")
        .agg(
            pl.col("ts").min().alias("start_ts"),
            pl.col("ts").max().alias("end_ts"),
            pl.len().alias("n_reports"),
        )
        .filter(~is_valid_imo(pl.col("imo")))
        .with_columns(
            is_seven=pl.col("imo").is_between(1_000_000, 9_999_999),
            mmsi_class=classify_mmsi(pl.col("mmsi")),
            mid=mmsi_mid(pl.col("mmsi")),
            expected=imo_check_digit(pl.col("imo")),
        )
        .select(
            "mmsi",
            "start_ts",
            "end_ts",
            "n_reports",
            "mmsi_class",
            "mid",
            pl.when("is_seven")
            .then(pl.lit("imo_check_digit"))
            .otherwise(pl.lit("imo_format"))
            .alias("rule"),
            pl.col("imo").cast(pl.String).alias("value"),
            pl.when("is_seven").then(pl.col("expected")).alias("expected_check_digit"),
            pl.when("is_seven")
            .then(
                pl.format(
                    "IMO {} fails its check digit: digits 1-6 weighted 7..2 give {}, the number ends in {}",
                    pl.col("imo"),
                    pl.col("expected"),
                    pl.col("imo") % 10,
                )
            )
            .otherwise(pl.format("IMO {} is not a 7-digit IMO number", pl.col("imo")))
            .alias("reason"),
        )
        .collect()
    )
    problems = pl.concat([mmsi_events, imos])
    if problems.is_empty():
        return schema.empty(schema.EVENTS)
    problems = nearest_positions(
        problems, positions, on="start_ts", tolerance=params.position_tolerance
    )
    events = problems.select(
        "mmsi",
        "start_ts",
        "end_ts",
        "lat",
        "lon",
        pl.concat_str([pl.col("rule"), pl.lit("|"), pl.col("value")]).alias("event_key"),
        json_object(
            rule=pl.col("rule"),
            value=pl.col("value"),
            mmsi_class=pl.col("mmsi_class"),
            mid=pl.col("mid"),
            n_reports=pl.col("n_reports"),
            expected_check_digit=pl.col("expected_check_digit"),
            reason=pl.col("reason"),
            first_seen_ts=iso_ts(pl.col("start_ts")),
            last_seen_ts=iso_ts(pl.col("end_ts")),
        ).alias("details"),
    )
    return finish_events(events, EVENT_TYPE, params_fingerprint(params))
