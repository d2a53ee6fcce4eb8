"""Claims from the project's own test articles (tests/data/reports), field by field.

Each expected row: (predicate, certainty, source, vessel names, places as (name, kind,
port_id), time as (phrase, start, end), quantity as (value, unit, qualifier), refers_to).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from darkfleet.fuse.claims import Claim, Report, read_report

DATA = Path(__file__).resolve().parents[2] / "data" / "reports"

Row = tuple[object, ...]


def _row(claim: Claim) -> Row:
    time = (
        (
            claim.time.phrase,
            claim.time.start.isoformat() if claim.time.start else None,
            claim.time.end.isoformat() if claim.time.end else None,
        )
        if claim.time
        else None
    )
    quantity = (
        (claim.quantity.value, claim.quantity.unit, claim.quantity.qualifier)
        if claim.quantity
        else None
    )
    return (
        claim.predicate,
        claim.certainty,
        claim.source,
        tuple(vessel.name for vessel in claim.vessels),
        tuple((place.name, place.kind, place.port_id) for place in claim.places),
        time,
        quantity,
        claim.refers_to,
    )


def _read(name: str, published: date | None = None, **kwargs: object) -> Report:
    path = DATA / name
    return read_report(path.read_bytes(), name=str(path), published=published, **kwargs)  # type: ignore[arg-type]


NK, RU = ("North Korea", "country", None), ("Russia", "country", None)
RAJIN = ("Najin", "port", "PRK-NAJIN")
DUNAY = ("Dunay", "port", "RUS-DUNAY")
VOSTOCHNY = ("Vostochnyy", "port", "RUS-VOSTOCHNYY")
US, SK_NIS = "Government of the United States", "South Korean National Intelligence Service"
RU_NK = "Government of Russia; Government of North Korea"

EXPECTED: dict[str, tuple[date | None, str, list[Row]]] = {
    "en_white_house_briefing.txt": (
        date(2023, 10, 13),
        "en",
        [
            ("shipped", "asserted", "White House", (), (NK, RU), None, None, None),
            ("delivered", "asserted", "John Kirby", (), (NK, RU), None,
             (1000, "containers", "more_than"), None),
            ("loaded", "asserted", "US Department of State", ("Angara",), (RAJIN,),
             ("between Sept. 7 and Sept. 8", "2023-09-07", "2023-09-08"), None, None),
            ("unloaded", "asserted", "John Kirby", ("Angara",),
             (DUNAY, ("Vladivostok", "other", None)),
             ("on Sept. 8", "2023-09-08", "2023-09-08"), None, None),
            ("transported", "asserted", "John Kirby", (), (("Tikhoretsk", "other", None),),
             None, None, None),
            ("denied", "denied", RU_NK, (), (), None, None, 4),
            ("visited", "assessed", "analysts", ("Lady R",), (RAJIN,),
             ("last week", "2023-10-02", "2023-10-08"), None, None),
        ],
    ),
    "en_kremlin_denial.txt": (
        date(2024, 1, 2),
        "en",
        [
            ("denied", "denied", "Kremlin", (), (), None, None, None),
            ("transported", "denied", "Dmitry Peskov", (), (), None, None, None),
            ("departed", "asserted", "analysts", ("Maria",), (VOSTOCHNY, RAJIN),
             ("last Friday", "2023-12-29", "2023-12-29"), None, None),
            ("visited", "assessed", None, (), (RAJIN,),
             ("on Thursday", "2024-01-04", "2024-01-04"), None, None),
            ("met", "asserted", None, (), (("Vostochny Cosmodrome", "other", None),),
             ("in September", "2023-09-01", "2023-09-30"), None, None),
            ("met", "asserted", None, (), (("Vladivostok", "other", None),),
             ("on Dec. 28", "2023-12-28", "2023-12-28"), None, None),
            ("received", "denied", "Government of Russia", (), (("Pyongyang", "other", None),),
             None, None, None),
        ],
    ),
    "en_nis_estimate.html": (
        None,  # from the page's article:published_time, 2023-11-02
        "en",
        [
            ("shipped", "asserted", "Government of South Korea", (),
             (("Pyongyang", "other", None), ("Moscow", "other", None)), None,
             (1_000_000, "shells", None), None),
            ("shipped", "asserted", SK_NIS, (), (NK, RU),
             ("since August", "2023-08-01", "2023-11-02"),
             (1_000_000, "shells", "more_than"), None),
            ("transported", "assessed", SK_NIS, (), (RAJIN, DUNAY, VOSTOCHNY), None,
             (2000, "containers", "at_least"), None),
            ("visited", "unverified", None, (), (VOSTOCHNY,),
             ("last Monday", "2023-10-30", "2023-10-30"), None, None),
            ("denied", "denied", "Government of North Korea", (), (), None, None, 3),
        ],
    ),
    "de_pentagon_rajin.txt": (
        date(2023, 10, 18),
        "de",
        [
            ("delivered", "unverified", None, (), (NK, RU), None, None, None),
            ("delivered", "asserted", US, (), (NK, RU), None,
             (1000, "containers", "more_than"), None),
            ("loaded", "asserted", "US Department of Defense", ("Angara",), (RAJIN,),
             ("am 7. September", "2023-09-07", "2023-09-07"), None, None),
            ("transported", "asserted", None, ("Angara",),
             (DUNAY, ("Vladivostok", "other", None)), None, None, None),
            ("transported", "asserted", SK_NIS, (), (RAJIN, VOSTOCHNY, DUNAY),
             ("seit August", "2023-08-01", "2023-10-18"),
             (6700, "containers", "more_than"), None),
            ("shipped", "assessed", None, ("Maia-1", "Maria"), (RU,), None, None, None),
            ("visited", "unverified", None, ("Maria",), (VOSTOCHNY,),
             ("am Dienstag", "2023-10-17", "2023-10-17"), None, None),
            ("delivered", "denied", RU_NK, (), (), None, None, None),
            ("transported", "denied", "Kremlin", (), (NK,), None, None, None),
        ],
    ),
    "de_seoul_schaetzung.html": (
        None,  # from the page's JSON-LD datePublished, 2024-01-03
        "de",
        [
            ("shipped", "assessed", SK_NIS, (), (NK, RU), None,
             (2000, "containers", "at_least"), None),
            ("loaded", "asserted", "Government of South Korea", ("Lady R",), (RAJIN,),
             ("Vergangene Woche", "2023-12-25", "2023-12-31"), None, None),
            ("unloaded", "unverified", None, (), (DUNAY,),
             ("am 28. Dezember", "2023-12-28", "2023-12-28"), None, None),
            ("denied", "denied", "Russian Ministry of Foreign Affairs", (), (), None, None, 2),
        ],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_article_claims_match_field_by_field(name: str) -> None:
    published, language, rows = EXPECTED[name]
    report = _read(name, published)
    assert report.language == language
    assert [_row(claim) for claim in report.claims] == rows
    assert [claim.index for claim in report.claims] == list(range(len(rows)))


def test_html_pages_take_their_publication_date_from_the_page() -> None:
    assert _read("en_nis_estimate.html").published == date(2023, 11, 2)
    assert _read("de_seoul_schaetzung.html").published == date(2024, 1, 3)


def test_given_publication_date_wins_over_the_pages_own() -> None:
    report = _read("de_seoul_schaetzung.html", date(2024, 1, 10))
    assert report.published == date(2024, 1, 10)
    assert report.claims[1].time is not None
    assert report.claims[1].time.start == date(2024, 1, 1)  # the week before 2024-01-10


def test_html_boilerplate_gives_no_claims() -> None:
    report = _read("en_nis_estimate.html")
    text = report.text
    for boilerplate in ("cookies", "Subscribe", "Novorossiysk", "Nakhodka", "Home", "Nampo"):
        assert boilerplate not in text
    assert (
        report.title == "Seoul says Pyongyang has sent a million shells to Moscow | Harbour Watch"
    )
    german = _read("de_seoul_schaetzung.html")
    for boilerplate in ("Cookies", "Impressum", "Panzer", "Startseite"):
        assert boilerplate not in german.text
    assert german.text.startswith("Geheimdienst: Tausende Container aus Nordkorea\n\n")


def test_sentences_sources_and_cues_are_kept_as_written() -> None:
    claims = _read("de_pentagon_rajin.txt", date(2023, 10, 18)).claims
    assert claims[2].sentence == (
        "Die Container seien am 7. September im Hafen von Rajin auf das russische "
        "Frachtschiff „Angara“ verladen worden, sagte ein Sprecher des Pentagons am Dienstag."
    )
    assert claims[2].source_phrase == "sagte ein Sprecher des Pentagons am Dienstag"
    assert claims[4].source_phrase == "Laut südkoreanischem Geheimdienst"
    assert claims[6].sentence == "Die Maria lief am Dienstag in Wostotschny ein."
    assert claims[6].certainty_cue == "Bestätigt ist das nicht"
    assert claims[5].certainty_cue == "Es wird vermutet"
    assert claims[7].certainty_cue == "bestritten"
    assert claims[1].quantity is not None
    assert claims[1].quantity.phrase == "mehr als 1.000 Container"
    english = _read("en_white_house_briefing.txt", date(2023, 10, 13)).claims
    assert english[3].source_phrase == "Kirby said"  # the surname maps to John Kirby
    assert english[4].source_phrase == "he added"  # a pronoun: the previous claim's source
    assert english[6].vessels[0].imo == 9161003


def test_without_publication_date_relative_times_keep_their_phrase_only() -> None:
    claims = _read("de_pentagon_rajin.txt").claims
    assert claims[6].time is not None
    assert (claims[6].time.phrase, claims[6].time.start, claims[6].time.end) == (
        "am Dienstag",
        None,
        None,
    )
    assert claims[2].time is not None
    assert claims[2].time.start is None  # "am 7. September" has no year
    assert claims[4].time is not None
    assert claims[4].time.phrase == "seit August"
    assert claims[4].time.start is None


def test_known_vessels_link_names_and_imos_to_mmsis() -> None:
    known = pl.DataFrame(
        {
            "mmsi": [273_000_001, 273_999_001, 273_000_002, 273_000_003, 273_000_004],
            "imo": [9161003, 9161003, 9123456, None, None],
            "name": ["LADY R", "LADY R", "MAIA-1", "ANGARA", "MARIA"],
        }
    )
    english = _read("en_white_house_briefing.txt", date(2023, 10, 13), known_vessels=known)
    lady_r = english.claims[6].vessels[0]
    assert lady_r.to_json() == {
        "text": "Lady R",
        "name": "LADY R",
        "imo": 9161003,
        "mmsis": [273_000_001, 273_999_001],
    }
    angara = english.claims[2].vessels[0]
    assert (angara.name, angara.mmsis) == ("ANGARA", (273_000_003,))
    # Maia-1 has no ship noun in the page: found only because it is a known name.
    page = _read("en_nis_estimate.html", known_vessels=known)
    assert [v.to_json() for v in page.claims[3].vessels] == [
        {"text": "Maia-1", "name": "MAIA-1", "imo": 9123456, "mmsis": [273_000_002]}
    ]
    assert _read("en_nis_estimate.html").claims[3].vessels == ()


def test_json_has_the_documented_keys() -> None:
    report = _read("en_white_house_briefing.txt", date(2023, 10, 13))
    payload = report.to_json()
    assert set(payload) == {"language", "title", "published", "claims"}
    claims = payload["claims"]
    assert isinstance(claims, list)
    assert set(claims[0]) == {
        "index", "sentence", "source", "source_phrase", "predicate", "vessels", "places",
        "time", "quantity", "certainty", "certainty_cue", "refers_to",
    }  # fmt: skip
    assert claims[2]["places"] == [
        {"text": "Rajin", "name": "Najin", "kind": "port", "country": "PRK", "port_id": "PRK-NAJIN"}
    ]
    assert claims[1]["quantity"] == {
        "phrase": "more than 1,000 containers",
        "value": 1000,
        "unit": "containers",
        "qualifier": "more_than",
    }
