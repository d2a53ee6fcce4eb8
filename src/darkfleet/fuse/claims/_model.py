"""Plain records of a report and its claims (fuse layer; imports only core modules).

Every record is a frozen dataclass with ``to_json()`` returning JSON-ready values with a
fixed key set, so the CLI, the workspace database and the web app can share one shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = [
    "CERTAINTIES",
    "Certainty",
    "Claim",
    "Language",
    "Place",
    "PlaceKind",
    "Quantity",
    "Qualifier",
    "Report",
    "TimeRef",
    "VesselRef",
]

Language = Literal["de", "en"]
Certainty = Literal["asserted", "assessed", "unverified", "denied"]
PlaceKind = Literal["port", "country", "other"]
Qualifier = Literal["more_than", "less_than", "about", "at_least", "up_to", "exactly"]

#: Certainty levels from weakest to strongest hedge: a later cue only ever moves a claim
#: to the right (a denial outranks "unverified", which outranks "assessed").
CERTAINTIES: tuple[Certainty, ...] = ("asserted", "assessed", "unverified", "denied")


@dataclass(frozen=True, slots=True, kw_only=True)
class VesselRef:
    """A vessel named in a sentence.

    ``text`` is the mention as written; ``name`` the known vessel's name when linked (else
    the mention); ``imo`` the IMO number written or known; ``mmsis`` the store vessels it
    links to (empty when not linked).
    """

    text: str
    name: str
    imo: int | None
    mmsis: tuple[int, ...]

    def to_json(self) -> dict[str, object]:
        """Return the JSON-ready form (keys: text, name, imo, mmsis)."""
        return {"text": self.text, "name": self.name, "imo": self.imo, "mmsis": list(self.mmsis)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """A place named in a sentence: a port, a country or another place (city, airfield...).

    ``port_id`` is the gazetteer id when ``kind`` is ``"port"``, else None; ``country`` is
    ISO 3166-1 alpha-3 when known.
    """

    text: str
    name: str
    kind: PlaceKind
    country: str | None
    port_id: str | None

    def to_json(self) -> dict[str, object]:
        """Return the JSON-ready form (keys: text, name, kind, country, port_id)."""
        return {
            "text": self.text,
            "name": self.name,
            "kind": self.kind,
            "country": self.country,
            "port_id": self.port_id,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeRef:
    """When the claimed event happened: the phrase as written and the dates it resolves to.

    ``start`` and ``end`` are inclusive calendar dates (equal for one day, a week or month
    for "last week" / "im September"); both None when the phrase cannot be resolved (a
    weekday without a publication date).
    """

    phrase: str
    start: date | None
    end: date | None

    def to_json(self) -> dict[str, object]:
        """Return the JSON-ready form (keys: phrase, start, end as ISO dates or null)."""
        return {
            "phrase": self.phrase,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Quantity:
    """An amount of cargo or things: ``value`` in ``unit`` (plural English noun).

    ``qualifier`` is None when the text gives the number bare.
    """

    phrase: str
    value: int | float
    unit: str
    qualifier: Qualifier | None

    def to_json(self) -> dict[str, object]:
        """Return the JSON-ready form (keys: phrase, value, unit, qualifier)."""
        return {
            "phrase": self.phrase,
            "value": self.value,
            "unit": self.unit,
            "qualifier": self.qualifier,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """One claim: who asserts what about which vessels, places, time and amount.

    ``index`` is the claim's position in its report (0-based); ``refers_to`` the index of
    the earlier claim a denial such as "Moskau bestritt das." answers. ``source`` is the
    asserting person or body (None when the sentence names nobody) and ``source_phrase``
    the attribution as written. ``certainty_cue`` is the phrase that set ``certainty``
    (None for plain assertions).
    """

    index: int
    sentence: str
    source: str | None
    source_phrase: str | None
    predicate: str
    vessels: tuple[VesselRef, ...]
    places: tuple[Place, ...]
    time: TimeRef | None
    quantity: Quantity | None
    certainty: Certainty
    certainty_cue: str | None
    refers_to: int | None

    def to_json(self) -> dict[str, object]:
        """Return the JSON-ready form with every field as a key."""
        return {
            "index": self.index,
            "sentence": self.sentence,
            "source": self.source,
            "source_phrase": self.source_phrase,
            "predicate": self.predicate,
            "vessels": [vessel.to_json() for vessel in self.vessels],
            "places": [place.to_json() for place in self.places],
            "time": self.time.to_json() if self.time else None,
            "quantity": self.quantity.to_json() if self.quantity else None,
            "certainty": self.certainty,
            "certainty_cue": self.certainty_cue,
            "refers_to": self.refers_to,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """A news article or statement and the claims extracted from it.

    ``text`` is the main text the claims come from (HTML reduced to its article text);
    ``published`` the publication date used to resolve relative times (None if unknown).
    """

    language: Language
    title: str | None
    published: date | None
    text: str
    claims: tuple[Claim, ...]

    def to_json(self) -> dict[str, object]:
        """Return ``{"language", "title", "published", "claims"}`` ready for ``json.dumps``."""
        return {
            "language": self.language,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "claims": [claim.to_json() for claim in self.claims],
        }
