"""Time phrases in German and English, resolved against the publication date.

Fuse layer; pure (no clock: the publication date is an argument); imports only ``_model``.

Absolute dates with a year resolve on their own. A day and month without a year, a month,
a weekday or a relative phrase ("gestern", "last week") need the publication date: without
one the phrase is kept and ``start``/``end`` stay None. Rules (docs/reports.md):

- a bare weekday ("am Dienstag", "on Tuesday") is the latest such day on or before the
  publication date, or, in a sentence about the future ("is expected to", "wird"), the
  first such day on or after it;
- "last Monday", "vergangenen Montag", "letzten Montag": the latest Monday strictly before
  the publication date;
- "last week" / "vergangene Woche": the ISO week (Monday to Sunday) before the
  publication date's week; "last month" / "im vergangenen Monat" likewise;
- a day and month without a year ("on Oct. 13", "13. Oktober"): the latest such date on
  or before the publication date (the next one in a sentence about the future);
- a month without a year ("im September"): that month, in the publication year or the
  year before, whichever is latest but not after the publication date; "since August" /
  "seit August" runs from the month's first day to the publication date (None without
  one).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from darkfleet.fuse.claims._model import TimeRef

__all__ = ["find_times", "is_future"]

MONTHS: Final[dict[str, int]] = {
    **{name: i for i, name in enumerate(calendar.month_name) if name},
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Aug": 8, "Sep": 9, "Sept": 9, "Oct": 10,
    "Nov": 11, "Dec": 12,
    "Januar": 1, "Jänner": 1, "Februar": 2, "März": 3, "Mai": 5, "Juni": 6, "Juli": 7,
    "Oktober": 10, "Dezember": 12, "Okt": 10, "Dez": 12,
}  # fmt: skip
WEEKDAYS: Final[dict[str, int]] = {
    **{name: i for i, name in enumerate(calendar.day_name)},
    "Montag": 0, "Dienstag": 1, "Mittwoch": 2, "Donnerstag": 3, "Freitag": 4,
    "Samstag": 5, "Sonnabend": 5, "Sonntag": 6,
}  # fmt: skip

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_LAST = r"(?:last|vergangene[nm]?|letzte[nm]?|vorige[nm]?)"

_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")),
    ("dmy_numeric", re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})?(?!\d)")),
    (
        "dmy",
        re.compile(rf"\b(?P<d>\d{{1,2}})\.? (?P<mon>{_MONTH})\.?(?:,? (?P<y>\d{{4}}))?\b"),
    ),
    (
        "mdy",
        re.compile(
            rf"\b(?P<mon>{_MONTH})\.? (?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,? (?P<y>\d{{4}}))?"
        ),
    ),
    (
        "month",
        re.compile(
            rf"\b(?:in|im|since|seit|during|early|late|mid-|Anfang|Mitte|Ende) "
            rf"(?P<mon>{_MONTH})\b(?: (?P<y>\d{{4}}))?"
        ),
    ),
    ("last_weekday", re.compile(rf"\b{_LAST} (?P<wd>{_WEEKDAY})\b", re.I)),
    ("weekday", re.compile(rf"\b(?P<wd>{_WEEKDAY})\b")),
    (
        "last_week",
        re.compile(
            r"\b(?:last week|vergangene[nr]? Woche|letzte[nr]? Woche|vorige[nr]? Woche)\b", re.I
        ),
    ),
    (
        "last_month",
        re.compile(
            r"\b(?:last month|vergangene[nr]? Monat|letzte[nr]? Monat|vorige[nr]? Monat)\b", re.I
        ),
    ),
    ("this_week", re.compile(r"\b(?:this week|diese[rn]? Woche)\b", re.I)),
    ("day_before_yesterday", re.compile(r"\b(?:the day before yesterday|vorgestern)\b", re.I)),
    ("yesterday", re.compile(r"\b(?:yesterday|gestern)\b", re.I)),
    ("today", re.compile(r"\b(?:today|heute)\b", re.I)),
)

#: Words that make a sentence about the future for resolving weekdays and dates.
_FUTURE = re.compile(
    r"\b(?:will|is expected to|are expected to|is due to|are due to|plans? to|"
    r"wird|werden|soll(?:en)? [^.]* (?:ankommen|eintreffen|einlaufen)|erwartet)\b",
    re.I,
)
#: Prepositions before a time phrase that belong to it (kept in the phrase).
_LEAD = re.compile(r"(?:\b(?:am|on|vom|von|bis|zum|seit|since|in|im|an)\s)$", re.I)


@dataclass(frozen=True, slots=True)
class _Found:
    kind: str
    start: int
    end: int
    match: re.Match[str]


def is_future(sentence: str) -> bool:
    """Return True when ``sentence`` speaks about the future ("is expected to", "wird").

    Examples
    --------
    >>> is_future("The Maria is expected to arrive on Friday."), is_future("It left.")
    (True, False)
    """
    return _FUTURE.search(sentence) is not None


def find_times(
    sentence: str, *, published: date | None, is_future_tense: bool = False
) -> list[tuple[int, int, TimeRef]]:
    """Return the time phrases of ``sentence`` as (start, end, TimeRef), in text order.

    Overlapping matches keep the one listed first (an ISO date before a weekday).

    Examples
    --------
    >>> [t.to_json() for _, _, t in find_times("Sie lief am Dienstag ein.", published=date(2023, 10, 18))]
    [{'phrase': 'am Dienstag', 'start': '2023-10-17', 'end': '2023-10-17'}]
    >>> find_times("on Oct. 13", published=None)[0][2].start is None
    True
    """
    found: list[_Found] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(sentence):
            if any(match.start() < f.end and f.start < match.end() for f in found):
                continue
            if kind in ("dmy", "mdy", "dmy_numeric") and not _is_valid_day(match):
                continue
            found.append(_Found(kind, match.start(), match.end(), match))
    out: list[tuple[int, int, TimeRef]] = []
    for item in sorted(found, key=lambda f: f.start):
        lead = _LEAD.search(sentence[: item.start])
        start = lead.start() if lead and item.kind not in ("last_weekday", "month") else item.start
        phrase = sentence[start : item.end]
        first, last = _resolve(item, published, is_future_tense)
        out.append((start, item.end, TimeRef(phrase=phrase, start=first, end=last)))
    return out


def _is_valid_day(match: re.Match[str]) -> bool:
    month = _month_of(match)
    day = int(match.group("d"))
    return 1 <= month <= 12 and 1 <= day <= 31


def _month_of(match: re.Match[str]) -> int:
    groups = match.groupdict()
    if groups.get("mon"):
        return MONTHS[groups["mon"]]
    return int(groups["m"])


def _resolve(item: _Found, published: date | None, future: bool) -> tuple[date | None, date | None]:
    groups = item.match.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    kind = item.kind
    if kind in ("iso", "dmy_numeric", "dmy", "mdy"):
        month, day_of_month = _month_of(item.match), int(groups["d"])
        if year is not None:
            return _day(year, month, day_of_month)
        if published is None:
            return None, None
        for candidate_year in (
            (published.year, published.year + 1) if future else (published.year, published.year - 1)
        ):
            first, _ = _day(candidate_year, month, day_of_month)
            if first is not None and (first >= published if future else first <= published):
                return first, first
        return None, None
    if kind == "month":
        month = MONTHS[groups["mon"]]
        if year is None:
            if published is None:
                return None, None
            year = published.year if month <= published.month or future else published.year - 1
        first = date(year, month, 1)
        if item.match.group(0).lower().startswith(("since", "seit")):
            return first, published  # "seit August": from then until publication
        return first, date(year, month, calendar.monthrange(year, month)[1])
    if published is None:
        return None, None
    if kind in ("weekday", "last_weekday"):
        weekday = WEEKDAYS[groups["wd"]]
        if kind == "weekday" and future:
            day = published + timedelta(days=(weekday - published.weekday()) % 7)
        else:
            back = (published.weekday() - weekday) % 7
            if kind == "last_weekday" and back == 0:
                back = 7
            day = published - timedelta(days=back)
        return day, day
    if kind == "last_week":
        monday = published - timedelta(days=published.weekday() + 7)
        return monday, monday + timedelta(days=6)
    if kind == "this_week":
        monday = published - timedelta(days=published.weekday())
        return monday, monday + timedelta(days=6)
    if kind == "last_month":
        last_day = published.replace(day=1) - timedelta(days=1)
        return last_day.replace(day=1), last_day
    offset = {"day_before_yesterday": 2, "yesterday": 1, "today": 0}[kind]
    day = published - timedelta(days=offset)
    return day, day


def _day(year: int, month: int, day: int) -> tuple[date | None, date | None]:
    try:
        value = date(year, month, day)
    except ValueError:
        return None, None
    return value, value
