"""Vessel identities and their movement plans as a table of pieces (simulate layer).

A vessel's whole simulated life is a sequence of *pieces* covering the simulation
without holes: sailing along a route at constant speed, staying at a point (moored or at
anchor), or drifting at a constant velocity (loitering, ship-to-ship transfer, trawling).
Each piece says whether the AIS transponder is on. Scenarios build the table with
``PlanBuilder``; ``evaluate`` gives the true state of many (piece, time) pairs at once,
with NumPy only: no per-message Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from darkfleet.geodesy import bearing_deg, offset_m
from darkfleet.simulate.routes import Route
from darkfleet.units import MPS_PER_KNOT

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["DRIFT", "SAIL", "STAY", "Fleet", "PlanBuilder", "TrackState", "Vessel"]

SAIL, STAY, DRIFT = 0, 1, 2
#: ITU-R M.1371-5 navigational status codes used here.
NAV_UNDER_WAY, NAV_AT_ANCHOR, NAV_MOORED, NAV_FISHING = 0, 1, 5, 7


@dataclass(frozen=True, slots=True)
class Vessel:
    """One transmitter's identity as its static reports give it.

    ``role`` says why the vessel is in the scenario (``"shuttle"``, ``"tanker"``,
    ``"background"``, ``"clone"`` for a second transmitter using another vessel's MMSI,
    ...). ``renamed_to``/``renamed_at_s`` plant an identity change: from that Unix time on
    the static reports carry the new name.
    """

    mmsi: int
    imo: int
    name: str
    callsign: str
    ship_type: int
    flag: str
    role: str
    ais_class: str = "A"
    length_m: int = 120
    beam_m: int = 18
    draught_m: float = 6.5
    destination: str = ""
    renamed_to: str | None = None
    renamed_at_s: float | None = None
    note: str = ""


@dataclass(slots=True)
class _Pieces:
    vessel: list[int] = field(default_factory=list)
    t0: list[float] = field(default_factory=list)
    t1: list[float] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    route: list[int] = field(default_factory=list)
    d0_m: list[float] = field(default_factory=list)
    speed_mps: list[float] = field(default_factory=list)
    lat0: list[float] = field(default_factory=list)
    lon0: list[float] = field(default_factory=list)
    north_mps: list[float] = field(default_factory=list)
    east_mps: list[float] = field(default_factory=list)
    heading_deg: list[float] = field(default_factory=list)
    nav_status: list[int] = field(default_factory=list)
    is_on: list[bool] = field(default_factory=list)


class PlanBuilder:
    """Collects vessels, routes and pieces; ``build()`` freezes them into a ``Fleet``."""

    def __init__(self, start_s: float, end_s: float) -> None:
        self.start_s = start_s
        self.end_s = end_s
        self.vessels: list[Vessel] = []
        self.routes: list[Route] = []
        self._route_ids: dict[int, int] = {}
        self._pieces = _Pieces()
        self._clock: dict[int, float] = {}
        self._off_windows: list[tuple[int, float, float]] = []

    def switch_off(self, vessel: int, t_from: float, t_to: float) -> None:
        """Turn the vessel's AIS off from ``t_from`` to ``t_to`` (Unix s), whatever it does."""
        self._off_windows.append((vessel, t_from, t_to))

    def add_vessel(self, vessel: Vessel) -> int:
        """Register a vessel; its plan starts at the simulation start."""
        self.vessels.append(vessel)
        index = len(self.vessels) - 1
        self._clock[index] = self.start_s
        return index

    def clock(self, vessel: int) -> float:
        """Time (Unix seconds) up to which the vessel's plan is filled."""
        return self._clock[vessel]

    def _route_id(self, route: Route) -> int:
        key = id(route)
        if key not in self._route_ids:
            self.routes.append(route)
            self._route_ids[key] = len(self.routes) - 1
        return self._route_ids[key]

    def _append(
        self,
        vessel: int,
        duration_s: float,
        *,
        kind: int,
        route: int = -1,
        d0_m: float = 0.0,
        speed_mps: float = 0.0,
        lat0: float = 0.0,
        lon0: float = 0.0,
        north_mps: float = 0.0,
        east_mps: float = 0.0,
        heading_deg: float = 0.0,
        nav_status: int = NAV_UNDER_WAY,
        is_on: bool = True,
    ) -> None:
        t0 = self._clock[vessel]
        t1 = t0 + max(duration_s, 0.0)
        self._clock[vessel] = t1
        if t1 <= t0 or t0 >= self.end_s:
            return
        p = self._pieces
        p.vessel.append(vessel)
        p.t0.append(t0)
        p.t1.append(min(t1, self.end_s))
        p.kind.append(kind)
        p.route.append(route)
        p.d0_m.append(d0_m)
        p.speed_mps.append(speed_mps)
        p.lat0.append(lat0)
        p.lon0.append(lon0)
        p.north_mps.append(north_mps)
        p.east_mps.append(east_mps)
        p.heading_deg.append(heading_deg)
        p.nav_status.append(nav_status)
        p.is_on.append(is_on)

    def stay(
        self,
        vessel: int,
        lat: float,
        lon: float,
        duration_s: float,
        *,
        heading_deg: float = 0.0,
        nav_status: int = NAV_MOORED,
        is_on: bool = True,
    ) -> None:
        """Stay at a point (berth or anchorage) for ``duration_s`` seconds."""
        self._append(
            vessel,
            duration_s,
            kind=STAY,
            lat0=lat,
            lon0=lon,
            heading_deg=heading_deg,
            nav_status=nav_status,
            is_on=is_on,
        )

    def sail(
        self,
        vessel: int,
        route: Route,
        speed_knots: float,
        *,
        from_m: float = 0.0,
        to_m: float | None = None,
        is_on: bool = True,
    ) -> None:
        """Sail along ``route`` from ``from_m`` to ``to_m`` (metres along it) at constant speed."""
        end_m = route.length_m if to_m is None else to_m
        speed_mps = speed_knots * MPS_PER_KNOT
        self._append(
            vessel,
            (end_m - from_m) / speed_mps,
            kind=SAIL,
            route=self._route_id(route),
            d0_m=from_m,
            speed_mps=speed_mps,
            is_on=is_on,
        )

    def drift(
        self,
        vessel: int,
        lat: float,
        lon: float,
        duration_s: float,
        *,
        speed_knots: float,
        course_deg: float,
        nav_status: int = NAV_UNDER_WAY,
        is_on: bool = True,
    ) -> tuple[float, float]:
        """Move from (lat, lon) at a constant slow velocity; returns the end point."""
        speed_mps = speed_knots * MPS_PER_KNOT
        north = speed_mps * float(np.cos(np.radians(course_deg)))
        east = speed_mps * float(np.sin(np.radians(course_deg)))
        self._append(
            vessel,
            duration_s,
            kind=DRIFT,
            lat0=lat,
            lon0=lon,
            north_mps=north,
            east_mps=east,
            heading_deg=course_deg,
            nav_status=nav_status,
            is_on=is_on,
        )
        end_lat, end_lon = offset_m(lat, lon, north * duration_s, east * duration_s)
        return float(end_lat), float(end_lon)

    def _split_for_off_windows(self) -> _Pieces:
        """Pieces cut at every off-window boundary, with ``is_on`` cleared inside windows."""
        p = self._pieces
        if not self._off_windows:
            return p
        out = _Pieces()
        columns = [f for f in _Pieces.__dataclass_fields__]
        windows: dict[int, list[tuple[float, float]]] = {}
        for vessel, t_from, t_to in self._off_windows:
            windows.setdefault(vessel, []).append((t_from, t_to))
        for i in range(len(p.t0)):
            vessel_windows = windows.get(p.vessel[i], [])
            cuts = sorted(
                {p.t0[i], p.t1[i]} | {t for w in vessel_windows for t in w if p.t0[i] < t < p.t1[i]}
            )
            for a, b in zip(cuts[:-1], cuts[1:], strict=True):
                for name in columns:
                    getattr(out, name).append(getattr(p, name)[i])
                dt = a - p.t0[i]
                out.t0[-1] = a
                out.t1[-1] = b
                if p.kind[i] == SAIL:
                    out.d0_m[-1] = p.d0_m[i] + p.speed_mps[i] * dt
                elif p.kind[i] == DRIFT:
                    lat, lon = offset_m(
                        p.lat0[i], p.lon0[i], p.north_mps[i] * dt, p.east_mps[i] * dt
                    )
                    out.lat0[-1] = float(lat)
                    out.lon0[-1] = float(lon)
                mid = (a + b) / 2.0
                if any(t_from <= mid < t_to for t_from, t_to in vessel_windows):
                    out.is_on[-1] = False
        return out

    def build(self) -> Fleet:
        """Freeze into a ``Fleet``; every vessel's plan is padded to the simulation end."""
        for vessel, clock in list(self._clock.items()):
            if clock < self.end_s:
                raise ValueError(
                    f"vessel {self.vessels[vessel].name} has no plan after t={clock}; "
                    "scenarios must fill every vessel up to the simulation end"
                )
        p = self._split_for_off_windows()
        order = np.lexsort((np.asarray(p.t0), np.asarray(p.vessel)))
        lengths = np.array([len(r.cum_m) for r in self.routes], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        route_lat = np.concatenate([r.lat for r in self.routes]) if self.routes else np.zeros(0)
        route_lon = np.concatenate([r.lon for r in self.routes]) if self.routes else np.zeros(0)
        route_cum = np.concatenate([r.cum_m for r in self.routes]) if self.routes else np.zeros(0)

        def f64(values: list[float]) -> FloatArray:
            return np.asarray(values, dtype=np.float64)[order]

        def i64(values: list[int]) -> IntArray:
            return np.asarray(values, dtype=np.int64)[order]

        return Fleet(
            vessels=tuple(self.vessels),
            start_s=self.start_s,
            end_s=self.end_s,
            vessel=i64(p.vessel),
            t0=f64(p.t0),
            t1=f64(p.t1),
            kind=i64(p.kind),
            route=i64(p.route),
            d0_m=f64(p.d0_m),
            speed_mps=f64(p.speed_mps),
            lat0=f64(p.lat0),
            lon0=f64(p.lon0),
            north_mps=f64(p.north_mps),
            east_mps=f64(p.east_mps),
            heading_deg=f64(p.heading_deg),
            nav_status=i64(p.nav_status),
            is_on=np.asarray(p.is_on, dtype=np.bool_)[order],
            route_offset=offsets,
            route_count=lengths,
            route_lat=route_lat,
            route_lon=route_lon,
            route_cum_m=route_cum,
        )


@dataclass(frozen=True, slots=True, eq=False)
class Fleet:
    """Vessels and their pieces as column arrays, sorted by (vessel, t0)."""

    vessels: tuple[Vessel, ...]
    start_s: float
    end_s: float
    vessel: IntArray
    t0: FloatArray
    t1: FloatArray
    kind: IntArray
    route: IntArray
    d0_m: FloatArray
    speed_mps: FloatArray
    lat0: FloatArray
    lon0: FloatArray
    north_mps: FloatArray
    east_mps: FloatArray
    heading_deg: FloatArray
    nav_status: IntArray
    is_on: BoolArray
    route_offset: IntArray
    route_count: IntArray
    route_lat: FloatArray
    route_lon: FloatArray
    route_cum_m: FloatArray

    @property
    def n_pieces(self) -> int:
        """Number of pieces."""
        return len(self.t0)

    def locate(self, vessel: IntArray, t: FloatArray) -> IntArray:
        """Index of the piece each (vessel, time) falls in (-1 outside the simulation)."""
        scale = 2.0**34
        keys = self.vessel.astype(np.float64) * scale + self.t0
        query = np.asarray(vessel, dtype=np.float64) * scale + np.asarray(t, dtype=np.float64)
        piece = np.searchsorted(keys, query, side="right") - 1
        ok = (piece >= 0) & (self.vessel[np.maximum(piece, 0)] == vessel)
        ok &= np.asarray(t) < self.t1[np.maximum(piece, 0)]
        return np.where(ok, piece, -1).astype(np.int64)

    def evaluate(self, piece: IntArray, t: FloatArray) -> TrackState:
        """True state at time ``t`` (Unix s) inside ``piece``: lat, lon, sog_knots, cog_deg, heading_deg, nav_status."""
        piece = np.asarray(piece, dtype=np.int64)
        t = np.asarray(t, dtype=np.float64)
        dt = t - self.t0[piece]
        kind = self.kind[piece]
        lat = self.lat0[piece].copy()
        lon = self.lon0[piece].copy()
        sog_mps = np.zeros(len(piece))
        cog = self.heading_deg[piece].copy()

        drifting = kind == DRIFT
        if drifting.any():
            d_lat, d_lon = offset_m(
                lat[drifting],
                lon[drifting],
                self.north_mps[piece[drifting]] * dt[drifting],
                self.east_mps[piece[drifting]] * dt[drifting],
            )
            lat[drifting] = d_lat
            lon[drifting] = d_lon
            sog_mps[drifting] = np.hypot(
                self.north_mps[piece[drifting]], self.east_mps[piece[drifting]]
            )

        sailing = kind == SAIL
        if sailing.any():
            sp = piece[sailing]
            route = self.route[sp]
            first = self.route_offset[route]
            last = first + self.route_count[route] - 1
            along = np.clip(self.d0_m[sp] + self.speed_mps[sp] * dt[sailing], 0.0, None)
            global_cum = self.route_cum_m + np.repeat(
                np.arange(len(self.route_count), dtype=np.float64) * 1e9, self.route_count
            )
            target = route.astype(np.float64) * 1e9 + along
            seg = np.searchsorted(global_cum, target, side="right") - 1
            seg = np.clip(seg, first, last - 1)
            seg_len = self.route_cum_m[seg + 1] - self.route_cum_m[seg]
            frac = np.clip(
                (along - self.route_cum_m[seg]) / np.where(seg_len > 0, seg_len, 1.0), 0.0, 1.0
            )
            lat[sailing] = (
                self.route_lat[seg] + (self.route_lat[seg + 1] - self.route_lat[seg]) * frac
            )
            lon[sailing] = (
                self.route_lon[seg] + (self.route_lon[seg + 1] - self.route_lon[seg]) * frac
            )
            cog[sailing] = bearing_deg(
                self.route_lat[seg],
                self.route_lon[seg],
                self.route_lat[seg + 1],
                self.route_lon[seg + 1],
            )
            sog_mps[sailing] = self.speed_mps[sp]
        return TrackState(
            lat=lat,
            lon=lon,
            sog_knots=sog_mps / MPS_PER_KNOT,
            cog_deg=cog,
            nav_status=self.nav_status[piece],
        )


@dataclass(frozen=True, slots=True, eq=False)
class TrackState:
    """True state of vessels at given times (arrays of equal length)."""

    lat: FloatArray
    lon: FloatArray
    sog_knots: FloatArray
    cog_deg: FloatArray
    nav_status: IntArray
