"""Split article text into sentences (fuse layer; pure; imports only ``_times``).

Paragraphs are separated by blank lines (HTML blocks become paragraphs); lines inside a
paragraph are joined. A sentence ends at ``.``, ``!`` or ``?`` (and a closing quote)
followed by a space and an upper-case letter, digit or quote, except after an
abbreviation ("Oct.", "U.S.", "Nr.", "z. B."), a single initial, or a German ordinal
before a month ("am 7. September").
"""

from __future__ import annotations

import re
from typing import Final

from darkfleet.fuse.claims._times import MONTHS

__all__ = ["split_sentences"]

ABBREVIATIONS: Final[frozenset[str]] = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "adm", "sen", "rep", "st",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "okt", "dez", "no", "nr", "ca", "bzw", "vgl", "etc", "inc", "corp", "ltd", "co",
        "mio", "mrd", "u.s", "u.n", "u.k", "e.g", "i.e", "z.b", "u.a", "d.h", "s.o", "sog",
        "jh", "vs", "approx",
    }
)  # fmt: skip
_BOUNDARY = re.compile(r"[.!?]+[\"'”“»«’]?(?=\s+[\"'„“«»‚A-ZÄÖÜ0-9])")
_WORD_BEFORE = re.compile(r"([\w.]+)\.?$")
_MONTH_AFTER = re.compile(rf"\s+(?:{'|'.join(MONTHS)})\b")


def split_sentences(text: str) -> list[str]:
    """Return the sentences of ``text`` in order, whitespace collapsed.

    Examples
    --------
    >>> split_sentences("Am 7. September lief sie aus. Bestätigt ist das nicht.")
    ['Am 7. September lief sie aus.', 'Bestätigt ist das nicht.']
    >>> split_sentences("The U.S. said so on Oct. 13. It was denied.")
    ['The U.S. said so on Oct. 13.', 'It was denied.']
    """
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        flat = " ".join(paragraph.split())
        start = 0
        for match in _BOUNDARY.finditer(flat):
            if match.group(0).startswith(".") and _is_abbreviation(
                flat, match.start(), match.end()
            ):
                continue
            sentences.append(flat[start : match.end()].strip())
            start = match.end()
        rest = flat[start:].strip()
        if rest:
            sentences.append(rest)
    return [sentence for sentence in sentences if sentence]


def _is_abbreviation(text: str, dot: int, end: int) -> bool:
    before = _WORD_BEFORE.search(text[:dot])
    if before is None:
        return False
    word = before.group(1)
    if word.lower().rstrip(".") in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isupper():
        return True  # an initial: "John F. Kennedy"
    return word.isdigit() and _MONTH_AFTER.match(text, end) is not None
