from __future__ import annotations

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.errors import SchemaError


def test_require_lists_every_missing_and_mistyped_column() -> None:
    frame = pl.DataFrame({"mmsi": ["x"], "lat": [1.0]})
    with pytest.raises(SchemaError) as info:
        schema.require(frame, schema.POSITIONS, what="positions")
    message = str(info.value)
    assert "column 'mmsi' has dtype String, expected Int64" in message
    assert "missing column 'ts'" in message
    assert "missing column 'lat'" not in message


def test_conform_orders_casts_and_fills_missing_columns() -> None:
    frame = pl.DataFrame({"line_no": [3], "mmsi": [1], "extra": ["dropped"]})
    out = schema.conform(frame, schema.POSITIONS)
    assert out.columns == list(schema.POSITIONS)
    assert out["mmsi"].to_list() == [1]
    assert out["lat"].to_list() == [None]
    schema.require(out, schema.POSITIONS)


def test_empty_frames_have_the_full_schema() -> None:
    for s in (schema.POSITIONS, schema.STATICS, schema.OTHERS, schema.REJECTS, schema.EVENTS):
        frame = schema.empty(s)
        assert frame.height == 0
        schema.require(frame, s)
