"""Claims from article text: one claim per sentence that states an action or a denial.

Fuse layer; pure (text in, claims out: no I/O, no clock); imports core modules,
``reference`` (through ``_gazetteer``) and the sibling modules.

For each sentence: find the attribution (who says it) and cut it out; in the rest find the
first predicate, the vessels, places, the time and the amount; the strongest certainty
cue anywhere in the sentence sets the certainty. A sentence with no predicate of its own
that hedges and points back ("Bestätigt ist das nicht.", "This could not be
independently verified.") changes the certainty of the claim in the sentence just
before it. docs/reports.md gives the rules with examples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from itertools import product
from typing import Final

import polars as pl

from darkfleet.fuse.claims._document import read_document
from darkfleet.fuse.claims._gazetteer import find_port_after_cue, lookup_place, place_keys
from darkfleet.fuse.claims._language import detect_language
from darkfleet.fuse.claims._lexicon import (
    CERTAINTY_CUES,
    DENIED_PREDICATE,
    PREDICATES,
    SOURCES,
    SPEECH_VERBS,
)
from darkfleet.fuse.claims._model import (
    CERTAINTIES,
    Certainty,
    Claim,
    Language,
    Place,
    Report,
    TimeRef,
)
from darkfleet.fuse.claims._quantities import find_quantity
from darkfleet.fuse.claims._sentences import split_sentences
from darkfleet.fuse.claims._times import find_times, is_future
from darkfleet.fuse.claims._vessels import KnownVessels, VesselFinder

__all__ = ["extract_claims", "read_report"]

_UPPER = "A-ZÄÖÜ"
#: A German noun phrase naming a speaker: up to three lower-case words (articles,
#: adjectives), capitalised words, and an optional genitive or "in/aus" phrase.
_NP_DE = (
    rf"(?:(?:Der|Die|Das|Dem|Den|Des|Ein|Eine|Einem|Einer|Eines) )?(?:[a-zäöüß-]+ ){{0,3}}[{_UPPER}][\w-]*(?: [{_UPPER}][\w-]*)*"
    rf"(?: (?:des|der|von|in|aus) (?:[a-zäöüß-]+ ){{0,2}}[{_UPPER}][\w-]*(?: [{_UPPER}][\w-]*)?)?"
)
_QUOTE = "\"'“”„«»"


@dataclass(frozen=True, slots=True)
class _Attribution:
    start: int
    end: int
    phrase: str


def _attribution_patterns(language: Language) -> tuple[re.Pattern[str], ...]:
    verbs = SPEECH_VERBS[language]
    if language == "en":
        return (
            re.compile(r"^According to (?P<src>[^,]+),\s*"),
            re.compile(r",?\s*according to (?P<src>[^,.;]+)(?:[.!?]$)?"),
            re.compile(rf",\s*[{_QUOTE}]?\s*(?P<verb>{verbs}) (?P<src>[^,.;]+?)(?:,[^.]*)?[.!?]?$"),
            re.compile(
                rf",\s*[{_QUOTE}]?\s*(?P<src>[^,;]{{2,90}}?)\s+(?:has |have |had )?(?:\w+ly )?"
                rf"(?P<verb>{verbs})\b[^,]*?[.!?]?[{_QUOTE}]?$"
            ),
            re.compile(
                rf"^(?P<src>[^,;]{{2,90}}?)\s+(?:has |have |had |also )?(?:\w+ly )?"
                rf"(?P<verb>{verbs})\b(?: on \w+| in a statement| last week)?(?: that\b|,|:)?\s*"
            ),
        )
    return (
        re.compile(rf"\b[Ll]aut (?P<src>{_NP_DE})\s*,?\s*"),
        re.compile(
            rf"\b[Nn]ach (?:Angaben|Informationen|Einschätzung|Erkenntnissen|Darstellung) "
            rf"(?P<src>{_NP_DE})\s*,?\s*"
        ),
        re.compile(rf"(?:^|,\s*)(?P<src>{_NP_DE}) zufolge\s*,?\s*"),
        re.compile(
            rf",?\s*[Ww]ie (?P<src>{_NP_DE}) (?:\w+ )?(?:mitteilte|berichtete|sagte|erklärte|"
            rf"bekannt gab|meldete|schrieb)\s*,?\s*"
        ),
        re.compile(r",\s*so (?P<src>[^,.;]+?)(?:,[^.]*)?[.!?]?$"),
        re.compile(
            rf",\s*[{_QUOTE}]?\s*(?P<verb>{verbs}) (?P<src>[^,.;]+?)(?: (?:mit|zurück|bekannt))?"
            rf"(?:,[^.]*)?[.!?]?$"
        ),
        re.compile(
            rf"^(?P<src>{_NP_DE}(?: und {_NP_DE})?)\s+(?:hat|haben|hatte|hatten)\b[^,]*?\b"
            rf"(?P<verb>bestritten|dementiert|zurückgewiesen|erklärt|mitgeteilt|gesagt|bestätigt)\b"
            rf"\s*,?\s*"
        ),
        re.compile(
            rf"^(?P<src>{_NP_DE}(?: und {_NP_DE})?)\s+(?P<verb>{verbs})\b"
            rf"(?: am \w+| \w+ mit)?\s*,?\s*"
        ),
    )


_PATTERNS: Final[dict[Language, tuple[re.Pattern[str], ...]]] = {
    "en": _attribution_patterns("en"),
    "de": _attribution_patterns("de"),
}

#: Words that point back at the previous sentence's claim.
_BACK_REFERENCE = re.compile(
    r"\b(?:das|dies|dieses|diese Angaben|diese Berichte|die Angaben|die Vorwürfe|die Berichte|"
    r"this|that|it|these (?:claims|reports|accusations|allegations|figures)|"
    r"the (?:claims?|reports?|accusations?|allegations?|figures?|assessment))\b",
    re.I,
)
#: Words before a port name that make it a reference point, not a port call.
_NOT_PORT_BEFORE = re.compile(
    r"(?:\b(?:near|outside|close to|north of|south of|east of|west of|nahe|bei|unweit von|"
    r"in der Nähe von|nördlich von|südlich von|östlich von|westlich von|"
    r"airport|airfield|air base|city of|Flughafen|Flugplatz|Luftwaffenstützpunkt|Stadt|"
    r"Kosmodrom|Weltraumbahnhof)\s+(?:von\s+|of\s+)?)$",
    re.I,
)
_NOT_PORT_AFTER = re.compile(
    r"^(?:['’]s)?\s+(?:airport|airfield|air base|international airport|Cosmodrome|city)\b"
    r"|^-(?:Flughafen|Stadt)\b",
    re.I,
)
_PORT_CUE = {
    "en": re.compile(r"\b(?:port|harbou?r) of\s+", re.I),
    "de": re.compile(r"\b(?:Hafen|Häfen|Hafens)\s+(?:von\s+)?"),
}
#: Capitalised words that are never part of a person's name in an attribution.
_NOT_PERSON = re.compile(
    r"(?i)^(?:the|a|an|der|die|das|ein|eine|einem|einer|eines|des|den|dem|us|u\.s\.|"
    r"white|house|national|security|council|state|department|foreign|ministry|intelligence|"
    r"service|agency|defense|defence|spy|senior|official|officials|analysts?|experts?|"
    r"general|admiral|secretary|president|minister|kremlin|pentagon|nis|kcna|"
    r".*sprecher\w*|.*spokes\w*|.*minister\w*|.*präsident\w*|.*regierung\w*|"
    r".*geheimdienst\w*|.*ministerium\w*|.*behörde\w*|.*beamte\w*|.*dienst\w*|"
    r"analysten|experten|regierung|woche|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)$"
)
#: A pronoun as the speaker ("he added", "sagte sie") stands for the previous claim's source.
_PRONOUN = re.compile(r"(?i)he|she|they|er|sie|the agency|the ministry|die Behörde|das Ministerium")
_ARTICLE = re.compile(
    r"^(?:the|a|an|der|die|das|ein|eine|einem|einer|eines|des|dem|den|aus)\s+", re.I
)


def read_report(
    data: bytes,
    *,
    name: str,
    published: date | None = None,
    known_vessels: pl.DataFrame | None = None,
    language: Language | None = None,
    encoding: str | None = None,
) -> Report:
    """Read an article (text or HTML bytes) and extract its claims.

    Parameters
    ----------
    data
        The file's bytes (UTF-8, a BOM, an HTML-declared charset, or ``encoding``).
    name
        File name for messages.
    published
        Publication date; when None, an HTML page's own date is used if it has one.
    known_vessels
        Vessels to link to: a frame with ``mmsi``, ``imo`` and ``name`` (the store's
        static reports).
    language
        ``"de"`` or ``"en"``; None detects it.
    encoding
        A codec name to decode with instead of detecting.

    Raises
    ------
    DecodeError
        The bytes are empty, binary or undecodable, or hold no text.
    InputError
        The text is clearly in a language other than German or English.
    """
    document = read_document(data, name=name, encoding=encoding)
    return extract_claims(
        document.text,
        published=published or document.published,
        known_vessels=known_vessels,
        language=language,
        title=document.title,
        name=name,
    )


def extract_claims(
    text: str,
    *,
    published: date | None = None,
    known_vessels: pl.DataFrame | None = None,
    language: Language | None = None,
    title: str | None = None,
    name: str = "input",
) -> Report:
    """Extract the claims of an article's text.

    Parameters
    ----------
    text
        Plain text; paragraphs separated by blank lines.
    published
        Publication date that relative times ("am Dienstag", "last week") resolve
        against; None leaves them unresolved (their phrase is kept).
    known_vessels
        Frame with ``mmsi``, ``imo``, ``name`` to link vessel mentions to.
    language
        ``"de"`` or ``"en"``; None detects it (py3langid).
    title, name
        The article's title, and its file name for messages.

    Returns
    -------
    The report with its claims in text order.

    Examples
    --------
    >>> report = extract_claims(
    ...     "Die Maria lief am Dienstag in Wostotschny ein. Bestätigt ist das nicht.",
    ...     published=date(2023, 10, 18),
    ... )
    >>> claim = report.claims[0]
    >>> report.language, claim.predicate, claim.certainty, claim.time.start
    ('de', 'visited', 'unverified', datetime.date(2023, 10, 17))
    >>> [(place.name, place.kind, place.port_id) for place in claim.places]
    [('Vostochnyy', 'port', 'RUS-VOSTOCHNYY')]
    """
    lang: Language = language or detect_language(text, name=name)
    sentences = split_sentences(text)
    finder = VesselFinder(lang, KnownVessels.from_frame(known_vessels), place_keys())
    finder.learn(sentences)
    people: dict[str, str] = {}
    claims: list[Claim] = []
    previous_sentence_claim: int | None = None
    for sentence in sentences:
        claim = _sentence_claim(
            sentence,
            lang,
            published,
            finder,
            people,
            len(claims),
            claims[-1].source if claims else None,
        )
        if claim is not None:
            if claim.predicate == DENIED_PREDICATE and claims and _points_back(claim):
                claim = replace(claim, refers_to=claims[-1].index)
            claims.append(claim)
            previous_sentence_claim = claim.index
            continue
        certainty, cue = _certainty(sentence)
        if (
            previous_sentence_claim is not None
            and certainty != "asserted"
            and _BACK_REFERENCE.search(sentence)
            and not finder.find(sentence)
        ):
            before = claims[previous_sentence_claim]
            if CERTAINTIES.index(certainty) > CERTAINTIES.index(before.certainty):
                claims[previous_sentence_claim] = replace(
                    before, certainty=certainty, certainty_cue=cue
                )
        previous_sentence_claim = None
    return Report(language=lang, title=title, published=published, text=text, claims=tuple(claims))


def _points_back(claim: Claim) -> bool:
    return not (claim.vessels or claim.places or claim.quantity or claim.time)


def _sentence_claim(
    sentence: str,
    language: Language,
    published: date | None,
    finder: VesselFinder,
    people: dict[str, str],
    index: int,
    previous_source: str | None,
) -> Claim | None:
    attribution = _find_attribution(sentence, language)
    span = (attribution.start, attribution.end) if attribution else (0, 0)
    content = sentence[: span[0]] + " " * (span[1] - span[0]) + sentence[span[1] :]
    certainty, cue = _certainty(sentence)
    predicate = _predicate(content)
    if predicate is None:
        if certainty != "denied" or attribution is None:
            return None
        predicate = DENIED_PREDICATE
    vessels = finder.find(sentence)
    places = _places(content, language, predicate=predicate, has_vessels=bool(vessels))
    times = find_times(content, published=published, is_future_tense=is_future(sentence))
    quantity = find_quantity(content, language=language)
    return Claim(
        index=index,
        sentence=sentence,
        source=_source_name(attribution.phrase, people, previous_source) if attribution else None,
        source_phrase=sentence[span[0] : span[1]].strip(f" ,.;:{_QUOTE}") if attribution else None,
        predicate=predicate,
        vessels=vessels,
        places=places,
        time=_first_time(content, times),
        quantity=quantity[2] if quantity else None,
        certainty=certainty,
        certainty_cue=cue,
        refers_to=None,
    )


def _find_attribution(sentence: str, language: Language) -> _Attribution | None:
    for pattern in _PATTERNS[language]:
        match = pattern.search(sentence)
        if match is None or not match.group("src").strip():
            continue
        if any(verb.search(match.group("src")) for _, verb in PREDICATES):
            continue  # "North Korea shipped containers which analysts said ...": no speaker
        src_start, src_end = match.span("src")
        if language == "de" and not sentence[src_end : match.end()].strip(" ,"):
            # German nouns are capitalised, so "laut dem Geheimdienst Tausende Container"
            # runs on: end the speaker after the last body it names.
            ends = [m.end() for _, body in SOURCES for m in body.finditer(match.group("src"))]
            if ends:
                token_end = re.match(r"[\w-]*", sentence[src_start + max(ends) :])
                cut = src_start + max(ends) + (token_end.end() if token_end else 0)
                if cut < src_end:
                    return _Attribution(match.start(), cut, sentence[src_start:cut].strip())
        return _Attribution(match.start(), match.end(), match.group("src").strip())
    return None


def _certainty(sentence: str) -> tuple[Certainty, str | None]:
    for certainty, pattern in CERTAINTY_CUES:
        match = pattern.search(sentence)
        if match is not None:
            return certainty, match.group(0)
    return "asserted", None


def _predicate(content: str) -> str | None:
    best: tuple[int, int, str] | None = None
    for rank, (predicate, pattern) in enumerate(PREDICATES):
        match = pattern.search(content)
        if match is not None and (best is None or (match.start(), rank) < best[:2]):
            best = (match.start(), rank, predicate)
    return best[2] if best else None


def _first_time(content: str, times: list[tuple[int, int, TimeRef]]) -> TimeRef | None:
    if not times:
        return None
    (start, end, first) = times[0]
    if len(times) > 1:
        second_start, second_end, second = times[1]
        joined = re.fullmatch(
            r"\s*(?:and|und|to|bis(?: zum)?|-|–)(?: dem)?\s*", content[end:second_start]
        )
        opened = re.search(r"\b(?:between|zwischen(?: dem)?|from)\s*$", content[:start], re.I)
        if joined and opened:
            return TimeRef(
                phrase=content[opened.start() : second_end], start=first.start, end=second.end
            )
    return first


def _places(
    content: str, language: Language, *, predicate: str, has_vessels: bool
) -> tuple[Place, ...]:
    found: list[tuple[int, Place]] = []
    taken: list[tuple[int, int]] = []
    for match in _PORT_CUE[language].finditer(content):
        after_cue = find_port_after_cue(content[match.end() :])
        if after_cue is not None:
            written, port = after_cue
            start, end = match.end(), match.end() + len(written)
            taken.append((start, end))
            place = Place(
                text=written,
                name=port.name,
                kind="port",
                country=port.country,
                port_id=port.port_id,
            )
            found.append((start, place))
    tokens = list(re.finditer(r"[\w]+(?:[-'’][\w]+)*", content))
    index = 0
    while index < len(tokens):
        for width in (4, 3, 2, 1):
            window = tokens[index : index + width]
            if len(window) < width or not window[0].group(0)[0].isupper():
                continue
            start, end = window[0].start(), window[-1].end()
            if any(start < b and a < end for a, b in taken):
                continue
            text = content[start:end]
            record = lookup_place(re.sub(r"['’]s$", "", text), language=language)
            if record is None:
                continue
            kind = record.kind
            port_id = record.port_id
            is_meeting = predicate == "met" and not has_vessels
            if kind == "port" and (
                is_meeting
                or _NOT_PORT_BEFORE.search(content[:start])
                or _NOT_PORT_AFTER.search(content[end:])
            ):
                kind, port_id = "other", None
            found.append(
                (
                    start,
                    Place(
                        text=text,
                        name=record.name,
                        kind=kind,
                        country=record.country,
                        port_id=port_id,
                    ),
                )
            )
            taken.append((start, end))
            index += width - 1
            break
        index += 1
    out: list[Place] = []
    for _, place in sorted(found, key=lambda item: item[0]):
        if all((p.name, p.kind) != (place.name, place.kind) for p in out):
            out.append(place)
    return tuple(out)


def _source_name(phrase: str, people: dict[str, str], previous: str | None) -> str:
    if previous is not None and _PRONOUN.fullmatch(phrase.strip()):
        return previous
    person = _person(phrase, people)
    if person is not None:
        return person
    entities: list[tuple[int, str]] = []
    spans: list[tuple[int, int]] = []
    for name, pattern in SOURCES:
        for match in pattern.finditer(phrase):
            if any(match.start() < b and a < match.end() for a, b in spans):
                continue
            spans.append((match.start(), match.end()))
            if all(name != existing for _, existing in entities):
                entities.append((match.start(), name))
    if entities:
        # "South Korea's National Intelligence Service", "Russia's embassy in Washington":
        # a country before a body, or a place after one, only qualifies it.
        bodies = [
            (start, name)
            for start, name in sorted(entities)
            if not (
                name.startswith("Government of")
                and len(entities) > 1
                and (
                    re.search(r"\b(?:in|at|aus|from)\s+$", phrase[:start]) is not None
                    or any(
                        re.fullmatch(r"(?:['’]s)?\s*", phrase[end:other])
                        for (begin, end), (other, _) in product(spans, entities)
                        if begin == start and other > start
                    )
                )
            )
        ]
        return "; ".join(name for _, name in bodies)
    cleaned = _ARTICLE.sub("", phrase.strip(f" ,.{_QUOTE}"))
    return re.sub(r"\s+(?:on|am|in|last)\s+\S+$|\s+(?:in a statement|told reporters)$", "", cleaned)


def _person(phrase: str, people: dict[str, str]) -> str | None:
    for _, pattern in SOURCES:  # "North Korea", "White House" are bodies, not people
        phrase = pattern.sub(" , ", phrase)
    words = re.findall(r"[\w.'’-]+|,", phrase)
    runs: list[list[str]] = []
    current: list[str] = []
    for word in [*words, ""]:
        is_name = (
            bool(word)
            and word[0].isupper()
            and _NOT_PERSON.match(word) is None
            and lookup_place(word, language="en") is None
        )
        if is_name:
            current.append(word)
        else:
            if current:
                runs.append(current)
            current = []
    full = [run for run in runs if 2 <= len(run) <= 3]
    if full:
        name = " ".join(full[-1])
        people[full[-1][-1]] = name
        return name
    singles = [run[0] for run in runs if len(run) == 1]
    for single in reversed(singles):
        if single in people:
            return people[single]
    if len(singles) == 1 and len(words) <= 2:
        return singles[0]
    return None
