"""Name normalisation shared by the reference loaders and the build script (reference layer).

Imports nothing of darkfleet. Port names come in many spellings (``CH'ONGJIN``,
``Chŏngjin``, ``Chongjin``; ``Rajin-Sonbong``); comparing normalised forms makes
look-ups insensitive to case, diacritics, apostrophes and punctuation.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise_name", "slug"]

_APOSTROPHES = re.compile(r"['’ʼ`´‘]")
_NON_WORD = re.compile(r"[\W_]+")


def normalise_name(name: str) -> str:
    """Return ``name`` upper-cased, without diacritics or apostrophes, punctuation as spaces.

    Letters of any script are kept (Cyrillic and Hangul names normalise too).

    Examples
    --------
    >>> normalise_name("  Chŏngjin ")
    'CHONGJIN'
    >>> normalise_name("Namp'o"), normalise_name("Rajin-Sonbong"), normalise_name("Дунай")
    ('NAMPO', 'RAJIN SONBONG', 'ДУНАИ')
    """
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_only = _APOSTROPHES.sub("", ascii_only).upper()
    return _NON_WORD.sub(" ", ascii_only).strip()


def slug(name: str) -> str:
    """Return the normalised name with hyphens for spaces, as used in ``port_id``.

    Examples
    --------
    >>> slug("Pos'yet"), slug("Bukhta Nagayeva (Magadan)")
    ('POSYET', 'BUKHTA-NAGAYEVA-MAGADAN')
    """
    return normalise_name(name).replace(" ", "-")
