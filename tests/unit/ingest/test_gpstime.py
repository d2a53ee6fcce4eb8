from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from darkfleet.ingest.nmea.gpstime import parse_gps_times


def _frame(*raws: str) -> pl.DataFrame:
    return pl.DataFrame({"line_no": list(range(1, len(raws) + 1)), "raw": list(raws)})


def test_rmc_and_zda_give_utc_times_with_fractions() -> None:
    times = parse_gps_times(
        _frame(
            "$GPRMC,195719.50,A,5310.8115,N,00525.7025,E,0.0,0.0,160414,0.7,E,A*3B",
            "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
            "$IIZDA,000001,01,01,2024,00,00*5A",
        )
    )
    assert times["line_no"].to_list() == [1, 3]
    assert times["gps_ts"].to_list() == [
        datetime(2014, 4, 16, 19, 57, 19, 500000, tzinfo=UTC),
        datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC),
    ]


def test_invalid_fixes_and_impossible_dates_give_no_time() -> None:
    times = parse_gps_times(
        _frame(
            "$GPRMC,195719,V,5310.8115,N,00525.7025,E,0.0,0.0,160414,0.7,E,A*07",  # V: no fix
            "$GPRMC,195719,A,5310.8115,N,00525.7025,E,0.0,0.0,,0.7,E,A*16",  # no date
            "$GPZDA,256000,16,04,2014,-02,00*62",  # hour 25
            "$GPZDA,120000,31,02,2014,-02,00*63",  # 31 February
            "$GPZDA,120000,16,13,2014,-02,00*66",  # month 13
        )
    )
    assert times.height == 0


def test_two_digit_rmc_years_map_into_the_gps_era() -> None:
    times = parse_gps_times(_frame("$GPRMC,000000,A,0000.0,N,00000.0,E,0,0,010199,,,A*70"))
    assert times["gps_ts"].to_list() == [datetime(1999, 1, 1, tzinfo=UTC)]


def test_a_fix_with_a_wrong_checksum_is_not_trusted() -> None:
    good = "$GPZDA,120130,16,04,2014,-02,00*62"
    assert parse_gps_times(_frame(good)).height == 1
    assert parse_gps_times(_frame(good[:-2] + "63")).height == 0
    assert parse_gps_times(_frame(good[:-3])).height == 0  # no checksum at all
