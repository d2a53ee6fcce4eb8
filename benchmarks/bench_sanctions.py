"""Sanctions screening speed: 100,000 vessels against 20,000 list entries (target < 60 s).

Synthetic but realistic: vessel names are one to three words drawn with Zipf-like
frequencies from a vocabulary of 4,000 made-up words (so common words such as a fleet's
"OCEAN" or "STAR" recur in thousands of names and make big blocks), a fifth with a
number or Roman numeral, some with "M/V" prefixes. Each vessel sends one to three static
reports (a tenth change name), seven in ten report an IMO number. Entries: a fifth copy
a real vessel (by IMO, or by name with a one-letter typo, flag and type), the rest are
new ships with names from the same vocabulary (false friends of many vessels), half
with an IMO number.

Measured: ``identity_periods`` over the static reports, then ``screen_vessels`` (name
blocking, rapidfuzz within blocks on ``--workers`` threads, corroboration, events).

Example::

    python benchmarks/bench_sanctions.py --vessels 100000 --entries 20000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.fuse.identity import identity_periods
from darkfleet.fuse.sanctions.formats import ENTRY_COLUMNS
from darkfleet.fuse.sanctions.match import screen_vessels
from darkfleet.reference import load_mid_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_decode import machine, peak_rss_mb  # noqa: E402

START = datetime(2024, 1, 1, tzinfo=UTC)
MIDS = (273, 445, 351, 352, 353, 636, 538, 477, 412, 440, 431, 229, 248, 215, 538)
FLAGS = {273: "RUS", 445: "PRK", 351: "PAN", 636: "LBR", 538: "MHL", 477: "HKG"}
SYLLABLES = (
    "A KA MA RA SA TA NA LA VO DO GO KO MO NO PO RO SO TO ZO BE DE LE ME NE RE SE TE VE "
    "YA YU RI KI MI NI LI SI TI DI BI ON AN EN IN UN OR AR ER IR UR STAR SEA OCE PAC "
    "GLO NOR SOU EAS WES BAL ARC"
).split()
ROMAN = ("II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def vocabulary(rng: np.random.Generator, size: int) -> tuple[list[str], np.ndarray]:
    """``size`` distinct made-up words and their Zipf-like sampling weights."""
    words: set[str] = {"OCEAN", "STAR", "SEA", "GLORY", "PACIFIC", "NORTHERN", "MARIA"}
    while len(words) < size:
        parts = rng.choice(SYLLABLES, size=int(rng.integers(2, 4)))
        words.add("".join(parts))
    ordered = sorted(words)
    rng.shuffle(ordered)
    weights = 1.0 / np.arange(1, size + 1) ** 0.9
    return ordered, weights / weights.sum()


def make_names(
    rng: np.random.Generator, words: list[str], weights: np.ndarray, n: int
) -> list[str]:
    counts = rng.choice([1, 2, 3], size=n, p=[0.35, 0.5, 0.15])
    picks = rng.choice(len(words), size=int(counts.sum()), p=weights)
    suffix = rng.random(n)
    names: list[str] = []
    at = 0
    for i, count in enumerate(counts):
        name = " ".join(words[k] for k in picks[at : at + count])
        at += count
        if suffix[i] < 0.12:
            name += f" {int(rng.integers(1, 30))}"
        elif suffix[i] < 0.2:
            name += " " + ROMAN[int(rng.integers(len(ROMAN)))]
        elif suffix[i] > 0.97:
            name = "M/V " + name
        names.append(name)
    return names


def typo(rng: np.random.Generator, name: str) -> str:
    """One letter changed, dropped or doubled (not in the first two)."""
    if len(name) < 5:
        return name
    at = int(rng.integers(2, len(name)))
    kind = int(rng.integers(3))
    if kind == 0:
        return name[:at] + "XQZ"[int(rng.integers(3))] + name[at + 1 :]
    if kind == 1:
        return name[:at] + name[at + 1 :]
    return name[:at] + name[at] + name[at:]


def make_imo(rng: np.random.Generator, n: int) -> np.ndarray:
    first = rng.integers(900_000, 999_999, size=n)
    digits = np.stack([(first // 10**p) % 10 for p in range(5, -1, -1)], axis=1)
    check = (digits * np.arange(7, 1, -1)).sum(axis=1) % 10
    return first * 10 + check


def make_fleet(vessels: int, entries: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Static reports of ``vessels`` vessels and ``entries`` list entries."""
    rng = np.random.default_rng(seed)
    words, weights = vocabulary(rng, 4_000)
    names = make_names(rng, words, weights, vessels)
    mids = rng.choice(MIDS, size=vessels)
    mmsi = mids * 1_000_000 + rng.permutation(900_000)[:vessels] + 100_000
    imo = make_imo(rng, vessels)
    has_imo = rng.random(vessels) < 0.7
    ship_type = rng.choice([70, 79, 80, 89, 30, 60, 52], size=vessels)
    length = rng.integers(20, 330, size=vessels)
    reports = rng.integers(1, 4, size=vessels)
    row_vessel = np.repeat(np.arange(vessels), reports)
    renamed = rng.random(vessels) < 0.1
    later_names = make_names(rng, words, weights, vessels)
    order = np.concatenate([np.arange(r) for r in reports])
    report_names = [
        later_names[v] if renamed[v] and k == reports[v] - 1 and k > 0 else names[v]
        for v, k in zip(row_vessel.tolist(), order.tolist(), strict=True)
    ]
    statics = pl.DataFrame(
        {
            "mmsi": mmsi[row_vessel].astype(np.int64),
            "ts": [START + timedelta(days=int(d)) for d in order * 30 + row_vessel % 29],
            "imo": pl.Series(imo[row_vessel].astype(np.int64)).set(
                pl.Series(~has_imo[row_vessel]), None
            ),
            "name": report_names,
            "ship_type": ship_type[row_vessel].astype(np.int16),
            "length_m": length[row_vessel].astype(np.int16),
            "file_id": "bench",
            "line_no": np.arange(row_vessel.size, dtype=np.int64),
        }
    )
    statics = schema.conform(
        statics.with_columns(pl.col("ts").dt.cast_time_unit("us")), schema.STATICS
    )

    copied = rng.choice(vessels, size=entries // 5, replace=False)
    by_imo = rng.random(copied.size) < 0.5
    copy_rows = [
        {
            "name": names[v] if by_imo[k] else typo(rng, names[v]),
            "imo": int(imo[v]) if by_imo[k] else None,
            "flag": FLAGS.get(int(mids[v])),
            "vessel_type": "General cargo" if ship_type[v] in (70, 79) else "Crude oil tanker",
        }
        for k, v in enumerate(copied.tolist())
    ]
    new = entries - len(copy_rows)
    new_names = make_names(rng, words, weights, new)
    new_imo = make_imo(rng, new)
    new_rows = [
        {
            "name": new_names[k],
            "imo": int(new_imo[k]) if k % 2 else None,
            "flag": ("RUS", "PRK", "IRN", "PAN", None)[k % 5],
            "vessel_type": ("General cargo", "Crude oil tanker", "Bulk carrier", None)[k % 4],
        }
        for k in range(new)
    ]
    listed = pl.DataFrame(copy_rows + new_rows).with_columns(
        pl.lit("bench").alias("list"),
        pl.format("e{}", pl.int_range(pl.len())).alias("entry_id"),
    )
    return statics, schema.conform(listed, ENTRY_COLUMNS)


def run(vessels: int, entries: int, workers: int, seed: int) -> dict[str, Any]:
    statics, listed = make_fleet(vessels, entries, seed)
    mids = load_mid_table()
    started = time.perf_counter()
    periods = identity_periods(statics, mids)
    periods_s = time.perf_counter() - started
    started = time.perf_counter()
    result = screen_vessels(periods, listed, workers=workers)
    screen_s = time.perf_counter() - started
    return {
        "vessels": vessels,
        "static_reports": statics.height,
        "entries": entries,
        "workers": workers,
        "identity_periods_s": round(periods_s, 2),
        "screen_s": round(screen_s, 2),
        "total_s": round(periods_s + screen_s, 2),
        "matches": result.events.height,
        "matched_on": dict(
            result.matches.group_by("matched_on").len().sort("matched_on").iter_rows()
        ),
        "near_misses": result.near_misses.height,
        "peak_rss_mb": round(peak_rss_mb()),
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vessels", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None, help="Also write the result here.")
    args = parser.parse_args()
    result = run(args.vessels, args.entries, args.workers, args.seed)
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
