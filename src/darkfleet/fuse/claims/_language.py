"""German or English? (fuse layer; pure; imports only core and py3langid).

py3langid (BSD-3-Clause) ships its language model inside the wheel, so nothing is
downloaded. The model ranks 97 languages; its first choice is unreliable on a few words
("Russia denied it." ranks Latin first), so the answer is the better of German and
English, and another language is reported only when a longer text is clearly in it.
"""

from __future__ import annotations

import functools
from typing import Final, Protocol, cast

from darkfleet.errors import InputError
from darkfleet.fuse.claims._model import Language

__all__ = ["detect_language"]

#: A text of at least this many words whose first-ranked language is neither German nor
#: English with this probability is rejected (an analyst decision: below it, a few
#: foreign names or a quote must not make a German article "Tagalog").
MIN_WORDS_FOR_OTHER: Final[int] = 12
MIN_PROBABILITY_FOR_OTHER: Final[float] = 0.9


class _Identifier(Protocol):
    def rank(self, text: str) -> list[tuple[str, float]]: ...


@functools.cache
def _identifier() -> _Identifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

    return cast(_Identifier, LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))


def detect_language(text: str, *, name: str = "input") -> Language:
    """Return ``"de"`` or ``"en"`` for ``text``.

    Raises
    ------
    InputError
        A text of at least ``MIN_WORDS_FOR_OTHER`` words is clearly in another language.

    Examples
    --------
    >>> detect_language("Bestätigt ist das nicht."), detect_language("Russia denied it.")
    ('de', 'en')
    """
    ranked = _identifier().rank(text)
    probability = dict(ranked)
    top, top_probability = ranked[0]
    if (
        top not in ("de", "en")
        and len(text.split()) >= MIN_WORDS_FOR_OTHER
        and top_probability >= MIN_PROBABILITY_FOR_OTHER
    ):
        raise InputError(
            f"{name}: the text looks {top!r}, not German or English; darkfleet reads German "
            "and English reports (give --language de or en if this is wrong)"
        )
    return "de" if probability.get("de", 0.0) > probability.get("en", 0.0) else "en"
