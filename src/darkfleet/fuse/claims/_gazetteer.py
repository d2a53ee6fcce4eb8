"""Multilingual place names for claims: ports, countries and places that are not ports.

Fuse layer; pure; imports ``reference`` (the built-in port gazetteer) and core modules.

Ports are looked up in darkfleet's port gazetteer (``reference.resolve_port``: World Port
Index, Global Fishing Watch anchorages, UN/LOCODE and hand-kept aliases such as Rajin =
Rason = Najin, Wladiwostok, Wostotschny), which gives the ``port_id`` and country. That
gazetteer holds 9,338 ports including towns called Washington, Seoul or Berlin, so free
text is matched only against the names listed here (the ports analysts of North Korea's
and Russia's trade write about), plus any gazetteer port named after a cue such as
"port of X" or "Hafen von X". Capitals, government seats, airfields and regions are
listed as places of kind ``other`` and are never ports.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final

from darkfleet.fuse.claims._model import PlaceKind
from darkfleet.reference import resolve_port
from darkfleet.reference._names import normalise_name

__all__ = ["PlaceName", "find_port_after_cue", "lookup_place", "place_keys"]

#: Spellings of ports (English, German, local romanisations) resolved through the port
#: gazetteer; each must resolve (a test checks it).
PORT_NAMES: Final[tuple[str, ...]] = (
    "Rajin", "Rason", "Najin", "Rajin-Sonbong",
    "Chongjin", "Chŏngjin", "Ch'ongjin", "Nampo", "Nampho", "Wonsan", "Hungnam",
    "Vladivostok", "Wladiwostok", "Vostochny", "Vostochnyy", "Wostotschny",
    "Dunay", "Dunai", "Nakhodka", "Nachodka", "Slavyanka", "Slawjanka", "Posyet",
    "Zarubino", "Sarubino", "Vanino", "Korsakov",
    "Novorossiysk", "Tartus", "Tartous", "Sevastopol", "Ust-Luga", "Primorsk",
    "Dalian", "Busan", "Pusan",
)  # fmt: skip

#: German spellings the port gazetteer does not carry, mapped to one it does.
PORT_SPELLINGS: Final[dict[str, str]] = {
    "Noworossijsk": "Novorossiysk",
    "Sewastopol": "Sevastopol",
    "Wanino": "Vanino",
    "Korsakow": "Korsakov",
}

#: Countries: every spelling -> (English name, ISO 3166-1 alpha-3). "US"/"U.S." are left
#: out on purpose: they mostly stand as adjectives ("US officials").
COUNTRIES: Final[dict[str, tuple[str, str]]] = {
    **dict.fromkeys(
        (
            "North Korea", "Nordkorea", "DPRK", "DVRK", "Democratic People's Republic of Korea",
            "Demokratische Volksrepublik Korea", "Demokratischen Volksrepublik Korea",
        ),
        ("North Korea", "PRK"),
    ),
    **dict.fromkeys(
        ("Russia", "Russland", "Russian Federation", "Russische Föderation",
         "Russischen Föderation"),
        ("Russia", "RUS"),
    ),
    **dict.fromkeys(
        ("South Korea", "Südkorea", "Republic of Korea", "Republik Korea"), ("South Korea", "KOR")
    ),
    **dict.fromkeys(
        ("United States", "USA", "Vereinigte Staaten", "Vereinigten Staaten"),
        ("United States", "USA"),
    ),
    **dict.fromkeys(("China", "Volksrepublik China"), ("China", "CHN")),
    **dict.fromkeys(("Ukraine",), ("Ukraine", "UKR")),
    **dict.fromkeys(("Japan",), ("Japan", "JPN")),
    **dict.fromkeys(("Iran",), ("Iran", "IRN")),
    **dict.fromkeys(("Syria", "Syrien"), ("Syria", "SYR")),
    **dict.fromkeys(("Belarus", "Weißrussland"), ("Belarus", "BLR")),
}  # fmt: skip

#: Places that are never ports: capitals, government seats, airfields, regions, seas.
OTHER_PLACES: Final[dict[str, tuple[str, str | None]]] = {
    **dict.fromkeys(("Pyongyang", "Pjöngjang", "Pjongjang"), ("Pyongyang", "PRK")),
    **dict.fromkeys(("Moscow", "Moskau"), ("Moscow", "RUS")),
    **dict.fromkeys(("Kremlin", "Kreml"), ("Kremlin", "RUS")),
    **dict.fromkeys(("Washington",), ("Washington", "USA")),
    **dict.fromkeys(("White House", "Weißen Haus", "Weiße Haus"), ("White House", "USA")),
    **dict.fromkeys(("Pentagon",), ("Pentagon", "USA")),
    **dict.fromkeys(("Seoul",), ("Seoul", "KOR")),
    **dict.fromkeys(("Beijing", "Peking"), ("Beijing", "CHN")),
    **dict.fromkeys(("Tokyo", "Tokio"), ("Tokyo", "JPN")),
    **dict.fromkeys(("Kyiv", "Kiew"), ("Kyiv", "UKR")),
    **dict.fromkeys(("Berlin",), ("Berlin", "DEU")),
    **dict.fromkeys(("Khabarovsk", "Chabarowsk"), ("Khabarovsk", "RUS")),
    **dict.fromkeys(("Tikhoretsk", "Tichorezk"), ("Tikhoretsk", "RUS")),
    **dict.fromkeys(("Knevichi", "Knewitschi"), ("Knevichi airfield", "RUS")),
    **dict.fromkeys(
        ("Vostochny Cosmodrome", "Kosmodrom Wostotschny", "Weltraumbahnhof Wostotschny"),
        ("Vostochny Cosmodrome", "RUS"),
    ),
    **dict.fromkeys(
        ("Primorsky Krai", "Primorye", "Primorje", "Region Primorje"), ("Primorsky Krai", "RUS")
    ),
    **dict.fromkeys(
        ("Russian Far East", "Russia's Far East", "Fernen Osten", "Ferner Osten", "Fernost"),
        ("Russian Far East", "RUS"),
    ),
    **dict.fromkeys(("Sea of Japan", "Japanischen Meer", "Japanisches Meer"), ("Sea of Japan", None)),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PlaceName:
    """A place as the gazetteer knows it."""

    name: str
    kind: PlaceKind
    country: str | None
    port_id: str | None


@functools.cache
def _table() -> dict[str, PlaceName]:
    table: dict[str, PlaceName] = {}
    for spelling in (*PORT_NAMES, *PORT_SPELLINGS):
        record = resolve_port(PORT_SPELLINGS.get(spelling, spelling))
        if record is None:  # pragma: no cover - a test checks every listed name resolves
            continue
        table[normalise_name(spelling)] = PlaceName(
            record.name, "port", record.country, record.port_id
        )
    for spelling, (name, country) in COUNTRIES.items():
        table[normalise_name(spelling)] = PlaceName(name, "country", country, None)
    for spelling, (name, other_country) in OTHER_PLACES.items():
        table[normalise_name(spelling)] = PlaceName(name, "other", other_country, None)
    return table


def place_keys() -> frozenset[str]:
    """Every normalised spelling the gazetteer knows (for telling places from names)."""
    return frozenset(_table())


def lookup_place(text: str, *, language: str) -> PlaceName | None:
    """Return the place a name denotes, or None.

    German genitives ("Russlands", "Nordkoreas") are tried without their ``s``.

    Examples
    --------
    >>> lookup_place("Wladiwostok", language="de").port_id
    'RUS-VLADIVOSTOK'
    >>> lookup_place("Nordkoreas", language="de").name
    'North Korea'
    >>> lookup_place("Moskau", language="de").kind
    'other'
    """
    table = _table()
    key = normalise_name(text)
    found = table.get(key)
    if found is None and language == "de" and key.endswith("S"):
        found = table.get(key[:-1])
    return found


_PORT_CUE = re.compile(r"^[A-Z][\w'’-]+(?:[ -][A-Z][\w'’-]+)?")


def find_port_after_cue(text: str) -> tuple[str, PlaceName] | None:
    """Resolve the capitalised name at the start of ``text`` as any gazetteer port.

    Used after "port of", "Hafen von": the cue makes a port reading safe even for names
    the curated list lacks. Returns the name as written and the port.

    Examples
    --------
    >>> find_port_after_cue("Tartus on Monday")[1].port_id
    'SYR-TARTUS'
    """
    match = _PORT_CUE.match(text)
    if match is None:
        return None
    words = match.group(0)
    for candidate in (words, words.split(" ")[0]):
        record = resolve_port(candidate)
        if record is not None:
            return candidate, PlaceName(record.name, "port", record.country, record.port_id)
    return None
