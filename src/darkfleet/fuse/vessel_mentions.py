"""Which vessel an analyst means: free text to MMSI and IMO (fuse layer).

Imports ``store``, ``reference``, ``schema`` and ``errors``; never ``cli``.

Analysts name vessels as they find them: ``LADY R (IMO 9161003)``, ``MMSI 273845000``,
``9161003`` or just ``Angara``. ``VesselIndex.resolve`` reads identifier tokens first and
the name only when there is none:

1. an MMSI (``MMSI 273845000``, or nine digits alone) is the vessel; its IMO comes from
   the text or else from the store's latest static report of that MMSI;
2. an IMO (``IMO 9161003``, ``IMO:9161003``, or seven digits alone) is looked up in the
   static reports; when several MMSIs reported it over time (a re-flag), the one that
   reported it closest to the sighting's time wins; an IMO the store never saw still
   resolves, with no MMSI;
3. otherwise the name, compared after normalisation (case, diacritics, punctuation and a
   leading ``MV``/``MT``/``SS`` ignored) with every name in the static reports: exactly
   one MMSI must match, or several that all reported one and the same IMO (one ship
   re-flagged; chosen as in 2.); none, or several ships, is an error that lists the
   candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import polars as pl

from darkfleet.errors import InputError
from darkfleet.reference._names import normalise_name
from darkfleet.store import Store

__all__ = ["ResolvedVessel", "VesselIndex"]

_IMO_TOKEN: Final = re.compile(r"\bIMO\s*(?:NO\.?|NUMBER)?\s*[:#.]?\s*(\d{7})\b", re.IGNORECASE)
_MMSI_TOKEN: Final = re.compile(r"\bMMSI\s*[:#.]?\s*(\d{9})\b", re.IGNORECASE)
_SHIP_PREFIX: Final = re.compile(r"^(?:M ?[VT]|SS) ")
#: At most this many candidates are listed when a name is ambiguous.
_MAX_LISTED: Final = 5
_EXAMPLE: Final = "e.g. 'LADY R (IMO 9161003)' or 'MMSI 273845000'"


@dataclass(frozen=True, slots=True)
class ResolvedVessel:
    """The vessel an analyst's text names: MMSI and IMO, either may be unknown."""

    mmsi: int | None
    imo: int | None


def _name_key(text: str) -> str:
    return _SHIP_PREFIX.sub("", normalise_name(text))


class VesselIndex:
    """The store's static reports reduced to (mmsi, imo, name, first/last time) rows."""

    def __init__(self, identities: pl.DataFrame) -> None:
        """Build the index from a frame of ``mmsi``, ``imo``, ``name``, ``first_ts``, ``last_ts``."""
        names = identities["name"].unique().drop_nulls().to_list()
        keys = pl.DataFrame(
            {"name": names, "name_key": [_name_key(n) for n in names]},
            schema={"name": pl.String(), "name_key": pl.String()},
        )
        self._identities = identities.join(keys, on="name", how="left")

    @classmethod
    def from_store(cls, store: Store) -> VesselIndex:
        """Index the store's static reports (one row per distinct identity)."""
        identities = (
            store.scan("statics")
            .group_by("mmsi", "imo", "name")
            .agg(pl.col("ts").min().alias("first_ts"), pl.col("ts").max().alias("last_ts"))
            .sort("mmsi", "first_ts", "imo", "name", nulls_last=True)
            .collect()
        )
        return cls(identities)

    def _latest_imo(self, mmsi: int) -> int | None:
        rows = self._identities.filter((pl.col("mmsi") == mmsi) & pl.col("imo").is_not_null())
        if rows.is_empty():
            return None
        return int(rows.sort("last_ts", "imo", descending=True)["imo"][0])

    def _mmsi_for_imo(self, imo: int, at: datetime | None) -> int | None:
        rows = self._identities.filter(pl.col("imo") == imo)
        if rows.is_empty():
            return None
        if at is not None:
            # Distance from the sighting's time to the span the MMSI reported this IMO.
            rows = rows.with_columns(
                pl.max_horizontal(
                    (pl.col("first_ts") - pl.lit(at)).dt.total_microseconds(),
                    (pl.lit(at) - pl.col("last_ts")).dt.total_microseconds(),
                    pl.lit(0),
                ).alias("distance_us")
            ).sort("distance_us", "mmsi")
        else:
            rows = rows.sort("last_ts", "mmsi", descending=[True, False])
        return int(rows["mmsi"][0])

    def resolve(self, text: str, *, at: datetime | None = None) -> ResolvedVessel:
        """Return the vessel ``text`` names (see the module docstring for the rules).

        Parameters
        ----------
        text
            The vessel as the analyst wrote it.
        at
            The sighting's time (UTC); picks among MMSIs that reported one IMO.

        Raises
        ------
        InputError
            Empty text, a name no static report carries, or a name several MMSIs
            carry (the message lists them and says to give the IMO or MMSI).
        """
        stripped = text.strip()
        if not stripped:
            raise InputError(f"the vessel is empty; name it, {_EXAMPLE}")
        mmsi_match = _MMSI_TOKEN.search(stripped) or re.fullmatch(r"(\d{9})", stripped)
        imo_match = _IMO_TOKEN.search(stripped) or re.fullmatch(r"(\d{7})", stripped)
        imo = int(imo_match.group(1)) if imo_match else None
        if mmsi_match:
            mmsi = int(mmsi_match.group(1))
            return ResolvedVessel(mmsi=mmsi, imo=imo if imo is not None else self._latest_imo(mmsi))
        if imo is not None:
            return ResolvedVessel(mmsi=self._mmsi_for_imo(imo, at), imo=imo)
        key = _name_key(stripped)
        matches = (
            self._identities.filter(pl.col("name_key") == key)
            .group_by("mmsi")
            .agg(pl.col("imo").drop_nulls().max())
            .sort("mmsi")
        )
        if matches.is_empty():
            raise InputError(
                f"vessel {stripped!r} matches no name in the store's static reports and "
                f"carries no IMO or MMSI; add its IMO or MMSI ({_EXAMPLE}), or ingest AIS "
                "that names it first"
            )
        imos = matches["imo"].unique()
        if matches.height > 1 and imos.null_count() == 0 and imos.len() == 1:
            # One ship under several MMSIs over time (a re-flag): choose as by IMO.
            imo = int(imos[0])
            return ResolvedVessel(mmsi=self._mmsi_for_imo(imo, at), imo=imo)
        if matches.height > 1:
            listed = ", ".join(
                f"MMSI {row['mmsi']}" + (f" (IMO {row['imo']})" if row["imo"] else "")
                for row in matches.head(_MAX_LISTED).iter_rows(named=True)
            )
            more = (
                f" and {matches.height - _MAX_LISTED} more" if matches.height > _MAX_LISTED else ""
            )
            raise InputError(
                f"vessel {stripped!r} is ambiguous: {matches.height} vessels carry that name "
                f"({listed}{more}); give the IMO or MMSI ({_EXAMPLE})"
            )
        mmsi = int(matches["mmsi"][0])
        return ResolvedVessel(mmsi=mmsi, imo=self._latest_imo(mmsi))
