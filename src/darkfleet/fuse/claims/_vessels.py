"""Vessel mentions: IMO numbers, names after a ship noun, and known vessels' names.

Fuse layer; pure; imports ``polars``, ``reference._names`` and ``_model``.

A name is taken when the text marks it as a ship: after a ship noun ("the cargo ship
Angara", "das Frachtschiff „Angara“", "die Schiffe Angara, Lady R und Maia-1"), or with
an IMO number ("Lady R (IMO 9161003)"). A name found so anywhere in the report is then
recognised in every sentence ("Die Angara lief ..."). With a list of known vessels (the
store's static reports), names and IMOs link to their MMSIs, and a known vessel's name
is recognised without a ship noun when it has two or more words or a digit ("Maia-1",
"Lady R"), since one-word names ("Maria") are ordinary words too often.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

import polars as pl

from darkfleet.errors import SchemaError
from darkfleet.fuse.claims._model import VesselRef
from darkfleet.reference._names import normalise_name

__all__ = ["KnownVessels", "VesselFinder"]

_SHIP_NOUNS_EN = (
    r"(?:cargo |container |general cargo |bulk |Russian(?:-flagged)? |North Korean(?:-flagged)? |"
    r"Russian-owned |sanctioned )*(?:ships?|vessels?|freighters?|tankers?|carriers?)"
)
_SHIP_NOUNS_DE = (
    r"(?:\w+e[nrms]? )?(?:Frachtschiff\w*|Containerschiff\w*|Schiff(?:e|en|es|s)?|"
    r"Frachter[ns]?|Tanker[ns]?|Massengutfrachter[ns]?)"
)
_NAME_TOKEN = r"(?:[A-Z][\w'’]*(?:-\d+)?|\d+|[A-Z])"
_NAME = rf"{_NAME_TOKEN}(?: {_NAME_TOKEN}){{0,2}}"
_QUOTED = r"[„“\"‚'«»]([^„“”\"'«»]{2,40})[“”\"‘'«»]"
_LIST_SEP = r"(?:, | and | und | sowie | or | oder )"
_IMO = re.compile(r"\bIMO(?:[- ]?(?:Nr\.?|Nummer|number|no\.?))?[:\s]*(\d{7})\b", re.I)

#: Capitalised words that follow a ship noun without being a name (German nouns above all).
_NOT_NAMES: Final[frozenset[str]] = frozenset(
    normalise_name(word)
    for word in (
        "Munition",
        "Container",
        "Waffen",
        "Granaten",
        "Ladung",
        "Rüstungsgüter",
        "Fracht",
        "Güter",
        "Hafen",
        "Häfen",
        "Anfang",
        "Ende",
        "Mitte",
        "The",
        "Der",
        "Die",
        "Das",
        "Ein",
        "Eine",
        "Im",
        "In",
        "Am",
        "An",
        "On",
        "At",
        "From",
        "To",
        "Nach",
        "Aus",
        "Von",
        "Mit",
        "Laut",
        "Sprecher",
        "Sanktionen",
        "Satellitenbilder",
        "Bilder",
        "Experten",
        "Analysten",
        "Transponder",
        "AIS",
        "Weapons",
        "Munitions",
        "Ammunition",
        "Cargo",
        "Port",
        "Sanctions",
        "Satellite",
        "Images",
        "Also",
        "Auch",
        "Dann",
        "Then",
        "Russland",
        "Nordkorea",
        "Russia",
        "North",
        "Korea",
        "US",
        "USA",
        "Kim",
        "Putin",
    )
)


@dataclass(frozen=True, slots=True)
class KnownVessels:
    """Known vessels by normalised name and by IMO: MMSIs and the name to show."""

    by_name: dict[str, tuple[str, int | None, tuple[int, ...]]] = field(default_factory=dict)
    by_imo: dict[int, tuple[str, tuple[int, ...]]] = field(default_factory=dict)

    @classmethod
    def from_frame(cls, vessels: pl.DataFrame | None) -> KnownVessels:
        """Index a frame with ``mmsi`` (Int64), ``imo`` (Int64, nullable), ``name`` (String).

        The store's ``statics`` dataset has these columns; each vessel may appear many times.

        Raises
        ------
        SchemaError
            A column is missing.
        """
        if vessels is None:
            return cls()
        missing = [column for column in ("mmsi", "imo", "name") if column not in vessels.columns]
        if missing:
            raise SchemaError(
                f"known vessels lack column(s) {', '.join(missing)}; give mmsi, imo and name"
            )
        rows = (
            vessels.select(
                pl.col("mmsi").cast(pl.Int64), pl.col("imo").cast(pl.Int64), pl.col("name")
            )
            .drop_nulls(["mmsi", "name"])
            .unique()
            .sort(["name", "mmsi", "imo"], nulls_last=True)
        )
        names: dict[str, tuple[str, set[int | None], set[int]]] = {}
        imos: dict[int, tuple[str, set[int]]] = {}
        for mmsi, imo, name in rows.iter_rows():
            key = normalise_name(name)
            if not key:
                continue
            entry = names.setdefault(key, (name, set(), set()))
            entry[1].add(imo)
            entry[2].add(mmsi)
            if imo is not None:
                imos.setdefault(imo, (name, set()))[1].add(mmsi)
        return cls(
            by_name={
                key: (name, _single(imo_set), tuple(sorted(mmsis)))
                for key, (name, imo_set, mmsis) in names.items()
            },
            by_imo={imo: (name, tuple(sorted(mmsis))) for imo, (name, mmsis) in imos.items()},
        )


def _single(imos: set[int | None]) -> int | None:
    known = {imo for imo in imos if imo is not None}
    return known.pop() if len(known) == 1 else None


@dataclass(slots=True)
class VesselFinder:
    """Finds vessels in sentences; learns names marked as ships across a whole report."""

    language: str
    known: KnownVessels
    place_keys: frozenset[str]
    names: dict[str, str] = field(default_factory=dict)  # normalised -> as first written

    def learn(self, sentences: list[str]) -> None:
        """Collect names marked as ships (ship noun, quotes, IMO) in all ``sentences``."""
        nouns = _SHIP_NOUNS_EN if self.language == "en" else _SHIP_NOUNS_DE
        cue = re.compile(rf"\b{nouns}\s+(?:{_QUOTED}|(?P<list>{_NAME}(?:{_LIST_SEP}{_NAME})*))")
        for sentence in sentences:
            for match in cue.finditer(sentence):
                candidates = (
                    [match.group(1)] if match.group(1) else re.split(_LIST_SEP, match.group("list"))
                )
                for candidate in candidates:
                    self._remember(candidate.strip())
            for match in _IMO.finditer(sentence):
                before = re.search(rf"({_NAME})\s*\(?\s*$", sentence[: match.start()])
                if before is not None:
                    self._remember(before.group(1))

    def _remember(self, candidate: str) -> None:
        key = normalise_name(candidate)
        words = key.split()
        if not words or words[0] in _NOT_NAMES or key in self.place_keys:
            return
        self.names.setdefault(key, candidate)

    def find(self, sentence: str) -> tuple[VesselRef, ...]:
        """Return the vessels named in ``sentence``, in text order, each once.

        An IMO number right after a name ("Lady R (IMO 9161003)") belongs to that name.
        """
        mentions: list[tuple[int, int, VesselRef]] = []
        tokens = list(re.finditer(r"[\w'’]+(?:-\d+)?", sentence))
        index = 0
        while index < len(tokens):
            for width in (3, 2, 1):
                window = tokens[index : index + width]
                if len(window) < width:
                    continue
                text = sentence[window[0].start() : window[-1].end()]
                key = normalise_name(text)
                if text[0].isupper() and self._is_vessel_name(key):
                    mentions.append(
                        (window[0].start(), window[-1].end(), self._reference(text, key))
                    )
                    index += width - 1
                    break
            index += 1
        for match in _IMO.finditer(sentence):
            imo = int(match.group(1))
            known = self.known.by_imo.get(imo)
            named = next(
                (
                    i
                    for i, (_, end, _) in enumerate(mentions)
                    if re.fullmatch(r"[\s(,:]*", sentence[end : match.start()])
                ),
                None,
            )
            if named is None:
                ref = VesselRef(
                    text=match.group(0),
                    name=known[0] if known else match.group(0),
                    imo=imo,
                    mmsis=known[1] if known else (),
                )
                mentions.append((match.start(), match.end(), ref))
                continue
            start, _, prior = mentions[named]
            mentions[named] = (
                start,
                match.end(),
                VesselRef(
                    text=prior.text,
                    name=known[0] if known else prior.name,
                    imo=imo,
                    mmsis=known[1] if known else prior.mmsis,
                ),
            )
        out: list[VesselRef] = []
        seen: set[object] = set()
        for _, _, ref in sorted(mentions, key=lambda item: item[0]):
            identity = ref.imo if ref.imo is not None else normalise_name(ref.name)
            if identity not in seen:
                seen.add(identity)
                out.append(ref)
        return tuple(out)

    def _is_vessel_name(self, key: str) -> bool:
        if key in self.names:
            return True
        if key not in self.known.by_name or key in self.place_keys:
            return False
        return " " in key or any(ch.isdigit() for ch in key)

    def _reference(self, text: str, key: str) -> VesselRef:
        known = self.known.by_name.get(key)
        if known is None:
            return VesselRef(text=text, name=text, imo=None, mmsis=())
        name, imo, mmsis = known
        return VesselRef(text=text, name=name, imo=imo, mmsis=mmsis)
