"""Throughput of the motion detectors (gap, loitering, encounter, spoofing) on a synthetic fleet.

Run: ``PYTHONPATH=src python benchmarks/bench_motion_detectors.py --positions 5000000``.
Not collected by pytest; ``tests/unit/detect/test_bench_smoke.py`` runs it tiny.

The fleet is seeded and fully vectorised: each vessel sails a random-walk course at its own
speed from a random start at sea, reports every 1-5 minutes with random dropouts (some
long enough to be gaps), a tenth of the fleet drifts slowly, pairs of slow vessels are put
next to each other, and a few MMSIs carry a second, interleaved track.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.units import EARTH_RADIUS_M, MPS_PER_KNOT

START_US = int(datetime(2023, 10, 1, tzinfo=UTC).timestamp()) * 1_000_000


def make_fleet(n_positions: int, *, per_vessel: int = 2000, seed: int = 7) -> pl.DataFrame:
    """A seeded synthetic fleet in ``schema.POSITIONS`` form, sorted by (mmsi, ts)."""
    rng = np.random.default_rng(seed)
    n_vessels = max(1, n_positions // per_vessel)
    n = n_vessels * per_vessel
    vessel = np.repeat(np.arange(n_vessels), per_vessel)
    mmsi = 200_000_000 + vessel * 37
    step_s = rng.uniform(60, 300, n)
    dropout = rng.random(n) < 0.0005
    step_s[dropout] += rng.uniform(3600, 30 * 3600, dropout.sum())
    first = np.arange(n) % per_vessel == 0
    step_s[first] = 0.0
    elapsed_s = np.cumsum(step_s)
    elapsed_s -= np.repeat(elapsed_s[first], per_vessel)
    is_slow = rng.random(n_vessels) < 0.1
    speed_knots = np.where(is_slow, rng.uniform(0.1, 1.5, n_vessels), rng.uniform(8, 18, n_vessels))
    heading0 = np.radians(rng.uniform(0, 360, n_vessels))
    pair = is_slow[1:] & is_slow[:-1]
    speed_knots[1:][pair] = speed_knots[:-1][pair]
    heading0[1:][pair] = heading0[:-1][pair]
    course = heading0[vessel] + np.cumsum(rng.normal(0, 0.001, n))
    dist_m = speed_knots[vessel] * MPS_PER_KNOT * step_s
    # starts at sea: draw candidates, keep those >= 100 km offshore on the shipped grid
    from darkfleet.reference.shore import load_shore_grid

    cand_lat = rng.uniform(-40, 55, 8 * n_vessels)
    cand_lon = rng.uniform(-170, 170, 8 * n_vessels)
    at_sea = load_shore_grid().lookup_km(cand_lat, cand_lon) >= 100.0
    lat0 = cand_lat[at_sea][:n_vessels]
    lon0 = cand_lon[at_sea][:n_vessels]
    # slow vessels in pairs: a slow vessel after a slow one starts 300 m north of it
    lat0[1:][pair] = lat0[:-1][pair] + 300.0 / 111_195.0
    lon0[1:][pair] = lon0[:-1][pair]
    dlat = np.degrees(dist_m * np.cos(course) / EARTH_RADIUS_M)
    dlat_cum = np.cumsum(dlat)
    dlat_cum -= np.repeat(dlat_cum[first], per_vessel)
    lat = np.clip(lat0[vessel] + dlat_cum, -80, 80)
    dlon = np.degrees(dist_m * np.sin(course) / (EARTH_RADIUS_M * np.cos(np.radians(lat))))
    dlon_cum = np.cumsum(dlon)
    dlon_cum -= np.repeat(dlon_cum[first], per_vessel)
    lon = (lon0[vessel] + dlon_cum + 540.0) % 360.0 - 180.0
    frame = pl.DataFrame(
        {
            "mmsi": mmsi,
            "ts": START_US + (elapsed_s * 1e6).astype(np.int64),
            "lat": lat,
            "lon": lon,
            "sog_knots": (speed_knots[vessel] + rng.normal(0, 0.2, n)).clip(0, None),
            "cog_deg": np.degrees(course) % 360.0,
            "heading_deg": (np.degrees(course) % 360.0).astype(np.int16),
            "nav_status": np.zeros(n, dtype=np.int8),
            "msg_type": np.ones(n, dtype=np.int8),
            "source": ["bench"] * n,
            "file_id": ["0" * 16] * n,
            "line_no": np.arange(1, n + 1),
        }
    ).with_columns(pl.col("ts").cast(pl.Datetime("us", "UTC")))
    # a few MMSIs carry a second interleaved track: every other position shifted 3 degrees
    twin = (mmsi % 1000 == 0) & (np.arange(n) % 2 == 1)
    frame = frame.with_columns(
        pl.when(pl.Series(twin)).then(pl.col("lat") + 3.0).otherwise(pl.col("lat")).alias("lat")
    )
    return schema.conform(frame, schema.POSITIONS)


def run(n_positions: int, repeat: int = 3) -> dict[str, float]:
    """Time each detector (best of ``repeat``) on ``n_positions``; return positions/s each."""
    from darkfleet.detect.context import GeoContext
    from darkfleet.detect.encounters import EncounterParams, detect_encounters
    from darkfleet.detect.gaps import GapParams, detect_gaps
    from darkfleet.detect.loitering import LoiteringParams, detect_loitering
    from darkfleet.detect.spoofing import SpoofingParams, detect_spoofing
    from darkfleet.reference.shore import load_shore_grid

    fleet = make_fleet(n_positions)
    ports = pl.DataFrame(
        {
            "port_id": ["PRK-RJN", "RUS-VOS"],
            "name": ["Rajin", "Vostochny"],
            "country": ["PRK", "RUS"],
            "lat": [42.245, 42.75],
            "lon": [130.30, 133.05],
        }
    )
    context = GeoContext(
        ports=ports, sensitive_port_ids=frozenset({"PRK-RJN", "RUS-VOS"}), shore=load_shore_grid()
    )
    as_of = datetime(2023, 10, 8, tzinfo=UTC)
    detectors = {
        "gap": lambda: detect_gaps(fleet, GapParams(), context, as_of=as_of),
        "loitering": lambda: detect_loitering(fleet, LoiteringParams(), context),
        "encounter": lambda: detect_encounters(fleet, EncounterParams(), context),
        "spoofing": lambda: detect_spoofing(fleet, SpoofingParams(), context)[0],
    }
    rates: dict[str, float] = {}
    total_s = 0.0
    total_cpu_s = 0.0
    for name, call in detectors.items():
        elapsed = float("inf")
        cpu = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            cpu_started = time.process_time()
            events = call()
            elapsed = min(elapsed, time.perf_counter() - started)
            cpu = min(cpu, time.process_time() - cpu_started)
        total_s += elapsed
        total_cpu_s += cpu
        rates[name] = fleet.height / elapsed
        print(
            f"{name:10s} wall {elapsed:6.2f} s  {fleet.height / elapsed / 1e6:6.2f} M positions/s"
            f"  cpu {cpu:6.2f} s  {events.height} events"
        )
    rates["suite"] = fleet.height / total_s
    print(
        f"{'suite':10s} wall {total_s:6.2f} s  {fleet.height / total_s / 1e6:6.2f} M positions/s"
        f"  cpu {total_cpu_s:6.2f} s ({fleet.height / total_cpu_s / 1e6:.2f} M positions per CPU-s)"
    )
    return rates


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    run(args.positions, args.repeat)


if __name__ == "__main__":
    main()
