"""The ingest pipeline's speed-ups give exactly the serial, naive results."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkfleet.engine.ingest import IngestOptions, _drop_duplicates, _Writer, ingest_paths
from darkfleet.store import ParquetStore

NMEA = Path(__file__).resolve().parents[2] / "data" / "nmea"
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def store_files(root: Path) -> dict[str, bytes]:
    """Every data file of a store (manifest entries hold the run time: left out)."""
    return {
        str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*.parquet"))
    }


@pytest.mark.parametrize("batch_lines", [1_000, 1_000_000])
def test_background_writes_give_the_same_files_as_serial(tmp_path: Path, batch_lines: int) -> None:
    inputs = [str(p) for p in sorted(NMEA.iterdir()) if p.suffix != ".md"]
    results = {}
    for background in (False, True):
        root = tmp_path / f"store-{background}"
        options = IngestOptions(batch_lines=batch_lines, background_writes=background)
        summary = ingest_paths(inputs, ParquetStore(root), options, ingested_at=WHEN)
        results[background] = (store_files(root), [f.to_json() for f in summary.files])
    serial_files, serial_summary = results[False]
    assert serial_files, "the inputs must write parts"
    assert results[True][0] == serial_files
    strip = [{k: v for k, v in s.items() if k != "seconds"} for s in serial_summary]
    assert [{k: v for k, v in s.items() if k != "seconds"} for s in results[True][1]] == strip
    if batch_lines == 1_000:
        assert any("-000001" in name for name in serial_files), "several batches expected"


def test_writer_keeps_order_and_reports_errors_from_its_thread() -> None:
    seen: list[tuple[str, int]] = []

    def write(kind: str, frame: pl.DataFrame) -> None:
        if kind == "rejects":
            raise OSError("disk full")
        seen.append((kind, frame.height))

    writer = _Writer(write, background=True)  # type: ignore[arg-type]
    for i in range(10):
        writer.write("positions", pl.DataFrame({"x": range(i)}))
    writer.write("rejects", pl.DataFrame({"x": [1]}))
    with pytest.raises(OSError, match="disk full"):
        writer.close()
    assert seen == [("positions", i) for i in range(10)]


def test_writer_raises_a_thread_error_at_the_next_write_then_writes_nothing() -> None:
    calls: list[int] = []

    def write(kind: str, frame: pl.DataFrame) -> None:
        calls.append(frame.height)
        raise ValueError("bad frame")

    def write_until_error(writer: _Writer) -> None:
        for _ in range(1_000):  # the error surfaces at a write once the thread has run
            writer.write("positions", pl.DataFrame({"x": [1]}))
            time.sleep(0.001)

    writer = _Writer(write, background=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bad frame"):
        write_until_error(writer)
    writer.close()  # already reported: no second error
    assert calls == [1]


def test_serial_writer_writes_at_once() -> None:
    seen: list[int] = []
    writer = _Writer(lambda kind, frame: seen.append(frame.height), background=False)
    writer.write("positions", pl.DataFrame({"x": [1, 2]}))
    assert seen == [2]
    writer.close()


def reference_drop(messages: pl.DataFrame, window: timedelta) -> list[int]:
    """Rows kept: per (payload, fill bits) in (ts, row) order, drop rows within window."""
    kept = []
    rows = messages.with_row_index("row").rows(named=True)
    last: dict[tuple[str, int], datetime] = {}
    for r in sorted(rows, key=lambda r: (r["payload"], r["fill_bits"], r["ts"], r["row"])):
        key = (r["payload"], r["fill_bits"])
        if key in last and r["ts"] - last[key] <= window:
            last[key] = r["ts"]
            continue
        last[key] = r["ts"]
        kept.append(r["row"])
    return sorted(kept)


@given(
    st.lists(
        st.tuples(st.sampled_from(["A", "B", "C0", "15M"]), st.integers(0, 1), st.integers(0, 200)),
        max_size=40,
    ),
    st.integers(0, 90),
)
def test_drop_duplicates_matches_a_plain_reference(
    rows: list[tuple[str, int, int]], window_s: int
) -> None:
    base = datetime(2024, 3, 1, tzinfo=UTC)
    messages = pl.DataFrame(
        {
            "payload": [p for p, _, _ in rows],
            "fill_bits": [f for _, f, _ in rows],
            "ts": [base + timedelta(seconds=s) for _, _, s in rows],
            "line_no": list(range(len(rows))),
        },
        schema={
            "payload": pl.String,
            "fill_bits": pl.Int8,
            "ts": pl.Datetime("us", "UTC"),
            "line_no": pl.Int64,
        },
    )
    window = timedelta(seconds=window_s)
    kept, dropped = _drop_duplicates(messages, window)
    expected = reference_drop(messages, window)
    assert kept["line_no"].to_list() == expected
    assert dropped == len(rows) - len(expected)
