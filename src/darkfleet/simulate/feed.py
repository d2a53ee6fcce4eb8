"""From a ``Fleet`` to the NMEA feed an aggregator would store (simulate layer).

Transmission (ITU-R M.1371-5, table 1): class A reports every 10 s at 0-14 kn, 6 s at
14-23 kn, 2 s above 23 kn, every 3 min at anchor or moored; class B (CS) every 30 s;
static and voyage data (type 5, class B type 24 A/B) every 6 min.

Aggregation (the documented thinning): the feed is what a shore/satellite aggregator
keeps, at most one position per vessel per ``FeedParams.position_interval_s`` (default
300 s) and one static report per ``static_interval_s`` (default 3600 s). Sampling times
are a per-piece grid with a random phase and a +-5 % interval stretch, so vessels do
not report in lock step. The factor against the raw VHF rate is
``position_interval_s / itu_interval_s`` (30x to 150x at sea for class A).

Reception: a terrestrial station hears a vessel within ``terrestrial_range_km`` (74 km,
40 nm: typical VHF range to a coastal mast) with a probability falling from 0.95 to 0.6
at the edge, except during short interference bursts (3 % of vessel-hours, probability
0.2). Farther out only satellites hear: a pass in every hour lasting 15 min (a constellation of a few dozen satellites), hearing
0.8 of the messages in it. No station stands in the DPRK, so Rajin is heard only from
the Russian mast at Posyet (~45 km). Positions get Gaussian GNSS noise
(``position_noise_m``, 10 m), speeds 0.1 kn noise.

Every random draw is a hash of (seed, piece, sample number, purpose), so the feed
does not depend on how it is chunked in time, and a seed gives byte-identical output.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from darkfleet.errors import ConfigError
from darkfleet.geodesy import offset_m
from darkfleet.simulate import nmea
from darkfleet.simulate.fleet import SAIL, Fleet
from darkfleet.units import EARTH_RADIUS_M, MPS_PER_KNOT

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Column arrays of one batch of messages, by column name (internal).
Columns = dict[str, Any]

__all__ = ["FeedParams", "STATIONS", "iter_feed_chunks", "sample_messages"]

#: Coastal AIS receivers (approximate mast positions at the named places).
STATIONS: Final[tuple[tuple[str, float, float], ...]] = (
    ("rus-vladivostok", 43.10, 131.90),
    ("rus-nakhodka", 42.80, 132.90),
    ("rus-posyet", 42.65, 130.80),
    ("rus-preobrazheniye", 42.90, 133.90),
    ("rus-rudnaya", 44.35, 135.80),
    ("kor-sokcho", 38.20, 128.60),
    ("kor-donghae", 37.50, 129.10),
    ("kor-ulleung", 37.50, 130.90),
    ("kor-pohang", 36.00, 129.40),
    ("kor-busan", 35.10, 129.00),
    ("kor-mokpo", 34.80, 126.40),
    ("kor-incheon", 37.45, 126.60),
    ("jpn-tsushima", 34.40, 129.30),
    ("jpn-fukuoka", 33.60, 130.40),
    ("jpn-oki", 36.20, 133.30),
    ("jpn-sakaiminato", 35.50, 133.20),
    ("jpn-tsuruga", 35.65, 136.07),
    ("jpn-noto", 37.30, 136.80),
    ("jpn-sado", 38.00, 138.40),
    ("jpn-niigata", 37.90, 139.05),
    ("jpn-akita", 39.80, 140.00),
    ("jpn-otaru", 43.20, 141.00),
    ("chn-dalian", 38.90, 121.60),
    ("chn-yantai", 37.55, 121.40),
    ("chn-weihai", 37.50, 122.10),
    ("chn-qingdao", 36.05, 120.30),
    ("chn-tianjin", 38.97, 117.80),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedParams:
    """How the aggregated feed is sampled and received.

    position_interval_s : the aggregator keeps one position per vessel per this many
        seconds (default 300: enough for 2-hour encounters and 6-hour gaps, keeps a
        45-day scenario near a million lines).
    static_interval_s : one static report (type 5, or 24A+24B) per vessel per this many
        seconds (ITU: 360 s; default 3600).
    terrestrial_range_km : VHF range of a coastal station (default 74 km = 40 nm).
    satellite_period_s, satellite_window_s : a satellite pass every ~period lasting window.
    position_noise_m : standard deviation of GNSS noise per axis (default 10 m).
    type3_ratio : share of class A position reports sent as type 3 (default 0.1).
    """

    position_interval_s: float = 300.0
    static_interval_s: float = 3600.0
    terrestrial_range_km: float = 74.0
    satellite_period_s: float = 3600.0
    satellite_window_s: float = 900.0
    position_noise_m: float = 10.0
    type3_ratio: float = 0.1

    def __post_init__(self) -> None:
        for name in (
            "position_interval_s",
            "static_interval_s",
            "terrestrial_range_km",
            "satellite_period_s",
            "satellite_window_s",
        ):
            value = getattr(self, name)
            if not value > 0:
                raise ConfigError(f"FeedParams.{name} must be > 0, got {value}")
        if self.position_noise_m < 0:
            raise ConfigError(
                f"FeedParams.position_noise_m must be >= 0 m, got {self.position_noise_m}"
            )
        if not 0.0 <= self.type3_ratio <= 1.0:
            raise ConfigError(f"FeedParams.type3_ratio must be within 0-1, got {self.type3_ratio}")


_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser: a well-mixed 64-bit hash of each value."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def hash_uniform(seed: int, purpose: int, a: IntArray, b: IntArray | int = 0) -> FloatArray:
    """Deterministic uniform [0, 1) numbers from (seed, purpose, a, b)."""
    with np.errstate(over="ignore"):
        x = np.asarray(a, dtype=np.int64).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x = _mix(x ^ np.uint64((seed * 1_000_003 + purpose) & 0xFFFFFFFFFFFF))
        x = _mix(
            x + np.asarray(b, dtype=np.int64).astype(np.uint64) * np.uint64(0xD1B54A32D192ED03)
        )
    return np.asarray((x >> np.uint64(11)).astype(np.float64) / float(1 << 53), dtype=np.float64)


def hash_normal(seed: int, purpose: int, a: IntArray, b: IntArray | int = 0) -> FloatArray:
    """Deterministic standard normal numbers (Box-Muller on two hashed uniforms)."""
    u1 = hash_uniform(seed, purpose, a, b)
    u2 = hash_uniform(seed, purpose + 7919, a, b)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


_STATION_NAMES = np.array([s[0] for s in STATIONS])
_STATION_LAT = np.array([s[1] for s in STATIONS])
_STATION_LON = np.array([s[2] for s in STATIONS])


_STATION_TREE = cKDTree(
    np.column_stack(
        [
            np.cos(np.radians(_STATION_LAT)) * np.cos(np.radians(_STATION_LON)),
            np.cos(np.radians(_STATION_LAT)) * np.sin(np.radians(_STATION_LON)),
            np.sin(np.radians(_STATION_LAT)),
        ]
    )
)


def _nearest_station(lat: FloatArray, lon: FloatArray) -> tuple[IntArray, FloatArray]:
    """Index of and great-circle distance (km) to the nearest station (KD-tree on unit vectors)."""
    phi = np.radians(lat)
    lmb = np.radians(lon)
    xyz = np.column_stack([np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)])
    chord, index = _STATION_TREE.query(xyz)
    distance_km = 2.0 * EARTH_RADIUS_M * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0)) / 1000.0
    return np.asarray(index, dtype=np.int64), np.asarray(distance_km, dtype=np.float64)


def _receive(
    fleet: Fleet,
    params: FeedParams,
    seed: int,
    vessel: IntArray,
    t: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    key: IntArray,
    purpose: int,
) -> tuple[BoolArray, npt.NDArray[np.str_]]:
    """Which messages an aggregator receives, and through which station."""
    n = len(t)
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype="<U20")
    nearest, nearest_km = _nearest_station(lat, lon)
    is_terrestrial = nearest_km <= params.terrestrial_range_km
    p_terrestrial = 0.95 - 0.35 * (nearest_km / params.terrestrial_range_km) ** 2
    hour = np.floor(t / 3600.0).astype(np.int64)
    is_burst = hash_uniform(seed, 11, vessel, hour) < 0.03
    p_terrestrial = np.where(is_burst, 0.2, p_terrestrial)
    # satellite passes: pass j starts at j*period + a hashed offset of up to 20 min
    period = params.satellite_period_s
    pass_index = np.floor(t / period).astype(np.int64)
    pass_start = pass_index * period + hash_uniform(seed, 13, pass_index) * (
        period - params.satellite_window_s
    )
    is_in_pass = (t >= pass_start) & (t < pass_start + params.satellite_window_s)
    p = np.where(is_terrestrial, p_terrestrial, np.where(is_in_pass, 0.8, 0.0))
    is_received = hash_uniform(seed, purpose, key) < p
    satellite = np.char.add("sat-", np.char.zfill((pass_index % 24 + 1).astype(str), 2))
    station = np.where(is_terrestrial, _STATION_NAMES[nearest], satellite)
    return is_received, station


def _itu_interval_s(fleet: Fleet, piece: IntArray) -> FloatArray:
    kind = fleet.kind[piece]
    speed_mps = np.where(
        kind == SAIL,
        fleet.speed_mps[piece],
        np.hypot(fleet.north_mps[piece], fleet.east_mps[piece]),
    )
    speed_knots = speed_mps / MPS_PER_KNOT
    is_class_b = np.array([fleet.vessels[v].ais_class == "B" for v in range(len(fleet.vessels))])[
        fleet.vessel[piece]
    ]
    interval = np.where(speed_knots > 23, 2.0, np.where(speed_knots > 14, 6.0, 10.0))
    interval = np.where(speed_knots < 0.1, 180.0, interval)
    return np.where(is_class_b, 30.0, interval)


@dataclass(frozen=True, slots=True, eq=False)
class Messages:
    """Received messages of one time window, as column arrays (before encoding)."""

    positions: Columns
    statics: Columns


def sample_messages(
    fleet: Fleet, params: FeedParams, seed: int, t_from: float, t_to: float
) -> Messages:
    """All received position and static messages with ``t_from <= ts < t_to``."""
    return Messages(
        positions=_sample_positions(fleet, params, seed, t_from, t_to),
        statics=_sample_statics(fleet, params, seed, t_from, t_to),
    )


def _sample_positions(
    fleet: Fleet, params: FeedParams, seed: int, t_from: float, t_to: float
) -> Columns:
    pieces = np.flatnonzero(fleet.is_on & (fleet.t1 > t_from) & (fleet.t0 < t_to))
    stretch = 1.0 + 0.1 * (hash_uniform(seed, 1, pieces) - 0.5)
    interval = np.maximum(params.position_interval_s * stretch, _itu_interval_s(fleet, pieces))
    phase = hash_uniform(seed, 2, pieces) * interval
    base = fleet.t0[pieces] + phase
    k_first = np.maximum(np.ceil((t_from - base) / interval), 0).astype(np.int64)
    k_stop = np.ceil((np.minimum(t_to, fleet.t1[pieces]) - base) / interval).astype(np.int64)
    counts = np.maximum(k_stop - k_first, 0)
    total = int(counts.sum())
    rep = np.repeat(np.arange(len(pieces)), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else np.zeros(0, np.int64)
    k = k_first[rep] + (np.arange(total) - starts[rep])
    piece = pieces[rep]
    t = base[rep] + k * interval[rep]
    keep = (t >= t_from) & (t < t_to) & (t < fleet.t1[piece])
    piece, t, k = piece[keep], t[keep], k[keep]
    state = fleet.evaluate(piece, t)
    vessel = fleet.vessel[piece]
    key = piece * 1_000_003 + k
    is_received, station = _receive(fleet, params, seed, vessel, t, state.lat, state.lon, key, 3)
    sel = np.flatnonzero(is_received)
    noise_n = hash_normal(seed, 4, key[sel]) * params.position_noise_m
    noise_e = hash_normal(seed, 5, key[sel]) * params.position_noise_m
    lat, lon = offset_m(state.lat[sel], state.lon[sel], noise_n, noise_e)
    sog = np.clip(state.sog_knots[sel] + hash_normal(seed, 6, key[sel]) * 0.1, 0.0, None)
    moving = state.sog_knots[sel] > 0.3
    cog = (
        np.where(
            moving,
            state.cog_deg[sel] + hash_normal(seed, 8, key[sel]) * 1.5,
            hash_uniform(seed, 9, key[sel]) * 360.0,
        )
        % 360.0
    )
    heading = (
        np.rint(
            np.where(
                moving,
                state.cog_deg[sel] + hash_normal(seed, 10, key[sel]) * 2.0,
                fleet.heading_deg[piece[sel]],
            )
        )
        % 360
    )
    is_class_b = np.array([v.ais_class == "B" for v in fleet.vessels], dtype=bool)[vessel[sel]]
    is_type3 = hash_uniform(seed, 12, key[sel]) < params.type3_ratio
    msg_type = np.where(is_class_b, 18, np.where(is_type3, 3, 1))
    mmsi = np.array([v.mmsi for v in fleet.vessels], dtype=np.int64)[vessel[sel]]
    return {
        "ts": t[sel],
        "vessel": vessel[sel],
        "mmsi": mmsi,
        "msg_type": msg_type.astype(np.int64),
        "lat": lat,
        "lon": lon,
        "sog_knots": sog,
        "cog_deg": cog,
        "heading_deg": heading.astype(np.int64),
        "nav_status": state.nav_status[sel].astype(np.int64),
        "station": station[sel],
        "channel": np.where(hash_uniform(seed, 14, key[sel]) < 0.5, "A", "B"),
    }


def _sample_statics(
    fleet: Fleet, params: FeedParams, seed: int, t_from: float, t_to: float
) -> Columns:
    n_vessels = len(fleet.vessels)
    vessels = np.arange(n_vessels, dtype=np.int64)
    interval = params.static_interval_s
    base = fleet.start_s + hash_uniform(seed, 20, vessels) * interval
    k_first = np.maximum(np.ceil((t_from - base) / interval), 0).astype(np.int64)
    k_stop = np.maximum(np.ceil((t_to - base) / interval), 0).astype(np.int64)
    counts = np.maximum(k_stop - k_first, 0)
    rep = np.repeat(vessels, counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    k = k_first[rep] + (np.arange(int(counts.sum())) - starts[rep])
    t = base[rep] + k * interval
    piece = fleet.locate(rep, t)
    ok = (piece >= 0) & (t >= t_from) & (t < t_to)
    ok[ok] &= fleet.is_on[piece[ok]]
    rep, t, k, piece = rep[ok], t[ok], k[ok], piece[ok]
    state = fleet.evaluate(piece, t)
    key = rep * 1_000_003 + k
    is_received, station = _receive(fleet, params, seed, rep, t, state.lat, state.lon, key, 21)
    sel = np.flatnonzero(is_received)
    # time order, so type 5 group ids grow with time whatever the chunking
    sel = sel[np.lexsort((rep[sel], t[sel]))]
    return {
        "ts": t[sel],
        "vessel": rep[sel],
        "station": station[sel],
        "channel": np.where(hash_uniform(seed, 22, key[sel]) < 0.5, "A", "B"),
    }


def _encode_positions(fleet: Fleet, positions: Columns) -> list[tuple[nmea.Sentences, FloatArray]]:
    out: list[tuple[nmea.Sentences, FloatArray]] = []
    ts = np.asarray(positions["ts"], dtype=np.float64)
    epoch = np.floor(ts).astype(np.int64)
    second = epoch % 60
    is_b = positions["msg_type"] == 18
    for mask, is_class_b in ((~is_b, False), (is_b, True)):
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            continue
        common = dict(
            mmsi=positions["mmsi"][idx],
            sog_knots=positions["sog_knots"][idx],
            lat=positions["lat"][idx],
            lon=positions["lon"][idx],
            cog_deg=positions["cog_deg"][idx],
            heading_deg=positions["heading_deg"][idx],
            second=second[idx],
        )
        if is_class_b:
            fields = nmea.class_b_position_fields(**common)  # type: ignore[arg-type]
        else:
            fields = nmea.position_report_fields(
                msg_type=positions["msg_type"][idx],
                nav_status=positions["nav_status"][idx],
                **common,  # type: ignore[arg-type]
            )
        encoded = nmea.sentences(
            nmea.encode_bits(fields),
            epoch_s=epoch[idx],
            stations=positions["station"][idx],
            channels=positions["channel"][idx],
        )
        out.append((encoded, ts[idx]))
    return out


def _identity_columns(fleet: Fleet, vessel: IntArray, t: FloatArray) -> Columns:
    vs = fleet.vessels
    name = np.array([v.name for v in vs])[vessel]
    renamed_at = np.array([np.inf if v.renamed_at_s is None else v.renamed_at_s for v in vs])[
        vessel
    ]
    new_name = np.array([v.renamed_to or v.name for v in vs])[vessel]
    name = np.where(t >= renamed_at, new_name, name)
    return {
        "mmsi": np.array([v.mmsi for v in vs], dtype=np.int64)[vessel],
        "imo": np.array([v.imo for v in vs], dtype=np.int64)[vessel],
        "name": name,
        "callsign": np.array([v.callsign for v in vs])[vessel],
        "ship_type": np.array([v.ship_type for v in vs], dtype=np.int64)[vessel],
        "length_m": np.array([v.length_m for v in vs], dtype=np.int64)[vessel],
        "beam_m": np.array([v.beam_m for v in vs], dtype=np.int64)[vessel],
        "draught_m": np.array([v.draught_m for v in vs], dtype=np.float64)[vessel],
        "destination": np.array([v.destination for v in vs])[vessel],
        "is_class_b": np.array([v.ais_class == "B" for v in vs], dtype=bool)[vessel],
    }


def _encode_statics(
    fleet: Fleet, statics: Columns, group_start: int
) -> tuple[list[tuple[nmea.Sentences, FloatArray]], int]:
    out: list[tuple[nmea.Sentences, FloatArray]] = []
    ts = np.asarray(statics["ts"], dtype=np.float64)
    vessel = np.asarray(statics["vessel"], dtype=np.int64)
    ident = _identity_columns(fleet, vessel, ts)
    epoch = np.floor(ts).astype(np.int64)
    to_bow = np.rint(ident["length_m"] * 0.8).astype(np.int64)  # type: ignore[call-overload]
    to_stern = ident["length_m"] - to_bow
    to_port = ident["beam_m"] // 2  # type: ignore[operator]
    to_starboard = ident["beam_m"] - to_port
    a_idx = np.flatnonzero(~ident["is_class_b"])
    if len(a_idx):
        eta_s = epoch[a_idx] + 86400
        eta_days = eta_s // 86400
        # civil month/day of the ETA from days since the epoch (proleptic Gregorian)
        dates = np.array(eta_days, dtype="datetime64[D]")
        months = (dates.astype("datetime64[M]").astype(np.int64) % 12) + 1
        days = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
        fields = nmea.static_voyage_fields(
            mmsi=ident["mmsi"][a_idx],
            imo=ident["imo"][a_idx],
            callsign=ident["callsign"][a_idx],  # type: ignore[arg-type]
            name=ident["name"][a_idx],
            ship_type=ident["ship_type"][a_idx],  # type: ignore[arg-type]
            to_bow_m=to_bow[a_idx],
            to_stern_m=to_stern[a_idx],  # type: ignore[index]
            to_port_m=to_port[a_idx],
            to_starboard_m=to_starboard[a_idx],  # type: ignore[index]
            eta_month=months,
            eta_day=days,
            eta_hour=(eta_s // 3600) % 24,
            eta_minute=np.zeros(len(a_idx), np.int64),
            draught_m=ident["draught_m"][a_idx],
            destination=ident["destination"][a_idx],  # type: ignore[arg-type]
        )
        group_ids = (group_start + np.arange(len(a_idx))) % 9999 + 1
        group_start += len(a_idx)
        encoded = nmea.sentences(
            nmea.encode_bits(fields),
            epoch_s=epoch[a_idx],
            stations=statics["station"][a_idx],
            channels=statics["channel"][a_idx],
            group_ids=group_ids,
        )
        out.append((encoded, ts[a_idx]))
    b_idx = np.flatnonzero(ident["is_class_b"])
    if len(b_idx):
        part_a = nmea.static_24a_fields(mmsi=ident["mmsi"][b_idx], name=ident["name"][b_idx])  # type: ignore[arg-type]
        part_b = nmea.static_24b_fields(
            mmsi=ident["mmsi"][b_idx],
            ship_type=ident["ship_type"][b_idx],
            callsign=ident["callsign"][b_idx],  # type: ignore[arg-type]
            to_bow_m=to_bow[b_idx],
            to_stern_m=to_stern[b_idx],  # type: ignore[index]
            to_port_m=to_port[b_idx],
            to_starboard_m=to_starboard[b_idx],  # type: ignore[index]
        )
        for fields, shift in ((part_a, 0.0), (part_b, 0.5)):
            encoded = nmea.sentences(
                nmea.encode_bits(fields),
                epoch_s=epoch[b_idx],
                stations=statics["station"][b_idx],
                channels=statics["channel"][b_idx],
            )
            out.append((encoded, ts[b_idx] + shift * 1e-3))
    return out, group_start


def iter_feed_chunks(
    fleet: Fleet, params: FeedParams, seed: int, chunk_s: float | None = None
) -> Iterator[bytes]:
    """Yield the NMEA feed as bytes blocks, in time order, one per ``chunk_s`` window.

    The bytes do not depend on ``chunk_s`` (every draw is hashed, not sequential); by
    default a window holds about 6 h of 1,000 vessels' messages, which keeps the memory
    of a 10,000-vessel fleet bounded (a few hundred MB).
    """
    if chunk_s is None:
        chunk_s = float(
            np.clip(6 * 3600.0 * 1000.0 / max(len(fleet.vessels), 1), 600.0, 6 * 3600.0)
        )
    group = 0
    t = fleet.start_s
    while t < fleet.end_s:
        t_to = min(t + chunk_s, fleet.end_s)
        messages = sample_messages(fleet, params, seed, t, t_to)
        batches = _encode_positions(fleet, messages.positions)
        static_batches, group = _encode_statics(fleet, messages.statics, group)
        batches += static_batches
        if batches:
            yield nmea.assemble_lines([b for b, _ in batches], [k for _, k in batches])
        t = t_to
