"""Gap and stop detection throughput: MovingPandas against darkfleet's detectors.

Both sides get the same synthetic positions (``make_positions``): vessels reporting every
three minutes at about 12 knots, each with AIS gaps of 7-30 h and stops of 5-8 h
(positions jittering within about 50 m). MovingPandas runs in its own interpreter
(``--peer-python``) because it pulls in GeoPandas:

- gaps: ``ObservationGapSplitter(tc).split(gap=timedelta(hours=6))`` (6 h is darkfleet's
  default gap, from Global Fishing Watch's published gap method);
- stops: ``TrajectoryStopDetector(tc).get_stop_segments(max_diameter=1852,
  min_duration=timedelta(hours=4))`` (within one nautical mile for 4 h, the duration of
  darkfleet's loitering default).

darkfleet's side (``darkfleet.detect.gap.detect_gaps`` and
``darkfleet.detect.loitering.detect_loitering``) is guarded: until those modules are
merged it prints "darkfleet: not available yet".

Example::

    python benchmarks/bench_detect.py --positions 50000 --json benchmarks/out/detect.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_decode import DEFAULT_PEER_PYTHON, NOT_AVAILABLE, machine, peak_rss_mb, run_subprocess  # noqa: E402

STEP_S = 180
GAP_MIN = timedelta(hours=6)
STOP_MAX_DIAMETER_M = 1852.0
STOP_MIN_DURATION = timedelta(hours=4)
START = datetime(2024, 3, 1, tzinfo=UTC)


def make_positions(
    n_positions: int, *, per_vessel: int = 1000, seed: int = 7
) -> dict[str, np.ndarray]:
    """Synthetic tracks with gaps and stops, as NumPy columns (POSITIONS names and units).

    Returns ``mmsi``, ``ts_us`` (UTC microseconds), ``lat``, ``lon``, ``sog_knots`` and
    ``cog_deg``, sorted by (mmsi, ts). Vessel ``k`` has gaps and stops at seeded random
    places; ``n_positions`` is rounded up to whole vessels.
    """
    if per_vessel < 400:
        raise ValueError(
            f"per_vessel must be >= 400 (room for two stops and gaps), got {per_vessel}"
        )
    rng = np.random.default_rng(seed)
    half = per_vessel // 2
    n_vessels = max(1, -(-n_positions // per_vessel))
    shape = (n_vessels, per_vessel)
    step_s = np.full(shape, STEP_S, np.int64) + rng.integers(-20, 21, shape)
    # Two gaps per vessel, 7-30 h long, one in each half of its track.
    gap_at = np.stack(
        [rng.integers(1, half, n_vessels), rng.integers(half, per_vessel, n_vessels)], axis=1
    )
    np.put_along_axis(step_s, gap_at, rng.integers(7 * 3600, 30 * 3600, (n_vessels, 2)), axis=1)
    step_s[:, 0] = rng.integers(0, 3600, n_vessels)
    ts_s = np.cumsum(step_s, axis=1)
    # Two stops per vessel of 100-160 reports (5-8 h at 3 min), one in each half.
    idx = np.arange(per_vessel)[None, :]
    stop_start = np.stack(
        [rng.integers(0, half - 160, n_vessels), rng.integers(half, per_vessel - 160, n_vessels)],
        axis=1,
    )
    stop_len = rng.integers(100, 160, (n_vessels, 2))
    is_stopped = ((idx >= stop_start[:, :1]) & (idx < stop_start[:, :1] + stop_len[:, :1])) | (
        (idx >= stop_start[:, 1:]) & (idx < stop_start[:, 1:] + stop_len[:, 1:])
    )
    cruise_knots = rng.uniform(8, 16, (n_vessels, 1))
    sog = np.where(is_stopped, rng.uniform(0, 0.3, shape), cruise_knots + rng.normal(0, 0.3, shape))
    cog = (rng.uniform(0, 360, (n_vessels, 1)) + np.cumsum(rng.normal(0, 1.0, shape), axis=1)) % 360
    dt_h = np.diff(ts_s, axis=1, prepend=ts_s[:, :1]) / 3600.0
    # Distance accrues while under way, also across gaps: the vessel sails on while dark.
    moving_nm = np.where(is_stopped, 0.0, sog * dt_h)
    lat0 = rng.uniform(35, 45, (n_vessels, 1))
    lon0 = rng.uniform(128, 140, (n_vessels, 1))
    lat = lat0 + np.cumsum(moving_nm * np.cos(np.radians(cog)), axis=1) / 60.0
    lon = lon0 + np.cumsum(moving_nm * np.sin(np.radians(cog)), axis=1) / 60.0 / np.cos(
        np.radians(lat0)
    )
    jitter_deg = 50.0 / 111_000.0
    lat = lat + np.where(is_stopped, rng.uniform(-jitter_deg, jitter_deg, shape), 0.0)
    lon = lon + np.where(is_stopped, rng.uniform(-jitter_deg, jitter_deg, shape), 0.0)
    mmsi = np.repeat(273_000_000 + np.arange(n_vessels) * 7 + 11, per_vessel)
    return {
        "mmsi": mmsi.astype(np.int64),
        "ts_us": ((int(START.timestamp()) + ts_s.ravel()) * 1_000_000).astype(np.int64),
        "lat": lat.ravel(),
        "lon": lon.ravel(),
        "sog_knots": sog.ravel().astype(np.float32),
        "cog_deg": cog.ravel().astype(np.float32),
    }


# ----------------------------------------------------------------------------- workers


def _worker_movingpandas(path: Path) -> dict[str, Any]:
    import warnings

    warnings.filterwarnings("ignore")  # optional-dependency notices on import
    import movingpandas as mpd
    import pandas as pd

    cols = np.load(path)
    frame = pd.DataFrame(
        {
            "mmsi": cols["mmsi"],
            "t": pd.to_datetime(cols["ts_us"], unit="us"),
            "x": cols["lon"],
            "y": cols["lat"],
        }
    )
    n = len(frame)
    started = time.perf_counter()
    collection = mpd.TrajectoryCollection(
        frame, traj_id_col="mmsi", t="t", x="x", y="y", crs="EPSG:4326"
    )
    built = time.perf_counter()
    split = mpd.ObservationGapSplitter(collection).split(gap=GAP_MIN)
    gaps = len(split.trajectories) - len(collection.trajectories)
    gapped = time.perf_counter()
    stops = mpd.TrajectoryStopDetector(collection).get_stop_segments(
        max_diameter=STOP_MAX_DIAMETER_M, min_duration=STOP_MIN_DURATION
    )
    stopped = time.perf_counter()
    return {
        "positions": n,
        "seconds": stopped - started,
        "build_seconds": built - started,
        "gap_seconds": gapped - built,
        "stop_seconds": stopped - gapped,
        "gaps": gaps,
        "stops": len(stops.trajectories),
        "version": f"movingpandas {mpd.__version__}, pandas {pd.__version__}",
    }


def _count(events: Any) -> int:
    if hasattr(events, "collect"):
        events = events.collect()
    return int(events.height)


def _worker_darkfleet(path: Path) -> dict[str, Any]:
    try:
        import polars as pl

        import darkfleet
        from darkfleet import schema
        from darkfleet.detect.context import GeoContext
        from darkfleet.detect.gaps import GapParams, detect_gaps
        from darkfleet.detect.loitering import LoiteringParams, detect_loitering
        from darkfleet.reference.shore import load_shore_grid
    except ImportError as err:
        return {"error": f"{NOT_AVAILABLE} ({err})"}
    cols = np.load(path)
    positions = schema.conform(
        pl.DataFrame(
            {
                "mmsi": cols["mmsi"],
                "ts": pl.Series(cols["ts_us"]).cast(pl.Datetime("us", "UTC")),
                "lat": cols["lat"],
                "lon": cols["lon"],
                "sog_knots": cols["sog_knots"],
                "cog_deg": cols["cog_deg"],
                "msg_type": np.ones(len(cols["mmsi"]), np.int8),
                "source": ["bench"] * len(cols["mmsi"]),
            }
        ),
        schema.POSITIONS,
    )
    context = GeoContext(shore=load_shore_grid())  # no ports: MovingPandas has none either
    started = time.perf_counter()
    gaps = _count(detect_gaps(positions.lazy(), GapParams(), context))
    gapped = time.perf_counter()
    stops = _count(detect_loitering(positions.lazy(), LoiteringParams(), context))
    stopped = time.perf_counter()
    return {
        "positions": positions.height,
        "seconds": stopped - started,
        "gap_seconds": gapped - started,
        "stop_seconds": stopped - gapped,
        "gaps": gaps,
        "stops": stops,
        "version": f"darkfleet {darkfleet.__version__}, polars {pl.__version__}",
    }


WORKERS = {"movingpandas": _worker_movingpandas, "darkfleet": _worker_darkfleet}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--positions", type=int, default=50_000, help="number of positions (default %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default %(default)s)")
    parser.add_argument(
        "--only", default="movingpandas,darkfleet", help="comma-separated: movingpandas,darkfleet"
    )
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter for darkfleet (default: this one)"
    )
    parser.add_argument(
        "--peer-python",
        default=str(DEFAULT_PEER_PYTHON) if DEFAULT_PEER_PYTHON.exists() else sys.executable,
        help="interpreter with movingpandas",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds before a run is killed (default %(default)s)",
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="also write the results as JSON here"
    )
    parser.add_argument("--worker", choices=tuple(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        result = WORKERS[args.worker](args.input)
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return 0
    tools = [t for t in args.only.split(",") if t]
    if set(tools) - set(WORKERS):
        parser.error(f"--only: choose from {', '.join(WORKERS)}")
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-detect-") as tmp:
        path = Path(tmp) / "positions.npz"
        np.savez(path, **make_positions(args.positions, seed=args.seed))
        for tool in tools:
            python = args.peer_python if tool == "movingpandas" else args.python
            cmd = [python, str(Path(__file__).resolve()), "--worker", tool, "--input", str(path)]
            print(f"running {tool} ({python}) ...", file=sys.stderr)
            status, stdout, stderr, wall, rss_mb = run_subprocess(cmd, args.timeout)
            result: dict[str, Any] = {"tool": tool, "process_seconds": wall, "peak_rss_mb": rss_mb}
            if status != 0:
                result["error"] = (
                    f"failed (exit {status}): {(stderr.strip().splitlines() or [''])[-1]}"
                )
            else:
                result.update(json.loads(stdout.strip().splitlines()[-1]))
            if NOT_AVAILABLE in result.get("error", ""):
                print(f"{tool}: {NOT_AVAILABLE}", file=sys.stderr)
            results.append(result)
            print(json.dumps(result), file=sys.stderr)
    print(
        "| tool | positions | gaps found | stops found | gap s | stop s | total s | positions/s | peak RSS MB | version |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        if "error" in r:
            print(f"| {r['tool']} | | | | | | | | | {r['error']} |")
            continue
        print(
            f"| {r['tool']} | {r['positions']:,} | {r['gaps']:,} | {r['stops']:,} | {r['gap_seconds']:.2f} | "
            f"{r['stop_seconds']:.2f} | {r['seconds']:.2f} | {r['positions'] / r['seconds']:,.0f} | "
            f"{r['peak_rss_mb']:.0f} | {r['version']} |"
        )
    info = machine()
    print(
        f"\nMachine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM; load average {info['load_avg_1_5_15']}; {info['date_utc']}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"positions": args.positions, "machine": info, "results": results}, indent=2)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
