"""Amounts with units ("mehr als 6.700 Container", "roughly 2,000 containers").

Fuse layer; pure; imports only ``_model``. Number formats follow the text's language:
German writes ``6.700`` and ``1,5``, English ``6,700`` and ``1.5``. Only a number followed
by a known unit (within two words: "1,000 shipping containers") is a quantity, so years
and dates never are. "Thousands of containers" / "Tausende Container" become at least
2,000 (plural thousands), "hundreds" at least 200, "dozens" / "Dutzende" at least 24.
"""

from __future__ import annotations

import re
from typing import Final

from darkfleet.fuse.claims._model import Qualifier, Quantity

__all__ = ["find_quantity"]

#: Unit patterns (English and German forms) -> the unit written in the output.
UNITS: Final[tuple[tuple[str, str], ...]] = (
    ("containers", r"(?:shipping )?containers?|\w*[Cc]ontainer[ns]?"),
    ("shells", r"(?:artillery )?(?:shells|rounds)|\w*(?:[Gg]ranaten|[Gg]eschosse)"),
    ("missiles", r"(?:ballistic )?missiles|\w*[Rr]aketen"),
    ("tonnes", r"(?:metric )?(?:tonnes|tons)|Tonnen|t\b"),
    ("ships", r"ships|vessels|Schiffe[n]?|Frachter[n]?|Frachtschiffe[n]?"),
    ("shipments", r"shipments|Lieferungen|Ladungen"),
    ("voyages", r"voyages|trips|round trips|Fahrten|Reisen"),
    ("railcars", r"railcars|rail cars|wagons|Waggons|Güterwagen"),
    ("TEU", r"TEU"),
)
_UNIT = "|".join(f"(?P<u{i}>{pattern})" for i, (_, pattern) in enumerate(UNITS))

QUALIFIERS: Final[tuple[tuple[Qualifier, str], ...]] = (
    ("more_than", r"more than|over|in excess of|upwards of|mehr als|über|weit über"),
    ("less_than", r"less than|fewer than|under|weniger als|unter"),
    ("at_least", r"at least|no fewer than|mindestens|wenigstens|zumindest"),
    ("up_to", r"up to|as many as|bis zu"),
    ("exactly", r"exactly|precisely|genau|exakt"),
    (
        "about",
        r"about|around|roughly|approximately|some|nearly|almost|an estimated|"
        r"rund|etwa|ungefähr|circa|ca\.|knapp|fast|annähernd|schätzungsweise",
    ),
)
_QUALIFIER = "|".join(f"(?P<q{i}>{pattern})" for i, (_, pattern) in enumerate(QUALIFIERS))

WORD_NUMBERS: Final[dict[str, int]] = {
    "a": 1, "an": 1, "one": 1, "ein": 1, "eine": 1, "einer": 1,
    "two": 2, "zwei": 2, "three": 3, "drei": 3, "four": 4, "vier": 4, "five": 5,
    "fünf": 5, "six": 6, "sechs": 6, "seven": 7, "sieben": 7, "eight": 8, "acht": 8,
    "nine": 9, "neun": 9, "ten": 10, "zehn": 10, "eleven": 11, "elf": 11,
    "twelve": 12, "zwölf": 12,
}  # fmt: skip
_WORD = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
SCALES: Final[dict[str, int]] = {
    "million": 1_000_000, "millionen": 1_000_000, "mio": 1_000_000,
    "billion": 1_000_000_000, "milliarde": 1_000_000_000, "milliarden": 1_000_000_000,
    "mrd": 1_000_000_000, "thousand": 1_000, "tausend": 1_000,
}  # fmt: skip
_SCALE = r"(?:millions?|Millionen|Million|Mio\.?|billion|Milliarden?|Mrd\.?|thousand|[Tt]ausend)"
#: Plural round numbers: (pattern, value) meaning "at least" that much.
_PLURALS: Final[tuple[tuple[str, int], ...]] = (
    (r"[Tt]housands of|[Tt]ausende(?:n)?(?: von)?", 2_000),
    (r"[Hh]undreds of|[Hh]underte(?:n)?(?: von)?", 200),
    (r"[Dd]ozens of|[Dd]utzende(?:n)?(?: von)?", 24),
)

_NUMBER = {
    "en": r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?",
    "de": r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?",
}


def _pattern(language: str) -> re.Pattern[str]:
    plural = "|".join(f"(?P<p{i}>{pattern})" for i, (pattern, _) in enumerate(_PLURALS))
    return re.compile(
        rf"(?:(?:{_QUALIFIER})\s+)?"
        rf"(?:(?P<num>{_NUMBER[language]})|(?P<word>\b(?:{_WORD})\b)|{plural})"
        rf"(?:\s+(?P<scale>{_SCALE}))?"
        rf"\s+(?:[\w-]+\s+){{0,2}}?(?:{_UNIT})\b",
        re.IGNORECASE if language == "en" else 0,
    )


_COMPILED: Final[dict[str, re.Pattern[str]]] = {lang: _pattern(lang) for lang in _NUMBER}


def find_quantity(sentence: str, *, language: str) -> tuple[int, int, Quantity] | None:
    """Return the first amount with a unit in ``sentence`` as (start, end, Quantity).

    Examples
    --------
    >>> find_quantity("mehr als 6.700 Container", language="de")[2].to_json()
    {'phrase': 'mehr als 6.700 Container', 'value': 6700, 'unit': 'containers', 'qualifier': 'more_than'}
    >>> find_quantity("roughly 2,000 containers", language="en")[2].value
    2000
    >>> find_quantity("more than a million artillery shells", language="en")[2].value
    1000000
    """
    for match in _COMPILED[language].finditer(sentence):
        groups = match.groupdict()
        qualifier: Qualifier | None = next(
            (name for i, (name, _) in enumerate(QUALIFIERS) if groups[f"q{i}"]), None
        )
        plural = next((value for i, (_, value) in enumerate(_PLURALS) if groups[f"p{i}"]), None)
        if plural is not None:
            value: int | float = plural
            qualifier = qualifier or "at_least"
        elif groups["word"]:
            value = WORD_NUMBERS[groups["word"].lower()]
            if value == 1 and not groups["scale"]:
                continue  # "a ship", "ein Schiff": an article, not an amount
        else:
            value = _parse_number(groups["num"], language)
        if groups["scale"]:
            scale = groups["scale"].lower().rstrip(".")
            value = value * SCALES.get(scale, SCALES.get(scale.removesuffix("s"), 1))
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        unit = next(name for i, (name, _) in enumerate(UNITS) if groups[f"u{i}"])
        return (
            match.start(),
            match.end(),
            Quantity(phrase=match.group(0), value=value, unit=unit, qualifier=qualifier),
        )
    return None


def _parse_number(text: str, language: str) -> int | float:
    thousands, decimal = (",", ".") if language == "en" else (".", ",")
    cleaned = text.replace(thousands, "").replace(decimal, ".")
    return float(cleaned) if "." in cleaned else int(cleaned)
