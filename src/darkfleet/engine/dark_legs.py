"""Detection steps over events: dark-leg reasoning, then shuttles (engine layer).

Imports ``detect``, ``fuse``, ``store`` and ``schema``; never ``cli``. ``run_detection``
calls these after the per-vessel chunks and day windows have produced the gap and
port_visit events, in this order:

1. ``run_dark_port_calls``: ``fuse.darklegs.detect_dark_port_calls`` over the gap events
   of the vessels in scope, with their demonstrated speeds read from the store (the
   positions of spoofed second tracks excluded, as for every other detector) and the
   analyst's sightings;
2. ``run_shuttles``: ``detect.shuttle.detect_shuttles`` over the port_visit and
   dark_port_call events of the vessels in scope.

Each step takes the store's events after the earlier steps (``events``) and returns them
with its own type replaced for the vessels in scope (all vessels when ``vessels`` is
None). Results depend only on each vessel's events, positions and the sightings, so an
incremental run over the changed vessels equals a full run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from darkfleet import schema
from darkfleet.detect.context import GeoContext
from darkfleet.detect.shuttle import ShuttleParams, detect_shuttles
from darkfleet.fuse.darklegs import (
    DarkPortCallParams,
    demonstrated_speeds,
    detect_dark_port_calls,
    sensitive_ports,
)
from darkfleet.fuse.sea_distance import SeaRouter
from darkfleet.store import Store
from darkfleet.store.protocol import DETECT_EXCLUDED

__all__ = ["DarkLegStats", "run_dark_port_calls", "run_shuttles", "sightings_fingerprint"]


@dataclass(slots=True)
class DarkLegStats:
    """What dark-leg reasoning did: gaps considered and sea routes computed or reused."""

    gaps: int = 0
    routes_computed: int = 0
    routes_reused: int = 0


def sightings_fingerprint(sightings: pl.DataFrame) -> str:
    """First 16 hex digits of the SHA-256 of the sightings' canonical JSON (row order free).

    Examples
    --------
    >>> from darkfleet.fuse.darklegs import empty_sightings
    >>> len(sightings_fingerprint(empty_sightings()))
    16
    """
    schema.require(sightings, schema.SIGHTINGS, what="sightings")
    columns = list(schema.SIGHTINGS)
    canonical = sightings.select(columns).sort(columns, nulls_last=True)
    return hashlib.sha256(canonical.write_json().encode()).hexdigest()[:16]


def _in_scope(vessels: Collection[int] | None) -> pl.Expr:
    if vessels is None:
        return pl.lit(True)
    return pl.col("mmsi").is_in(pl.Series(sorted(vessels), dtype=pl.Int64).implode())


def _replace(
    events: pl.DataFrame, event_type: str, vessels: Collection[int] | None, new: pl.DataFrame
) -> pl.DataFrame:
    stale = (pl.col("type") == event_type) & _in_scope(vessels)
    return pl.concat(
        [events.filter(~stale.fill_null(False)), schema.conform(new, schema.EVENTS)],
        how="vertical",
    )


def run_dark_port_calls(
    store: Store,
    events: pl.DataFrame,
    *,
    params: DarkPortCallParams,
    context: GeoContext,
    sightings: pl.DataFrame,
    excluded: pl.DataFrame,
    vessels: Collection[int] | None,
    stats: DarkLegStats,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Recompute ``dark_port_call`` events for ``vessels`` (None: all) from their gaps.

    ``excluded`` holds the positions of spoofed second tracks (``DETECT_EXCLUDED``), kept
    out of the demonstrated speeds. ``stats`` is updated in place. Returns the events with
    the replacement made, and the new calls.
    """
    gaps = events.filter((pl.col("type") == "gap") & _in_scope(vessels))
    stats.gaps += gaps.height
    ports = sensitive_ports(context)
    if gaps.is_empty() or ports.is_empty():
        calls = schema.empty(schema.EVENTS)
        return _replace(events, "dark_port_call", vessels, calls), calls
    with_gaps = gaps.get_column("mmsi").unique().sort().implode()
    positions = (
        store.scan("positions")
        .filter(pl.col("mmsi").is_in(with_gaps))
        .select(*DETECT_EXCLUDED, "sog_knots")
    )
    if excluded.height:
        keys = list(DETECT_EXCLUDED)
        positions = positions.join(excluded.lazy(), on=keys, how="anti", nulls_equal=True)
    speeds = demonstrated_speeds(positions, params)
    router = SeaRouter.for_ports(ports, cell_deg=params.route_cell_deg)
    calls = detect_dark_port_calls(gaps, speeds, sightings, params, context, router=router)
    stats.routes_computed += router.routes_computed
    stats.routes_reused += router.routes_reused
    return _replace(events, "dark_port_call", vessels, calls), calls


def run_shuttles(
    events: pl.DataFrame, *, params: ShuttleParams, vessels: Collection[int] | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Recompute ``shuttle`` events for ``vessels`` (None: all) from their visits and calls.

    Returns the events with the replacement made, and the new shuttles.
    """
    visits = events.filter(pl.col("type").is_in(list(params.visit_types)) & _in_scope(vessels))
    shuttles = detect_shuttles(visits, params)
    return _replace(events, "shuttle", vessels, shuttles), shuttles
