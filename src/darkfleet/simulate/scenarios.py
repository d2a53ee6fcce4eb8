"""Scenarios: who sails where, and which behaviours are planted (simulate layer).

``shuttle`` replays the 2023 North Korea -> Russia arms shuttle in the Sea of Japan;
``random`` builds a large fleet for benchmarks with a configurable share of every planted
behaviour. Both draw everything from one ``numpy.random.Generator`` seeded by the caller.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from darkfleet.errors import ConfigError
from darkfleet.simulate import identity
from darkfleet.simulate.fleet import (
    NAV_FISHING,
    NAV_MOORED,
    Fleet,
    PlanBuilder,
    Vessel,
)
from darkfleet.simulate.ports import PORTS
from darkfleet.simulate.routes import Route, berth_of, build_route, load_routing_grid
from darkfleet.simulate.truth import TruthRecorder
from darkfleet.units import EARTH_RADIUS_M, MPS_PER_KNOT

FloatArray = npt.NDArray[np.float64]

__all__ = ["SCENARIOS", "ScenarioPlan", "build_random", "build_shuttle"]

HOUR = 3600.0
DAY = 86400.0
PRK_PORTS = ("NAJIN", "CH'ONGJIN")
RUS_SHUTTLE_PORTS = ("VOSTOCHNYY", "DUNAY", "NAKHODKA", "ZARUBINO", "SLAVYANKA", "VLADIVOSTOK")
BACKGROUND_PORTS = tuple(name for name, port in PORTS.items() if port.country != "PRK")


@dataclass(frozen=True, slots=True, eq=False)
class ScenarioPlan:
    """What a scenario produces before sampling: the fleet and the truth recorder."""

    fleet: Fleet
    truth: TruthRecorder


@functools.cache
def lane(origin: str, destination: str) -> Route:
    """The route from origin to destination; A->B and B->A are the same line reversed."""
    if origin < destination:
        return build_route(origin, destination)
    return build_route(destination, origin).reversed()


def point_on(route: Route, along_m: float) -> tuple[float, float]:
    """Position (lat, lon) ``along_m`` metres along the route."""
    along = float(np.clip(along_m, 0.0, route.length_m))
    seg = int(
        np.clip(np.searchsorted(route.cum_m, along, side="right") - 1, 0, len(route.cum_m) - 2)
    )
    length = route.cum_m[seg + 1] - route.cum_m[seg]
    frac = 0.0 if length <= 0 else (along - route.cum_m[seg]) / length
    lat = route.lat[seg] + (route.lat[seg + 1] - route.lat[seg]) * frac
    lon = route.lon[seg] + (route.lon[seg + 1] - route.lon[seg]) * frac
    return float(lat), float(lon)


def _unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


@functools.cache
def _port_tree() -> cKDTree:
    """Port points of the simulator's table and of darkfleet's built-in gazetteer.

    The gazetteer (World Port Index points and Global Fishing Watch anchorages) holds
    anchorage areas the simulator's own table lacks (Tianjin Xin Gang's reach 10 km from
    the WPI point; Weihai and Vladivostok have outer anchorages): an "at sea" behaviour
    must keep away from them, or the detectors' port rules rightly hide it.
    """
    from darkfleet.reference.ports import load_ports

    gazetteer = load_ports()
    lat = np.concatenate([[p.lat for p in PORTS.values()], gazetteer["lat"].to_numpy()])
    lon = np.concatenate([[p.lon for p in PORTS.values()], gazetteer["lon"].to_numpy()])
    return cKDTree(_unit_vectors(lat, lon))


def _distance_to_nearest_port_km(lat: FloatArray, lon: FloatArray) -> FloatArray:
    chord, _ = _port_tree().query(_unit_vectors(lat, lon), k=1)
    return np.asarray(2.0 * np.arcsin(np.minimum(chord / 2.0, 1.0)) * EARTH_RADIUS_M / 1000.0)


def find_spot(
    route: Route, *, min_shore_km: float, max_shore_km: float, rng: np.random.Generator
) -> float | None:
    """A random distance along the route whose point is min..max km from land, >= 20 km from ports.

    Ports are the simulator's table and darkfleet's built-in gazetteer (``_port_tree``).
    """
    grid = load_routing_grid()
    along = np.arange(0.0, route.length_m, 1000.0)
    lat = np.interp(along, route.cum_m, route.lat)
    lon = np.interp(along, route.cum_m, route.lon)
    shore = grid.land.distance_to_land_km(lat, lon)
    ok = (
        (shore >= min_shore_km)
        & (shore <= max_shore_km)
        & (_distance_to_nearest_port_km(lat, lon) >= 20.0)
    )
    # the drift around the spot (a few km) must stay on open water too
    ok &= ~grid.blocked_at(lat, lon)
    candidates = np.flatnonzero(ok)
    if len(candidates) == 0:
        return None
    return float(along[int(rng.choice(candidates))])


class _Context:
    """Shared state of a scenario build: builder, truth, identities in use, randomness."""

    def __init__(self, rng: np.random.Generator, start_s: float, end_s: float) -> None:
        self.rng = rng
        self.start_s = start_s
        self.end_s = end_s
        self.builder = PlanBuilder(start_s, end_s)
        self.truth = TruthRecorder()
        self.mmsis: set[int] = set()
        self.names: set[str] = set()

    # identities -------------------------------------------------------------------------
    def new_vessel(
        self,
        *,
        flag: str,
        role: str,
        ship_type: int,
        ais_class: str = "A",
        name: str | None = None,
        imo: int | None = None,
        mid: int | None = None,
        note: str = "",
        **extra: object,
    ) -> int:
        rng = self.rng
        mid = mid if mid is not None else int(rng.choice(identity.FLAG_MIDS[flag]))
        length = int(rng.integers(90, 200)) if ais_class == "A" else int(rng.integers(12, 30))
        vessel = Vessel(
            mmsi=identity.make_mmsi(rng, mid, self.mmsis),
            imo=identity.make_imo(rng) if imo is None else imo,
            name=name if name is not None else identity.make_name(rng, flag, self.names),
            callsign=identity.make_callsign(rng, flag),
            ship_type=ship_type,
            flag=flag,
            role=role,
            ais_class=ais_class,
            length_m=length,
            beam_m=max(length // 7, 4),
            draught_m=round(float(rng.uniform(4.0, 11.0)) if ais_class == "A" else 2.0, 1),
            note=note,
            **extra,  # type: ignore[arg-type]
        )
        if ais_class == "B":
            vessel = dataclasses.replace(vessel, imo=0)  # class B units send no IMO
        return self.builder.add_vessel(vessel)

    # movement ---------------------------------------------------------------------------
    def stay(self, v: int, port: str, duration_s: float, *, is_on: bool = True) -> None:
        lat, lon = berth_of(port)
        north = float(self.rng.uniform(-120, 120))
        east = float(self.rng.uniform(-120, 120))
        from darkfleet.geodesy import offset_m

        b_lat, b_lon = offset_m(lat, lon, north, east)
        t0 = self.builder.clock(v)
        self.builder.stay(
            v,
            float(b_lat),
            float(b_lon),
            duration_s,
            heading_deg=float(self.rng.uniform(0, 360)),
            nav_status=NAV_MOORED,
            is_on=is_on,
        )
        self.truth.stay(v, port, t0, t0 + duration_s)

    def voyage(self, v: int, origin: str, destination: str, speed_knots: float) -> float:
        route = lane(origin, destination)
        self.builder.sail(v, route, speed_knots)
        return route.length_m / (speed_knots * MPS_PER_KNOT)

    def fill_until_end(self, v: int, port: str) -> None:
        remaining = self.end_s - self.builder.clock(v)
        if remaining > 0:
            self.stay(v, port, remaining + 1.0)

    def trader(
        self,
        v: int,
        ports: tuple[str, str],
        *,
        speed_knots: float,
        stay_h: tuple[float, float] = (8.0, 48.0),
        hook: Callable[[int, int, str, str], bool] | None = None,
    ) -> None:
        """Sail back and forth between two ports until the end; ``hook`` may replace a leg."""
        rng = self.rng
        here, there = ports if rng.random() < 0.5 else ports[::-1]
        first_stay = float(rng.uniform(0.0, stay_h[1])) * HOUR
        self.stay(v, here, max(first_stay, 600.0))
        leg = 0
        while self.builder.clock(v) < self.end_s:
            speed = speed_knots * float(rng.uniform(0.92, 1.08))
            if hook is None or not hook(v, leg, here, there):
                self.voyage(v, here, there, speed)
            if self.builder.clock(v) >= self.end_s:
                break
            self.stay(v, there, float(rng.uniform(*stay_h)) * HOUR)
            here, there = there, here
            leg += 1

    def fisher(self, v: int, home: str, grounds: list[tuple[Route, float]]) -> None:
        """Day trips from ``home``: out along a lane, trawl at 3-4.5 kn in a zig-zag, back."""
        rng = self.rng
        self.stay(v, home, float(rng.uniform(1.0, 20.0)) * HOUR)
        grid = load_routing_grid()
        while self.builder.clock(v) < self.end_s:
            route, along = grounds[int(rng.integers(len(grounds)))]
            speed = float(rng.uniform(8.0, 11.0))
            self.builder.sail(v, route, speed, to_m=along)
            lat, lon = point_on(route, along)
            for _ in range(int(rng.integers(2, 4))):
                course = float(rng.uniform(0, 360))
                trawl_knots = float(rng.uniform(3.0, 4.5))
                leg_s = float(rng.uniform(1.0, 2.0)) * HOUR
                end_lat, end_lon = _drift_end(lat, lon, course, trawl_knots, leg_s)
                if grid.blocked_at(np.array([end_lat]), np.array([end_lon]))[0]:
                    continue
                self.builder.drift(
                    v,
                    lat,
                    lon,
                    leg_s,
                    speed_knots=trawl_knots,
                    course_deg=course,
                    nav_status=NAV_FISHING,
                )
                self.builder.drift(
                    v,
                    end_lat,
                    end_lon,
                    leg_s,
                    speed_knots=trawl_knots,
                    course_deg=(course + 180.0) % 360.0,
                    nav_status=NAV_FISHING,
                )
            back = lane(route.destination, route.origin)
            self.builder.sail(v, back, speed, from_m=back.length_m - along)
            if self.builder.clock(v) >= self.end_s:
                break
            self.stay(v, home, float(rng.uniform(8.0, 30.0)) * HOUR)

    def hold_at_sea(
        self,
        v: int,
        lat: float,
        lon: float,
        duration_s: float,
        *,
        speed_knots: float,
        course_deg: float,
    ) -> None:
        """Drift out and back (net zero displacement) for ``duration_s``."""
        half = duration_s / 2.0
        end_lat, end_lon = self.builder.drift(
            v, lat, lon, half, speed_knots=speed_knots, course_deg=course_deg
        )
        self.builder.drift(
            v,
            end_lat,
            end_lon,
            half,
            speed_knots=speed_knots,
            course_deg=(course_deg + 180.0) % 360.0,
        )


def _drift_end(
    lat: float, lon: float, course_deg: float, speed_knots: float, duration_s: float
) -> tuple[float, float]:
    from darkfleet.geodesy import offset_m

    distance = speed_knots * MPS_PER_KNOT * duration_s
    end_lat, end_lon = offset_m(
        lat,
        lon,
        distance * np.cos(np.radians(course_deg)),
        distance * np.sin(np.radians(course_deg)),
    )
    return float(end_lat), float(end_lon)


# planted behaviours -------------------------------------------------------------------------


def plant_shuttle(
    ctx: _Context,
    v: int,
    home: str,
    prk: str,
    *,
    visible_trip: int | None,
    stay_home_h: tuple[float, float],
    stay_prk_h: tuple[float, float],
    speed_knots: float,
) -> None:
    """Round trips home <-> PRK port, AIS off from ~30 km out of home until ~30 km back."""
    rng = ctx.rng
    b = ctx.builder
    vessel = b.vessels[v]
    ctx.stay(v, home, float(rng.uniform(0.3, 1.0)) * stay_home_h[1] * HOUR)
    out_route, back_route = lane(home, prk), lane(prk, home)
    round_trips: list[tuple[float, float]] = []
    trip = 0
    while b.clock(v) < ctx.end_s:
        speed = speed_knots * float(rng.uniform(0.95, 1.05))
        speed_mps = speed * MPS_PER_KNOT
        depart = b.clock(v)
        is_dark = trip != visible_trip
        off_after_m = float(rng.uniform(25_000, 40_000))
        on_before_m = float(rng.uniform(25_000, 40_000))
        b.sail(v, out_route, speed)
        arrive = b.clock(v)
        stay_s = float(rng.uniform(*stay_prk_h)) * HOUR
        lat, lon = berth_of(prk)
        ctx.stay(v, prk, stay_s, is_on=True)
        b.sail(v, back_route, speed)
        back_start = arrive + stay_s
        on_at = back_start + (back_route.length_m - on_before_m) / speed_mps
        if is_dark:
            b.switch_off(v, depart + off_after_m / speed_mps, on_at)
            if arrive < ctx.end_s:
                ctx.truth.add(
                    "dark_port_call",
                    vessel.mmsi,
                    arrive,
                    min(back_start, ctx.end_s),
                    lat,
                    lon,
                    port=prk,
                    country="PRK",
                    details={"how": "AIS off during the call", "home_port": home, "trip": trip + 1},
                )
        returned = b.clock(v)
        if returned <= ctx.end_s:
            round_trips.append((depart, returned))
        if returned >= ctx.end_s:
            break
        ctx.stay(v, home, float(rng.uniform(*stay_home_h)) * HOUR)
        trip += 1
    if len(round_trips) >= 2:
        lat, lon = berth_of(prk)
        ctx.truth.add(
            "shuttle",
            vessel.mmsi,
            round_trips[0][0],
            round_trips[-1][1],
            lat,
            lon,
            port=prk,
            country="PRK",
            details={
                "round_trips": len(round_trips),
                "port_groups": ["RUS", "PRK"],
                "ports": [home, prk],
                "visible_calls": int(visible_trip is not None and visible_trip < len(round_trips)),
            },
        )


def plant_encounter(
    ctx: _Context,
    v_a: int,
    v_b: int,
    port_a: str,
    port_b: str,
    *,
    at_s: float,
    duration_s: float = 6 * HOUR,
) -> bool:
    """Two vessels from two ports meet on the lane between them, drift together, go home."""
    rng = ctx.rng
    route = lane(port_a, port_b)
    along = find_spot(route, min_shore_km=12.0, max_shore_km=28.0, rng=rng)
    if along is None:
        along = find_spot(route, min_shore_km=12.0, max_shore_km=60.0, rng=rng)
    if along is None:
        return False
    b = ctx.builder
    lat, lon = point_on(route, along)
    speeds = (float(rng.uniform(10, 13)), float(rng.uniform(9, 12)))
    travel = (
        along / (speeds[0] * MPS_PER_KNOT),
        (route.length_m - along) / (speeds[1] * MPS_PER_KNOT),
    )
    meet = max(at_s, ctx.start_s + max(travel) + HOUR)
    course = float(rng.uniform(0, 360))
    drift_knots = float(rng.uniform(0.2, 0.6))
    for v, port, t_travel, speed, is_forward, offset in (
        (v_a, port_a, travel[0], speeds[0], True, 0.0),
        (v_b, port_b, travel[1], speeds[1], False, 120.0),
    ):
        ctx.stay(v, port, meet - t_travel - b.clock(v))
        r = route if is_forward else lane(port_b, port_a)
        here = along if is_forward else route.length_m - along
        b.sail(v, r, speed, to_m=here)
        from darkfleet.geodesy import offset_m

        p_lat, p_lon = offset_m(lat, lon, offset, 0.0)
        ctx.hold_at_sea(
            v, float(p_lat), float(p_lon), duration_s, speed_knots=drift_knots, course_deg=course
        )
        back = lane(r.destination, r.origin)
        b.sail(v, back, speed, from_m=back.length_m - here)
        ctx.fill_until_end(v, port)
    mmsi_a, mmsi_b = b.vessels[v_a].mmsi, b.vessels[v_b].mmsi
    low, high = sorted((mmsi_a, mmsi_b))
    ctx.truth.add(
        "encounter",
        low,
        meet,
        meet + duration_s,
        lat,
        lon,
        other_mmsi=high,
        details={
            "kind": "ship_to_ship_transfer",
            "drift_knots": round(drift_knots, 2),
            "separation_m": 120,
        },
    )
    return True


def plant_loitering(
    ctx: _Context, v: int, port_a: str, port_b: str, *, at_s: float, duration_s: float = 8 * HOUR
) -> bool:
    """A vessel sails towards port_b, stops far offshore and drifts alone, then goes on."""
    rng = ctx.rng
    route = lane(port_a, port_b)
    along = find_spot(route, min_shore_km=50.0, max_shore_km=1e9, rng=rng)
    if along is None:
        return False
    b = ctx.builder
    speed = float(rng.uniform(10, 13))
    travel = along / (speed * MPS_PER_KNOT)
    start = max(at_s, ctx.start_s + travel + HOUR)
    ctx.stay(v, port_a, start - travel - b.clock(v))
    b.sail(v, route, speed, to_m=along)
    lat, lon = point_on(route, along)
    drift_knots = float(rng.uniform(0.3, 1.0))
    ctx.hold_at_sea(
        v, lat, lon, duration_s, speed_knots=drift_knots, course_deg=float(rng.uniform(0, 360))
    )
    b.sail(v, route, speed, from_m=along)
    ctx.fill_until_end(v, port_b)
    ctx.truth.add(
        "loitering",
        b.vessels[v].mmsi,
        start,
        start + duration_s,
        lat,
        lon,
        details={"drift_knots": round(drift_knots, 2)},
    )
    return True


def plant_spoofing(
    ctx: _Context, v: int, clone_ports: tuple[str, str], *, at_s: float, duration_s: float = 3 * DAY
) -> None:
    """A second transmitter with vessel ``v``'s identity sails far away for a while."""
    b = ctx.builder
    original = b.vessels[v]
    clone = b.add_vessel(
        dataclasses.replace(
            original, role="clone", note=f"second transmitter using the MMSI of {original.name}"
        )
    )
    route = lane(*clone_ports)
    start = max(at_s, ctx.start_s + HOUR)
    end = min(start + duration_s, ctx.end_s)
    lat0, lon0 = berth_of(clone_ports[0])
    b.stay(clone, lat0, lon0, start - ctx.start_s, is_on=False)
    margin = min(30_000.0, route.length_m / 4)
    speed = 11.0
    forward = True
    while b.clock(clone) < end:
        r = route if forward else lane(clone_ports[1], clone_ports[0])
        b.sail(clone, r, speed, from_m=margin, to_m=r.length_m - margin)
        forward = not forward
    b.stay(clone, lat0, lon0, ctx.end_s - b.clock(clone) + 1.0, is_on=False)
    b.switch_off(clone, end, ctx.end_s + 1.0)
    c_lat, c_lon = point_on(route, margin)
    ctx.truth.add(
        "spoofing",
        original.mmsi,
        start,
        end,
        c_lat,
        c_lon,
        details={
            "method": "second_transmitter",
            "clone_area": f"{clone_ports[0]}-{clone_ports[1]}",
        },
    )


# scenarios ----------------------------------------------------------------------------------


def _background(ctx: _Context, n: int, lanes: list[tuple[str, str]]) -> None:
    """Quiet traffic: traders on lanes, ferries, fishing day trips."""
    rng = ctx.rng
    grounds = _fishing_grounds(lanes, rng)
    for _ in range(n):
        kind = rng.random()
        flag = str(
            rng.choice(
                ["RUS", "KOR", "JPN", "CHN", "PAN", "LBR", "MHL", "HKG"],
                p=[0.2, 0.2, 0.15, 0.2, 0.1, 0.05, 0.05, 0.05],
            )
        )
        if kind < 0.5:
            v = ctx.new_vessel(flag=flag, role="background", ship_type=int(rng.integers(70, 80)))
            ctx.trader(
                v, lanes[int(rng.integers(len(lanes)))], speed_knots=float(rng.uniform(10, 14))
            )
        elif kind < 0.72:
            v = ctx.new_vessel(flag=flag, role="background", ship_type=int(rng.integers(80, 90)))
            ctx.trader(
                v, lanes[int(rng.integers(len(lanes)))], speed_knots=float(rng.uniform(11, 14))
            )
        elif kind < 0.8:
            v = ctx.new_vessel(flag=flag, role="ferry", ship_type=60)
            ctx.trader(
                v,
                lanes[int(rng.integers(len(lanes)))],
                speed_knots=float(rng.uniform(17, 21)),
                stay_h=(3.0, 10.0),
            )
        else:
            home_lane, home_grounds = grounds[int(rng.integers(len(grounds)))]
            fishing_flag = PORTS[home_lane].country
            v = ctx.new_vessel(
                flag=fishing_flag,
                role="fishing",
                ship_type=30,
                ais_class="B" if rng.random() < 0.5 else "A",
            )
            ctx.fisher(v, home_lane, home_grounds)


def _fishing_grounds(
    lanes: list[tuple[str, str]], rng: np.random.Generator
) -> list[tuple[str, list[tuple[Route, float]]]]:
    by_port: dict[str, list[tuple[Route, float]]] = {}
    for a, b in lanes:
        for home, other in ((a, b), (b, a)):
            route = lane(home, other)
            along = find_spot(route, min_shore_km=35.0, max_shore_km=90.0, rng=rng)
            if along is not None and along < 150_000:
                by_port.setdefault(home, []).append((route, along))
    if not by_port:
        raise ConfigError("no fishing grounds found near the scenario's lanes")
    return sorted(by_port.items())


def build_shuttle(*, seed: int, start_s: float, days: float, vessels: int) -> ScenarioPlan:
    """The Rajin <-> Vostochny/Dunay arms shuttle of 2023 with quiet background traffic."""
    rng = np.random.default_rng(seed)
    end_s = start_s + days * DAY
    ctx = _Context(rng, start_s, end_s)
    homes = ("VOSTOCHNYY", "DUNAY", "VOSTOCHNYY", "VOSTOCHNYY")
    for i, (ship, home) in enumerate(zip(identity.SHUTTLE_SHIPS, homes, strict=True)):
        v = ctx.new_vessel(
            flag="RUS",
            role="shuttle",
            ship_type=70,
            name=str(ship["name"]),
            imo=int(ship["imo"]),
            mid=273,
            note=f"IMO {ship['imo_status']}",
        )
        plant_shuttle(
            ctx,
            v,
            home,
            "NAJIN",
            visible_trip=1 if ship["name"] == "MAIA-1" else None,
            stay_home_h=(60.0, 150.0),
            stay_prk_h=(24.0, 48.0),
            speed_knots=11.0 + i * 0.4,
        )
    # ship-to-ship transfer: a Russian tanker and a DPRK-flagged tanker
    tanker_ru = ctx.new_vessel(flag="RUS", role="tanker", ship_type=80)
    tanker_kp = ctx.new_vessel(flag="PRK", role="tanker", ship_type=80, mid=445)
    plant_encounter(
        ctx, tanker_ru, tanker_kp, "NAKHODKA", "CH'ONGJIN", at_s=start_s + 0.35 * (end_s - start_s)
    )
    # loitering far offshore
    loiterer = ctx.new_vessel(flag="PAN", role="loitering", ship_type=79)
    if not plant_loitering(
        ctx, loiterer, "VLADIVOSTOK", "PUSAN", at_s=start_s + 0.5 * (end_s - start_s)
    ):
        raise ConfigError("no loitering spot on the Vladivostok-Pusan lane")
    quiet_lanes = [
        ("VLADIVOSTOK", "PUSAN"),
        ("NAKHODKA", "PUSAN"),
        ("VOSTOCHNYY", "NIIGATA KO"),
        ("VLADIVOSTOK", "NIIGATA KO"),
        ("PUSAN", "NIIGATA KO"),
        ("DALIAN", "PUSAN"),
        ("DALIAN", "INCHON"),
        ("QINGDAO GANG", "PUSAN"),
        ("ZARUBINO", "SAKAIMINATO"),
        ("VLADIVOSTOK", "TONGHAE"),
        ("PUSAN", "HAKATA"),
        ("ULSAN", "MAIZURU KO"),
        ("NAKHODKA", "OTARU KO"),
        ("TIANJIN XIN GANG", "PUSAN"),
        ("POHANG", "FUSHIKI-TOYAMA"),
        ("VOSTOCHNYY", "TSURUGA KO"),
        ("YANTAI", "INCHON"),
        ("SLAVYANKA", "PUSAN"),
    ]
    _plant_identity_cases(ctx, quiet_lanes)
    _background(ctx, vessels, quiet_lanes)
    return ScenarioPlan(ctx.builder.build(), ctx.truth)


def _plant_identity_cases(ctx: _Context, lanes: list[tuple[str, str]], count: int = 1) -> None:
    rng = ctx.rng
    span = ctx.end_s - ctx.start_s
    for _ in range(count):
        # spoofing: a second transmitter far away with the same MMSI
        v = ctx.new_vessel(flag="KOR", role="spoofed", ship_type=70)
        ctx.trader(v, ("PUSAN", "NIIGATA KO"), speed_knots=12.0)
        plant_spoofing(
            ctx,
            v,
            ("DALIAN", "YANTAI"),
            at_s=ctx.start_s + float(rng.uniform(0.2, 0.6)) * span,
            duration_s=min(3 * DAY, 0.3 * span),
        )
        # identity change: the name in the type 5 changes mid-run
        renamed_at = ctx.start_s + float(rng.uniform(0.3, 0.7)) * span
        new_name = identity.make_name(rng, "PAN", ctx.names)
        v = ctx.new_vessel(
            flag="PAN",
            role="identity_change",
            ship_type=70,
            renamed_to=new_name,
            renamed_at_s=renamed_at,
        )
        ctx.trader(v, lanes[int(rng.integers(len(lanes)))], speed_knots=12.0)
        old = ctx.builder.vessels[v]
        ctx.truth.add(
            "identity_change",
            old.mmsi,
            renamed_at,
            renamed_at,
            np.nan,
            np.nan,
            details={"field": "name", "old": old.name, "new": new_name},
        )
        # invalid identities: a bad IMO check digit; an MMSI with an unassigned MID
        v = ctx.new_vessel(
            flag="PAN",
            role="invalid_identity",
            ship_type=70,
            imo=identity.make_imo(rng, is_valid=False),
        )
        ctx.trader(v, lanes[int(rng.integers(len(lanes)))], speed_knots=12.0)
        bad = ctx.builder.vessels[v]
        ctx.truth.add(
            "invalid_identity",
            bad.mmsi,
            ctx.start_s,
            ctx.end_s,
            np.nan,
            np.nan,
            details={"reason": "imo_check_digit", "imo": bad.imo},
        )
        v = ctx.new_vessel(
            flag="PAN", role="invalid_identity", ship_type=70, mid=identity.UNASSIGNED_MID
        )
        ctx.trader(v, lanes[int(rng.integers(len(lanes)))], speed_knots=12.0)
        bad = ctx.builder.vessels[v]
        ctx.truth.add(
            "invalid_identity",
            bad.mmsi,
            ctx.start_s,
            ctx.end_s,
            np.nan,
            np.nan,
            details={"reason": "mid_unassigned", "mid": identity.UNASSIGNED_MID},
        )


def build_random(
    *, seed: int, start_s: float, days: float, vessels: int, planted_ratio: float
) -> ScenarioPlan:
    """A large fleet on random lanes; ``planted_ratio`` of the vessels per planted kind."""
    if not 0.0 <= planted_ratio <= 0.1:
        raise ConfigError(
            f"planted_ratio must be within 0-0.1 (share of vessels per kind), got {planted_ratio}"
        )
    rng = np.random.default_rng(seed)
    end_s = start_s + days * DAY
    span = end_s - start_s
    ctx = _Context(rng, start_s, end_s)
    pairs = sorted(itertools.combinations(BACKGROUND_PORTS, 2))
    chosen = rng.choice(len(pairs), size=min(40, len(pairs)), replace=False)
    lanes = [pairs[int(i)] for i in sorted(chosen)]
    n_each = int(round(planted_ratio * vessels))
    for _ in range(n_each):  # shuttles
        v = ctx.new_vessel(flag="RUS", role="shuttle", ship_type=70, mid=273)
        home = str(rng.choice(RUS_SHUTTLE_PORTS))
        plant_shuttle(
            ctx,
            v,
            home,
            str(rng.choice(PRK_PORTS)),
            visible_trip=None,
            stay_home_h=(8.0, 24.0),
            stay_prk_h=(8.0, 20.0),
            speed_knots=float(rng.uniform(10, 13)),
        )
    for _ in range(n_each):  # dark gaps at sea
        v = ctx.new_vessel(flag="PAN", role="gap", ship_type=80)
        a, b = lanes[int(rng.integers(len(lanes)))]
        ctx.trader(v, (a, b), speed_knots=12.0)
        off_from = start_s + float(rng.uniform(0.1, 0.6)) * span
        ctx.builder.switch_off(v, off_from, off_from + float(rng.uniform(8.0, 30.0)) * HOUR)
    for _ in range(n_each):  # encounters
        a, b = lanes[int(rng.integers(len(lanes)))]
        v_a = ctx.new_vessel(
            flag=str(rng.choice(["RUS", "PAN", "LBR"])), role="tanker", ship_type=80
        )
        v_b = ctx.new_vessel(
            flag=str(rng.choice(["PRK", "PAN", "HKG"])), role="tanker", ship_type=80
        )
        if not plant_encounter(
            ctx, v_a, v_b, a, b, at_s=start_s + float(rng.uniform(0.2, 0.7)) * span
        ):
            ctx.trader(v_a, (a, b), speed_knots=12.0)
            ctx.trader(v_b, (a, b), speed_knots=12.0)
    for _ in range(n_each):  # loitering
        a, b = lanes[int(rng.integers(len(lanes)))]
        v = ctx.new_vessel(flag="PAN", role="loitering", ship_type=79)
        if not plant_loitering(ctx, v, a, b, at_s=start_s + float(rng.uniform(0.2, 0.7)) * span):
            ctx.trader(v, (a, b), speed_knots=12.0)
    if n_each:
        _plant_identity_cases(ctx, lanes, count=n_each)
    planted = sum(v.role != "clone" for v in ctx.builder.vessels)
    _background(ctx, max(vessels - planted, 0), lanes)
    return ScenarioPlan(ctx.builder.build(), ctx.truth)


SCENARIOS: dict[str, str] = {
    "shuttle": "the 2023 Rajin <-> Vostochny/Dunay arms shuttle, with quiet background traffic",
    "random": "a large random fleet for benchmarks, planted_ratio of vessels per behaviour",
}
