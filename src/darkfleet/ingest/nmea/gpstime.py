"""UTC times from a GNSS receiver's own sentences (``$--RMC``, ``$--ZDA``) on the same bus.

A boat's NMEA bus mixes AIS with the own ship's GPS sentences and carries no receive time
per line. ``$GPRMC`` (time and date, status ``A`` = valid) and ``$GPZDA`` (time, day,
month, year) give UTC; the AIS lines around them were received at about that time.
Sentence layouts: NMEA 0183 v4.11, sections RMC and ZDA.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from darkfleet.schema import UTC_US

__all__ = ["parse_gps_times"]


def _has_valid_checksum(sentences: pl.Series) -> np.ndarray:
    """XOR of the characters between ``$`` and ``*`` equals the two hex digits after ``*``.

    Vectorised: the sentences become a zero-padded byte matrix (XOR with 0 is a no-op).
    """
    if sentences.len() == 0:
        return np.zeros(0, dtype=bool)
    bodies = sentences.str.extract(r"^\$([^*]*)\*").fill_null("")
    expected = sentences.str.extract(r"\*([0-9A-Fa-f]{2})").str.to_integer(base=16, strict=False)
    width = int(bodies.str.len_bytes().to_numpy().max())
    padded = bodies.str.pad_end(width, "\x00").cast(pl.Binary)
    matrix = np.frombuffer(b"".join(padded.to_list()), dtype=np.uint8).reshape(-1, max(width, 1))
    computed = np.bitwise_xor.reduce(matrix, axis=1) if width else np.zeros(len(bodies), np.uint8)
    return np.asarray(computed == expected.fill_null(-1).to_numpy(), dtype=bool)


# $--RMC,hhmmss.ss,A,llll.ll,a,yyyyy.yy,a,x.x,x.x,ddmmyy,...
_RMC = r"^\$[A-Z]{2}RMC,(\d{2})(\d{2})(\d{2})(?:\.(\d+))?,A,(?:[^,]*,){6}(\d{2})(\d{2})(\d{2}),"
# $--ZDA,hhmmss.ss,dd,mm,yyyy,...
_ZDA = r"^\$[A-Z]{2}ZDA,(\d{2})(\d{2})(\d{2})(?:\.(\d+))?,(\d{2}),(\d{2}),(\d{4}),"


def parse_gps_times(lines: pl.DataFrame) -> pl.DataFrame:
    """Return ``line_no`` and ``gps_ts`` for every valid RMC/ZDA sentence in ``lines``.

    ``lines`` needs ``line_no`` (Int64) and ``raw`` (String). Invalid fixes (RMC status
    ``V``) and impossible dates are skipped; the result is sorted by ``line_no``.

    Examples
    --------
    >>> frame = pl.DataFrame({"line_no": [1, 2], "raw": [
    ...     "$GPRMC,195719,A,5310.8115,N,00525.7025,E,0.0,0.0,160414,0.7,E,A*10",
    ...     "$GPZDA,195720,16,04,2014,-02,00*6B"]})
    >>> parse_gps_times(frame)["gps_ts"].to_list()  # doctest: +NORMALIZE_WHITESPACE
    [datetime.datetime(2014, 4, 16, 19, 57, 19, tzinfo=zoneinfo.ZoneInfo(key='UTC')),
     datetime.datetime(2014, 4, 16, 19, 57, 20, tzinfo=zoneinfo.ZoneInfo(key='UTC'))]
    """
    raw = pl.col("raw")
    rmc = raw.str.extract_groups(_RMC)
    zda = raw.str.extract_groups(_ZDA)

    def _field(groups: pl.Expr, name: str) -> pl.Expr:
        return groups.struct.field(name)

    def _ts(groups: pl.Expr, year: pl.Expr, month: str, day: str) -> pl.Expr:
        # Text, then a non-strict parse: impossible dates (31 February, hour 25) become null.
        fraction = _field(groups, "4").fill_null("0").str.slice(0, 6).str.pad_end(6, "0")
        text = pl.concat_str(
            [
                year,
                pl.lit("-"),
                _field(groups, month),
                pl.lit("-"),
                _field(groups, day),
                pl.lit(" "),
                _field(groups, "1"),
                pl.lit(":"),
                _field(groups, "2"),
                pl.lit(":"),
                _field(groups, "3"),
                pl.lit("."),
                fraction,
            ]
        )
        return text.str.to_datetime(
            "%Y-%m-%d %H:%M:%S.%6f", time_unit="us", time_zone="UTC", strict=False
        )

    # RMC's two-digit year: 80-99 -> 19xx, 00-79 -> 20xx (the GPS era starts in 1980).
    rmc_year = _field(rmc, "7").cast(pl.Int32, strict=False)
    rmc_century = pl.when(rmc_year >= 80).then(pl.lit("19")).otherwise(pl.lit("20"))
    rmc_ts = _ts(rmc, pl.concat_str([rmc_century, _field(rmc, "7")]), "6", "5")
    zda_ts = _ts(zda, _field(zda, "7"), "6", "5")
    candidates = lines.filter(raw.str.contains(r"^\$[A-Z]{2}(?:RMC|ZDA),[^*]*\*[0-9A-Fa-f]{2}"))
    candidates = candidates.filter(pl.Series(_has_valid_checksum(candidates["raw"])))
    return (
        candidates.lazy()
        .select(
            pl.col("line_no"),
            pl.coalesce(rmc_ts, zda_ts).cast(UTC_US).alias("gps_ts"),
        )
        .drop_nulls("gps_ts")
        .sort("line_no")
        .collect()
    )
