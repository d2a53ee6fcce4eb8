"""The rules of claim extraction one at a time: times, amounts, certainty, places,
sources, predicates, vessels, sentences and language (issue 5)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkfleet.errors import SchemaError
from darkfleet.fuse.claims import Claim, detect_language, extract_claims
from darkfleet.fuse.claims._gazetteer import PORT_NAMES, PORT_SPELLINGS
from darkfleet.fuse.claims._quantities import find_quantity
from darkfleet.fuse.claims._sentences import split_sentences
from darkfleet.fuse.claims._times import WEEKDAYS, find_times
from darkfleet.reference import resolve_port

WEDNESDAY = date(2023, 10, 18)


def _claims(text: str, published: date | None = WEDNESDAY) -> tuple[Claim, ...]:
    return extract_claims(text, published=published).claims


def _one(text: str, published: date | None = WEDNESDAY) -> Claim:
    claims = _claims(text, published)
    assert len(claims) == 1, claims
    return claims[0]


def _time(text: str, published: date | None, *, future: bool = False) -> tuple[object, ...]:
    found = find_times(text, published=published, is_future_tense=future)
    assert found, text
    ref = found[0][2]
    return ref.phrase, ref.start, ref.end


# -- times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        # a bare weekday: the latest such day on or before publication
        ("am Dienstag", WEDNESDAY, ("am Dienstag", date(2023, 10, 17), date(2023, 10, 17))),
        ("am Mittwoch", WEDNESDAY, ("am Mittwoch", WEDNESDAY, WEDNESDAY)),
        ("on Thursday", WEDNESDAY, ("on Thursday", date(2023, 10, 12), date(2023, 10, 12))),
        # "last"/"vergangenen": strictly before
        ("last Wednesday", WEDNESDAY, ("last Wednesday", date(2023, 10, 11), date(2023, 10, 11))),
        ("vergangenen Montag", WEDNESDAY,
         ("vergangenen Montag", date(2023, 10, 16), date(2023, 10, 16))),
        # across a month end and a year end
        ("am Montag", date(2023, 11, 1), ("am Montag", date(2023, 10, 30), date(2023, 10, 30))),
        ("last Friday", date(2024, 1, 2), ("last Friday", date(2023, 12, 29), date(2023, 12, 29))),
        ("am Sonntag", date(2024, 1, 1), ("am Sonntag", date(2023, 12, 31), date(2023, 12, 31))),
        # weeks, months, days around publication
        ("last week", date(2024, 1, 3), ("last week", date(2023, 12, 25), date(2023, 12, 31))),
        ("vergangene Woche", WEDNESDAY,
         ("vergangene Woche", date(2023, 10, 9), date(2023, 10, 15))),
        ("im vergangenen Monat", date(2024, 1, 15),
         ("im vergangenen Monat", date(2023, 12, 1), date(2023, 12, 31))),
        ("gestern", date(2024, 3, 1), ("gestern", date(2024, 2, 29), date(2024, 2, 29))),
        ("yesterday", date(2024, 1, 1), ("yesterday", date(2023, 12, 31), date(2023, 12, 31))),
        ("heute", WEDNESDAY, ("heute", WEDNESDAY, WEDNESDAY)),
        ("vorgestern", WEDNESDAY, ("vorgestern", date(2023, 10, 16), date(2023, 10, 16))),
        ("diese Woche", WEDNESDAY, ("diese Woche", date(2023, 10, 16), date(2023, 10, 22))),
        ("last month", date(2024, 3, 31), ("last month", date(2024, 2, 1), date(2024, 2, 29))),
        # day and month without a year: the latest one not after publication
        ("13. Oktober", WEDNESDAY, ("13. Oktober", date(2023, 10, 13), date(2023, 10, 13))),
        ("am 28. Dezember", date(2024, 1, 3),
         ("am 28. Dezember", date(2023, 12, 28), date(2023, 12, 28))),
        ("on Oct. 13", WEDNESDAY, ("on Oct. 13", date(2023, 10, 13), date(2023, 10, 13))),
        ("on Dec. 28", date(2024, 1, 2), ("on Dec. 28", date(2023, 12, 28), date(2023, 12, 28))),
        ("am 13.10.", WEDNESDAY, ("am 13.10.", date(2023, 10, 13), date(2023, 10, 13))),
        ("im Dezember", WEDNESDAY, ("im Dezember", date(2022, 12, 1), date(2022, 12, 31))),
        ("seit August", WEDNESDAY, ("seit August", date(2023, 8, 1), WEDNESDAY)),
        # absolute dates need no publication date
        ("2023-09-07", None, ("2023-09-07", date(2023, 9, 7), date(2023, 9, 7))),
        ("am 7. September 2023", None,
         ("am 7. September 2023", date(2023, 9, 7), date(2023, 9, 7))),
        ("13.10.2023", None, ("13.10.2023", date(2023, 10, 13), date(2023, 10, 13))),
        ("on October 13, 2023", None,
         ("on October 13, 2023", date(2023, 10, 13), date(2023, 10, 13))),
        ("13 October 2023", None, ("13 October 2023", date(2023, 10, 13), date(2023, 10, 13))),
        ("in May 2023", None, ("in May 2023", date(2023, 5, 1), date(2023, 5, 31))),
        # relative without publication date: phrase kept, unresolved
        ("am Dienstag", None, ("am Dienstag", None, None)),
        ("last week", None, ("last week", None, None)),
        ("on Oct. 13", None, ("on Oct. 13", None, None)),
        # an impossible day is kept unresolved, not shifted
        ("am 31. Februar 2023", None, ("am 31. Februar 2023", None, None)),
    ],
)  # fmt: skip
def test_time_phrases_resolve_against_the_publication_date(
    text: str, published: date | None, expected: tuple[object, ...]
) -> None:
    assert _time(text, published) == expected


def test_future_sentences_resolve_weekdays_and_dates_forward() -> None:
    assert _time("on Friday", WEDNESDAY, future=True) == (
        "on Friday",
        date(2023, 10, 20),
        date(2023, 10, 20),
    )
    assert _time("am 2. Januar", date(2023, 12, 30), future=True)[1] == date(2024, 1, 2)
    claim = _one("The Angara is expected to arrive in Rajin on Friday.")
    assert claim.time is not None
    assert claim.time.start == date(2023, 10, 20)


def test_may_the_verb_is_no_month() -> None:
    assert find_times("The ship may leave soon.", published=WEDNESDAY) == []


_GERMAN_WEEKDAYS = (
    "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonnabend", "Sonntag",
)  # fmt: skip


@given(
    published=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    weekday=st.sampled_from(sorted(WEEKDAYS)),
)
def test_bare_weekday_is_the_latest_such_day_on_or_before_publication(
    published: date, weekday: str
) -> None:
    preposition = "am" if weekday in _GERMAN_WEEKDAYS else "on"
    _, start, end = _time(f"{preposition} {weekday}", published)
    assert isinstance(start, date)
    assert start == end
    assert start.weekday() == WEEKDAYS[weekday]
    assert timedelta(0) <= published - start < timedelta(days=7)


@given(
    published=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    weekday=st.sampled_from(sorted(WEEKDAYS)),
)
def test_last_weekday_is_one_to_seven_days_before_publication(
    published: date, weekday: str
) -> None:
    last = "vergangenen" if weekday in _GERMAN_WEEKDAYS else "last"
    _, start, _ = _time(f"{last} {weekday}", published)
    assert isinstance(start, date)
    assert start.weekday() == WEEKDAYS[weekday]
    assert timedelta(days=1) <= published - start <= timedelta(days=7)


def test_a_date_range_between_two_dates() -> None:
    claim = _one("Die Angara lud zwischen dem 7. September und dem 8. September in Rajin.")
    assert claim.time is not None
    assert (claim.time.phrase, claim.time.start, claim.time.end) == (
        "zwischen dem 7. September und dem 8. September",
        date(2023, 9, 7),
        date(2023, 9, 8),
    )


def test_time_inside_the_attribution_is_not_the_events_time() -> None:
    claim = _one("Die Angara lief in Rajin ein, sagte ein Sprecher des Pentagons am Dienstag.")
    assert claim.time is None
    claim = _one("Die Angara lief am Montag in Rajin ein, sagte ein Sprecher am Dienstag.")
    assert claim.time is not None
    assert (claim.time.phrase, claim.time.start) == ("am Montag", date(2023, 10, 16))


# -- quantities ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("mehr als 6.700 Container", "de", (6700, "containers", "more_than")),
        ("rund 1.000 Container", "de", (1000, "containers", "about")),
        ("über 1.000 Container", "de", (1000, "containers", "more_than")),
        ("mindestens 300 Container", "de", (300, "containers", "at_least")),
        ("bis zu 1,5 Millionen Granaten", "de", (1_500_000, "shells", "up_to")),
        ("genau 12 Container", "de", (12, "containers", "exactly")),
        ("weniger als 100 Tonnen", "de", (100, "tonnes", "less_than")),
        ("Tausende Container", "de", (2000, "containers", "at_least")),
        ("eine Million Artilleriegranaten", "de", (1_000_000, "shells", None)),
        ("6.700 Container", "de", (6700, "containers", None)),
        ("roughly 2,000 containers", "en", (2000, "containers", "about")),
        ("more than 1,000 containers", "en", (1000, "containers", "more_than")),
        ("at least 300 shipping containers", "en", (300, "containers", "at_least")),
        ("up to 2.5 million rounds", "en", (2_500_000, "shells", "up_to")),
        ("exactly 12 containers", "en", (12, "containers", "exactly")),
        ("fewer than 10 ships", "en", (10, "ships", "less_than")),
        ("thousands of containers", "en", (2000, "containers", "at_least")),
        ("hundreds of missiles", "en", (200, "missiles", "at_least")),
        ("about 300 tons", "en", (300, "tonnes", "about")),
        ("more than a million artillery shells", "en", (1_000_000, "shells", "more_than")),
        ("at least five round trips", "en", (5, "voyages", "at_least")),
        ("mindestens fünf Fahrten", "de", (5, "voyages", "at_least")),
        ("zwei Schiffe", "de", (2, "ships", None)),
    ],
)
def test_quantities_with_units_and_qualifiers(
    text: str, language: str, expected: tuple[object, ...]
) -> None:
    found = find_quantity(text, language=language)
    assert found is not None
    quantity = found[2]
    assert (quantity.value, quantity.unit, quantity.qualifier) == expected
    assert quantity.phrase == text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Im Jahr 2023 lieferte Nordkorea.", "de"),
        ("ein Schiff lief ein", "de"),
        ("a ship left", "en"),
        ("am 7. September", "de"),
        ("IMO 9161003", "en"),
    ],
)
def test_numbers_without_a_unit_are_no_quantity(text: str, language: str) -> None:
    assert find_quantity(text, language=language) is None


@given(value=st.integers(min_value=1, max_value=99_999_999))
def test_thousands_separators_of_both_languages_round_trip(value: int) -> None:
    english = f"{value:,}"
    german = english.replace(",", ".")
    for text, language in ((english, "en"), (german, "de")):
        found = find_quantity(
            f"mehr als {text} Container" if language == "de" else f"over {text} containers",
            language=language,
        )
        assert found is not None
        assert found[2].value == value


def test_german_decimal_comma_and_english_decimal_point() -> None:
    german = find_quantity("1,5 Millionen Granaten", language="de")
    english = find_quantity("1.5 million shells", language="en")
    assert german is not None
    assert english is not None
    assert german[2].value == english[2].value == 1_500_000


# -- certainty -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "certainty", "cue"),
    [
        ("Die Angara lud in Rajin Container.", "asserted", None),
        ("The Angara loaded containers at Rajin.", "asserted", None),
        ("Es wird vermutet, dass die Angara in Rajin Container lud.", "assessed",
         "Es wird vermutet"),
        ("Die Angara lud vermutlich in Rajin Container.", "assessed", "vermutlich"),
        ("Die Angara hat mutmaßlich in Rajin Container geladen.", "assessed", "mutmaßlich"),
        ("Analysts believe the Angara loaded containers at Rajin.", "assessed", "believe"),
        ("The Angara likely loaded containers at Rajin.", "assessed", "likely"),
        ("The Angara is expected to unload containers at Vostochny.", "assessed",
         "is expected to"),
        ("The Angara loaded containers at Rajin, which has not been verified.", "unverified",
         "not been verified"),
        ("The Angara loaded containers at Rajin, which could not be independently confirmed.",
         "unverified", "not be independently confirmed"),
        ("Die Angara soll in Rajin Container geladen haben.", "unverified",
         "soll in Rajin Container geladen haben"),
        ("Moskau bestritt, dass die Angara in Rajin Container geladen habe.", "denied",
         "bestritt"),
        ("Der Kreml dementierte, dass die Angara Container transportiert habe.", "denied",
         "dementierte"),
        ("Russia denied that the Angara loaded containers at Rajin.", "denied", "denied"),
        ("Die Ladung wurde nach Angaben Moskaus nie geliefert.", "denied", "nie"),
        ("Russia said no containers had been delivered.", "denied", "no containers"),
        ("Moskau erklärte, es seien keine Waffen geliefert worden.", "denied", "keine Waffen"),
    ],
)  # fmt: skip
def test_certainty_cues(text: str, certainty: str, cue: str | None) -> None:
    claim = _one(text)
    assert (claim.certainty, claim.certainty_cue) == (certainty, cue)


@pytest.mark.parametrize(
    ("hedge", "certainty"),
    [
        ("Bestätigt ist das nicht.", "unverified"),
        ("Unabhängig überprüfen ließ sich das nicht.", "unverified"),
        ("Das ließ sich nicht unabhängig überprüfen.", "unverified"),
        ("This could not be independently verified.", "unverified"),
        ("The report has not been verified.", "unverified"),
        ("Das wurde bestritten.", "denied"),
    ],
)
def test_a_hedge_in_the_next_sentence_applies_to_the_claim_before(
    hedge: str, certainty: str
) -> None:
    claims = _claims(f"Die Maria lief am Dienstag in Wostotschny ein. {hedge}")
    assert len(claims) == 1
    assert claims[0].certainty == certainty


def test_a_hedge_after_a_sentence_without_claim_changes_nothing() -> None:
    claims = _claims(
        "Die Maria lief in Wostotschny ein. Das Wetter war schlecht. Bestätigt ist das nicht."
    )
    assert [claim.certainty for claim in claims] == ["asserted"]


def test_a_hedge_never_weakens_a_stronger_one() -> None:
    claims = _claims("Die Maria soll in Wostotschny eingelaufen sein. Das wird vermutet.")
    assert claims[0].certainty == "unverified"


def test_a_denial_by_another_party_is_its_own_claim_pointing_back() -> None:
    claims = _claims("Die Maria lief in Wostotschny ein. Moskau bestritt das.")
    assert [(c.predicate, c.certainty, c.source, c.refers_to) for c in claims] == [
        ("visited", "asserted", None, None),
        ("denied", "denied", "Government of Russia", 0),
    ]


# -- places ----------------------------------------------------------------------------------


def test_every_listed_port_spelling_resolves_in_the_port_gazetteer() -> None:
    for spelling in (*PORT_NAMES, *PORT_SPELLINGS.values()):
        assert resolve_port(spelling) is not None, spelling


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Angara lief in Rason ein.", ("Najin", "port", "PRK-NAJIN")),
        ("Die Angara lief in Rajin ein.", ("Najin", "port", "PRK-NAJIN")),
        ("The Angara docked at Najin.", ("Najin", "port", "PRK-NAJIN")),
        ("Die Angara legte in Wladiwostok an.", ("Vladivostok", "port", "RUS-VLADIVOSTOK")),
        ("The Angara docked at Vladivostok.", ("Vladivostok", "port", "RUS-VLADIVOSTOK")),
        ("Die Angara lief in Wostotschny ein.", ("Vostochnyy", "port", "RUS-VOSTOCHNYY")),
        ("The Angara docked at Vostochny.", ("Vostochnyy", "port", "RUS-VOSTOCHNYY")),
        ("The Angara docked in the port of Gdansk.", ("Gdansk", "port", "POL-GDANSK")),
        ("Die Angara lief in Nordkorea ein.", ("North Korea", "country", None)),
        ("The Angara docked in the DPRK.", ("North Korea", "country", None)),
        ("Nordkorea lieferte Munition.", ("North Korea", "country", None)),
        ("Die Angara brachte Munition nach Russland.", ("Russia", "country", None)),
        ("Russlands Häfen empfingen Munition.", ("Russia", "country", None)),
        ("North Korea's ships delivered munitions.", ("North Korea", "country", None)),
        # never ports: capitals, government seats, airfields, a cosmodrome, "near X"
        ("Die Angara brachte Munition nach Pjöngjang.", ("Pyongyang", "other", None)),
        ("The Angara delivered munitions to Moscow.", ("Moscow", "other", None)),
        ("Die Angara lieferte Munition nach Moskau.", ("Moscow", "other", None)),
        ("Containers were delivered to the Kremlin.", ("Kremlin", "other", None)),
        ("Containers were delivered at Vladivostok airport.", ("Vladivostok", "other", None)),
        ("Container wurden am Flughafen Wladiwostok entladen.", ("Vladivostok", "other", None)),
        ("Container wurden bei Wladiwostok entladen.", ("Vladivostok", "other", None)),
        ("Containers were unloaded near Vladivostok.", ("Vladivostok", "other", None)),
        ("Containers were delivered to Washington.", ("Washington", "other", None)),
        ("Containers were delivered to Seoul.", ("Seoul", "other", None)),
        ("Putin met Kim in Vladivostok.", ("Vladivostok", "other", None)),
    ],
)
def test_places_with_kind_in_context(text: str, expected: tuple[object, ...]) -> None:
    claim = _one(text)
    assert [(p.name, p.kind, p.port_id) for p in claim.places] == [expected]


def test_place_country_codes() -> None:
    claim = _one("Die Angara transportierte Container von Rajin nach Wladiwostok in Russland.")
    assert [(p.text, p.country) for p in claim.places] == [
        ("Rajin", "PRK"),
        ("Wladiwostok", "RUS"),
        ("Russland", "RUS"),
    ]


# -- sources ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("Die Angara lud in Rajin Container, sagte ein Sprecher des Pentagons.",
         "US Department of Defense"),
        ("According to the State Department, the Angara loaded containers at Rajin.",
         "US Department of State"),
        ("The Angara loaded containers at Rajin, according to the State Department.",
         "US Department of State"),
        ("Laut südkoreanischem Geheimdienst lud die Angara in Rajin Container.",
         "South Korean National Intelligence Service"),
        ("Dem südkoreanischen Geheimdienst zufolge lud die Angara in Rajin Container.",
         "South Korean National Intelligence Service"),
        ("Die Angara lud in Rajin Container, wie das US-Außenministerium mitteilte.",
         "US Department of State"),
        ("John Kirby said the Angara loaded containers at Rajin.", "John Kirby"),
        ("The Angara loaded containers at Rajin, John Kirby said.", "John Kirby"),
        ("The Angara loaded containers at Rajin, said John Kirby, a White House spokesman.",
         "John Kirby"),
        ("Die Angara lud in Rajin Container, so Kirby.", "Kirby"),
        ("Die Angara lud in Rajin Container, hieß es aus Washington.",
         "Government of the United States"),
        ("Die Angara lud in Rajin Container, teilte das US-Verteidigungsministerium mit.",
         "US Department of Defense"),
        ("Nach Angaben des Weißen Hauses lud die Angara in Rajin Container.", "White House"),
        ("Nach Angaben Washingtons lud die Angara in Rajin Container.",
         "Government of the United States"),
        ("Russia's embassy in Washington said the Angara loaded no containers.",
         "Government of Russia"),
        ("Die Angara lud in Rajin Container.", None),
    ],
)  # fmt: skip
def test_sources_from_attributions(text: str, source: str | None) -> None:
    assert _one(text).source == source


def test_a_speaker_phrase_holding_a_predicate_is_no_attribution() -> None:
    claim = _one("North Korea shipped containers which analysts said were munitions.")
    assert (claim.predicate, claim.source) == ("shipped", None)


def test_pronouns_and_the_agency_stand_for_the_previous_source() -> None:
    claims = _claims(
        "The Angara loaded containers at Rajin, the NIS said. "
        "The agency estimated that the Angara unloaded them at Dunay. "
        "The Angara then docked at Rajin again, she added."
    )
    assert [claim.source for claim in claims] == ["South Korean National Intelligence Service"] * 3
    german = _claims(
        "Die Angara lud in Rajin Container, sagte John Kirby. "
        "Danach lief sie in Dunai ein, sagte er."
    )
    assert [claim.source for claim in german] == ["John Kirby", "John Kirby"]


# -- predicates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "predicate"),
    [
        ("Nordkorea hat Munition nach Russland geliefert.", "delivered"),
        ("Nordkorea hat Munition nach Russland verschifft.", "shipped"),
        ("Die Angara hat Munition nach Russland transportiert.", "transported"),
        ("In Dunai wurden die Container entladen.", "unloaded"),
        ("In Rajin wurde die Angara beladen.", "loaded"),
        ("Die Angara hat Rajin angelaufen.", "visited"),
        ("Die Angara lief in Rajin ein.", "visited"),
        ("Die Angara lief aus Rajin aus.", "departed"),
        ("Die Angara verließ Rajin.", "departed"),
        ("Die Angara schaltete ihren Transponder ab.", "went_dark"),
        ("Die Angara schaltete am 3. Oktober ihren AIS-Transponder ab.", "went_dark"),
        ("Die Lady R legte am 5. Oktober in Rajin an.", "visited"),
        ("The Angara switched off its AIS transponder.", "went_dark"),
        ("The Angara met the Maria at sea.", "met"),
        ("Containers were transferred ship-to-ship.", "transferred"),
        ("Russia received containers from North Korea.", "received"),
        ("The Angara shuttled between Rajin and Dunay.", "shuttled"),
        ("Die Schiffe pendelten zwischen Rajin und Dunai.", "shuttled"),
        ("Moskau hat das bestritten.", "denied"),
        ("The Angara unloaded containers.", "unloaded"),
        ("The Angara loaded containers.", "loaded"),
    ],
)
def test_predicates_are_normalised_english_verbs(text: str, predicate: str) -> None:
    assert _one(text).predicate == predicate


def test_sentences_without_predicate_give_no_claim() -> None:
    assert _claims("Das Wetter in Rajin war schlecht. The harbour is large.") == ()


# -- vessels ---------------------------------------------------------------------------------


def test_vessel_names_after_ship_nouns_quotes_and_lists() -> None:
    claims = _claims(
        "Die Frachter Angara, Lady R und Maia-1 liefen in Rajin ein. "
        "Das Frachtschiff „Maria“ lief ebenfalls ein. "
        "Später lud die Maria in Rajin Container."
    )
    assert [tuple(v.name for v in c.vessels) for c in claims] == [
        ("Angara", "Lady R", "Maia-1"),
        ("Maria",),
        ("Maria",),
    ]


def test_an_imo_after_a_name_belongs_to_it_and_an_imo_alone_is_a_vessel() -> None:
    claims = _claims(
        "The ship Lady R (IMO 9161003) docked at Rajin. A vessel with IMO number 9123456 left Rajin."
    )
    assert [v.to_json() for v in claims[0].vessels] == [
        {"text": "Lady R", "name": "Lady R", "imo": 9161003, "mmsis": []}
    ]
    assert [(v.text, v.imo) for v in claims[1].vessels] == [("IMO number 9123456", 9123456)]


def test_known_vessels_need_mmsi_imo_and_name_columns() -> None:
    with pytest.raises(SchemaError, match=r"known vessels lack column\(s\) imo, name"):
        extract_claims("Die Angara lief ein.", known_vessels=pl.DataFrame({"mmsi": [1]}))


def test_capitalised_nouns_after_a_ship_noun_are_not_names() -> None:
    claim = _one("Nach Rajin transportierten die Schiffe Munition.")
    assert claim.vessels == ()


# -- sentences and language ------------------------------------------------------------------


def test_sentence_split_keeps_abbreviations_ordinals_and_initials() -> None:
    assert split_sentences(
        "Am 7. September lief die Angara aus. Die U.S. Navy sah sie am 13.10. wieder. "
        "John F. Kirby sagte das am Oct. 13 in Washington. Bestätigt ist das nicht."
    ) == [
        "Am 7. September lief die Angara aus.",
        "Die U.S. Navy sah sie am 13.10. wieder.",
        "John F. Kirby sagte das am Oct. 13 in Washington.",
        "Bestätigt ist das nicht.",
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bestätigt ist das nicht.", "de"),
        ("Moskau dementierte.", "de"),
        ("Die Angara war dort.", "de"),
        ("Rason Najin Wostotschny", "de"),
        ("Russia denied it.", "en"),
        ("John Kirby said.", "en"),
        ("The ship left Rajin.", "en"),
        ("It was there.", "en"),
    ],
)
def test_language_of_short_texts(text: str, language: str) -> None:
    assert detect_language(text) == language
