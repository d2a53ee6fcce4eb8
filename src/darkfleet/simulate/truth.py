"""Ground truth: the behaviours a scenario planted, in the event contract of DESIGN.md.

Simulate layer. Scenarios record planted events as they build plans; port visits and
gaps are derived from the plan itself, so they cannot disagree with the feed:

- ``port_visit``: every port stay inside the simulated period with AIS on for at least
  part of the time alongside (a dark Rajin call is not a visit); the visit runs from entry within 3 km of the port point until exit
  beyond 4 km (found on the true track at 30 s resolution). Visits open at the
  simulation's start or end say so in ``details.open``.
- ``gap``: every run of AIS-off time of 6 h or more (``details.reason``, ``planted``,
  ``open`` when the vessel is still dark at the end). Times are the planted switch-off
  and switch-on instants; a detector sees the last and first *received* position, which
  the thinning and reception model put up to ``position_interval_s`` (plus any reception
  loss) away.

Times are Unix seconds inside the library and ISO 8601 UTC with ``Z`` in the files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import polars as pl

from darkfleet.geodesy import haversine_m
from darkfleet.simulate.fleet import Fleet
from darkfleet.simulate.ports import PORTS

__all__ = ["TRUTH_SCHEMA", "TruthRecorder", "iso_z"]

#: Columns of the truth frame (``start``/``end`` as in ``darkfleet events --format jsonl``).
TRUTH_SCHEMA: dict[str, pl.DataType] = {
    "type": pl.String(),
    "mmsi": pl.Int64(),
    "other_mmsi": pl.Int64(),
    "start": pl.Datetime("us", "UTC"),
    "end": pl.Datetime("us", "UTC"),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "port": pl.String(),
    "country": pl.String(),
    "details": pl.String(),
}

MIN_GAP_S = 6 * 3600.0
PORT_ENTRY_M = 3000.0
PORT_EXIT_M = 4000.0


def iso_z(t_s: float) -> str:
    """Unix seconds as ISO 8601 UTC with a ``Z`` (whole seconds).

    Examples
    --------
    >>> iso_z(1690848000.0)
    '2023-08-01T00:00:00Z'
    """
    return datetime.fromtimestamp(int(np.floor(t_s)), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class TruthRecorder:
    """Collects planted events and port stays while a scenario builds its plan."""

    events: list[dict[str, object]] = field(default_factory=list)
    stays: list[tuple[int, str, float, float]] = field(default_factory=list)

    def add(
        self,
        event_type: str,
        mmsi: int,
        start_s: float,
        end_s: float,
        lat: float,
        lon: float,
        *,
        other_mmsi: int | None = None,
        port: str | None = None,
        country: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        """Record one planted event."""
        self.events.append(
            {
                "type": event_type,
                "mmsi": mmsi,
                "other_mmsi": other_mmsi,
                "start_s": start_s,
                "end_s": end_s,
                "lat": lat,
                "lon": lon,
                "port": port,
                "country": country,
                "details": {"planted": True, **(details or {})},
            }
        )

    def stay(self, vessel: int, port: str, t0: float, t1: float) -> None:
        """Record a port stay (vessel index, port name, stay start and end)."""
        self.stays.append((vessel, port, t0, t1))

    def frame(
        self, fleet: Fleet, *, extra_gap_details: Mapping[int, Mapping[str, object]] | None = None
    ) -> pl.DataFrame:
        """All truth events (planted + derived port visits and gaps), sorted."""
        rows = self._located(fleet) + self._port_visits(fleet) + self._gaps(fleet)
        if not rows:
            return pl.DataFrame(schema=TRUTH_SCHEMA)
        frame = pl.DataFrame(
            {
                "type": [r["type"] for r in rows],
                "mmsi": [r["mmsi"] for r in rows],
                "other_mmsi": [r["other_mmsi"] for r in rows],
                "start": [int(float(r["start_s"]) * 1e6) for r in rows],  # type: ignore[arg-type]
                "end": [int(float(r["end_s"]) * 1e6) for r in rows],  # type: ignore[arg-type]
                "lat": [round(float(r["lat"]), 5) for r in rows],  # type: ignore[arg-type]
                "lon": [round(float(r["lon"]), 5) for r in rows],  # type: ignore[arg-type]
                "port": [r["port"] for r in rows],
                "country": [r["country"] for r in rows],
                "details": [json.dumps(r["details"], sort_keys=True) for r in rows],
            },
            schema_overrides={
                "other_mmsi": pl.Int64(),
                "port": pl.String(),
                "country": pl.String(),
                "start": pl.Int64(),
                "end": pl.Int64(),
            },
        )
        frame = frame.with_columns(
            (pl.col("start") // 1_000_000 * 1_000_000).cast(pl.Datetime("us", "UTC")),
            (pl.col("end") // 1_000_000 * 1_000_000).cast(pl.Datetime("us", "UTC")),
        )
        return frame.select(list(TRUTH_SCHEMA)).sort(
            ["start", "type", "mmsi", "other_mmsi"], nulls_last=True
        )

    def _located(self, fleet: Fleet) -> list[dict[str, object]]:
        """Planted events; a NaN position becomes the vessel's true position at the start."""
        index = {
            v.mmsi: i for i, v in reversed(list(enumerate(fleet.vessels))) if v.role != "clone"
        }
        rows = []
        for event in self.events:
            row = dict(event)
            if not np.isfinite(float(row["lat"])):  # type: ignore[arg-type]
                v = index[int(row["mmsi"])]  # type: ignore[call-overload]
                t = min(float(row["start_s"]), fleet.end_s - 1.0)  # type: ignore[arg-type]
                piece = fleet.locate(np.array([v]), np.array([t]))
                state = fleet.evaluate(piece, np.array([t]))
                row["lat"] = float(state.lat[0])
                row["lon"] = float(state.lon[0])
            rows.append(row)
        return rows

    def _port_visits(self, fleet: Fleet) -> list[dict[str, object]]:
        if not self.stays:
            return []
        vessel = np.array([s[0] for s in self.stays], dtype=np.int64)
        t0 = np.array([s[2] for s in self.stays])
        t1 = np.array([s[3] for s in self.stays])
        port_lat = np.array([PORTS[s[1]].lat for s in self.stays])
        port_lon = np.array([PORTS[s[1]].lon for s in self.stays])
        steps = np.arange(0, 3 * 3600 + 1, 30.0)
        rows: list[dict[str, object]] = []
        entry = np.empty(len(vessel))
        exit_ = np.empty(len(vessel))
        batch = 2000  # bounded memory: 2,000 stays x 361 samples x 2 sides per pass
        for lo in range(0, len(vessel), batch):
            part = slice(lo, lo + batch)
            before = t0[part, None] - steps[None, ::-1]  # ascending times up to the stay
            after = t1[part, None] + steps[None, :]
            entry[part] = _first_crossing(
                fleet,
                vessel[part],
                before,
                port_lat[part],
                port_lon[part],
                PORT_ENTRY_M,
                backwards=True,
            )
            exit_[part] = _first_crossing(
                fleet,
                vessel[part],
                after,
                port_lat[part],
                port_lon[part],
                PORT_EXIT_M,
                backwards=False,
            )
        for i, (v, port_name, t0_s, t1_s) in enumerate(self.stays):
            start_s = max(entry[i], fleet.start_s)
            end_s = min(exit_[i], fleet.end_s)
            if end_s <= start_s:  # the whole visit lies outside the simulated period
                continue
            # seen when AIS is on for some of the time alongside: a ship switching off at
            # the berth before leaving (a planted gap) still made a visible visit
            at_berth = (max(t0_s, fleet.start_s), min(t1_s, fleet.end_s))
            if not _is_on_at_some_point(fleet, int(v), *at_berth):
                continue
            port = PORTS[port_name]
            details: dict[str, object] = {
                "planted": False,
                "dwell_h": round((end_s - start_s) / 3600.0, 2),
            }
            if start_s <= fleet.start_s or end_s >= fleet.end_s:
                details["open"] = True
            rows.append(
                {
                    "type": "port_visit",
                    "mmsi": fleet.vessels[v].mmsi,
                    "other_mmsi": None,
                    "start_s": start_s,
                    "end_s": end_s,
                    "lat": port.lat,
                    "lon": port.lon,
                    "port": port.name,
                    "country": port.country,
                    "details": details,
                }
            )
        return rows

    def _gaps(self, fleet: Fleet) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        dark_calls = {
            (int(str(e["mmsi"])), float(str(e["start_s"]))): e
            for e in self.events
            if e["type"] == "dark_port_call"
        }
        off = ~fleet.is_on
        if not off.any():
            return rows
        # runs of consecutive off pieces of one vessel
        boundary = np.concatenate([[True], (fleet.vessel[1:] != fleet.vessel[:-1]) | ~off[:-1]])
        run_id = np.cumsum(boundary & off)
        for run in np.unique(run_id[off]):
            members = np.flatnonzero(off & (run_id == run))
            v = int(fleet.vessel[members[0]])
            vessel = fleet.vessels[v]
            if vessel.role == "clone":
                continue
            start_s = float(fleet.t0[members[0]])
            end_s = float(fleet.t1[members[-1]])
            if end_s - start_s < MIN_GAP_S or start_s <= fleet.start_s:
                continue
            state = fleet.evaluate(np.array([members[0]]), np.array([start_s]))
            details: dict[str, object] = {"planted": True, "reason": "ais_off"}
            for (mmsi, call_s), call in dark_calls.items():
                if mmsi == vessel.mmsi and start_s <= call_s <= end_s:
                    details["dark_port_call"] = call["port"]
            if end_s >= fleet.end_s:
                details["open"] = True
            rows.append(
                {
                    "type": "gap",
                    "mmsi": vessel.mmsi,
                    "other_mmsi": None,
                    "start_s": start_s,
                    "end_s": end_s,
                    "lat": float(state.lat[0]),
                    "lon": float(state.lon[0]),
                    "port": None,
                    "country": None,
                    "details": details,
                }
            )
        return rows


def _first_crossing(
    fleet: Fleet,
    vessel: np.ndarray,
    times: np.ndarray,
    port_lat: np.ndarray,
    port_lon: np.ndarray,
    radius_m: float,
    *,
    backwards: bool,
) -> np.ndarray:
    """Per row: the time the track is last (backwards) / first (forwards) within the radius run."""
    n, m = times.shape
    flat_v = np.repeat(vessel, m)
    flat_t = times.ravel()
    piece = fleet.locate(flat_v, flat_t)
    inside = np.zeros(n * m, dtype=bool)
    ok = piece >= 0
    state = fleet.evaluate(piece[ok], flat_t[ok])
    dist = haversine_m(np.repeat(port_lat, m)[ok], np.repeat(port_lon, m)[ok], state.lat, state.lon)
    inside[ok] = dist <= radius_m
    inside[~ok] = True  # outside the simulation: treat as still in port (visit is open)
    inside = inside.reshape(n, m)
    if backwards:
        # times ascend towards the stay; find the earliest time of the final inside run
        outside_rev = ~inside[:, ::-1]
        first_out = np.where(outside_rev.any(axis=1), np.argmax(outside_rev, axis=1), m)
        idx = m - first_out
        idx = np.clip(idx, 0, m - 1)
        return np.asarray(times[np.arange(n), idx], dtype=np.float64)
    outside = ~inside
    first_out = np.where(outside.any(axis=1), np.argmax(outside, axis=1), m - 1)
    return np.asarray(times[np.arange(n), first_out], dtype=np.float64)


def _is_on_at_some_point(fleet: Fleet, vessel: int, start_s: float, end_s: float) -> bool:
    lo = int(np.searchsorted(fleet.vessel, vessel, side="left"))
    hi = int(np.searchsorted(fleet.vessel, vessel, side="right"))
    overlaps = (fleet.t1[lo:hi] > start_s) & (fleet.t0[lo:hi] < end_s)
    return bool(fleet.is_on[lo:hi][overlaps].any())
