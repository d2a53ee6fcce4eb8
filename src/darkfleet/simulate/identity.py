"""Vessel identities: IMO check digits, MMSIs by flag, names and call signs (simulate layer).

The shuttle ships carry the names and IMO numbers of the four Russian cargo ships named
in the October 2023 public reporting (see ``SHUTTLE_SHIPS``); every MMSI, call sign and
every other vessel is fictional.
"""

from __future__ import annotations

from typing import Final

import numpy as np

__all__ = [
    "FLAG_MIDS",
    "SHUTTLE_SHIPS",
    "UNASSIGNED_MID",
    "imo_check_digit",
    "is_valid_imo",
    "make_imo",
    "make_mmsi",
    "make_name",
]

#: Maritime Identification Digits per flag (ISO 3166 alpha-3), from ITU's MID table
#: (checked against ../shared/data/real/ref-mid, both tables).
FLAG_MIDS: Final[dict[str, tuple[int, ...]]] = {
    "RUS": (273,),
    "PRK": (445,),
    "KOR": (440, 441),
    "JPN": (431, 432),
    "CHN": (412, 413, 414),
    "PAN": (351, 352, 353),
    "LBR": (636,),
    "MHL": (538,),
    "HKG": (477,),
}
#: A MID that ITU has not assigned (absent from both MID tables): an invalid identity.
UNASSIGNED_MID: Final[int] = 200

#: The shuttle ships as publicly reported in October 2023 (US statements, RUSI/OSC
#: analyses, press). These must be checked against the designation notices before any
#: use beyond this simulation. ANGARA 9179842 and LADY R 9161003 pass the IMO check
#: digit. For MAIA-1 and MARIA the numbers we had (9128930 and 9181661) FAIL the check
#: digit, so they cannot be right as written: the simulation gives those two ships a
#: placeholder IMO (valid check digit, marked ``imo_status="placeholder"``) rather than
#: invent a number that looks authoritative.
SHUTTLE_SHIPS: Final[tuple[dict[str, str | int], ...]] = (
    {"name": "ANGARA", "imo": 9179842, "imo_status": "as published"},
    {"name": "LADY R", "imo": 9161003, "imo_status": "as published"},
    {
        "name": "MAIA-1",
        "imo": 9128934,
        "imo_status": "placeholder: published 9128930 fails the check digit",
    },
    {
        "name": "MARIA",
        "imo": 9181663,
        "imo_status": "placeholder: published 9181661 fails the check digit",
    },
)


def imo_check_digit(first_six: int) -> int:
    """Check digit of an IMO number from its first six digits (weights 7..2, mod 10).

    Examples
    --------
    >>> imo_check_digit(917984)
    2
    """
    digits = [int(c) for c in f"{first_six:06d}"]
    return sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10


def is_valid_imo(imo: int) -> bool:
    """True for a seven-digit IMO number whose last digit is its check digit.

    Examples
    --------
    >>> is_valid_imo(9179842), is_valid_imo(9128930)
    (True, False)
    """
    return 1_000_000 <= imo <= 9_999_999 and imo % 10 == imo_check_digit(imo // 10)


def make_imo(rng: np.random.Generator, *, is_valid: bool = True) -> int:
    """A random IMO number of a ship built 1985-2020 (9xxxxxx range), valid or not."""
    first_six = int(rng.integers(900_000, 999_999))
    check = imo_check_digit(first_six)
    if not is_valid:
        check = (check + 1 + int(rng.integers(0, 9))) % 10
    return first_six * 10 + check


def make_mmsi(rng: np.random.Generator, mid: int, used: set[int]) -> int:
    """A fresh ship MMSI ``MIDxxxxxx`` not in ``used`` (added to it)."""
    while True:
        mmsi = mid * 1_000_000 + int(rng.integers(100_000, 999_999))
        if mmsi not in used:
            used.add(mmsi)
            return mmsi


_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "RUS": (
        "VOSTOK",
        "AMUR",
        "PRIMORYE",
        "SAKHALIN",
        "TAIGA",
        "KAPITAN",
        "ZARYA",
        "OKEAN",
        "BEREG",
        "SIBIR",
    ),
    "PRK": ("KUMGANG", "PAEKTU", "CHOLLIMA", "MYOHYANG", "RAKWON", "SAMJIYON"),
    "KOR": ("HANJIN", "DONGBANG", "SEOHAE", "NAMHAE", "HYUNDAI", "PAN", "SINSUNG", "GWANGYANG"),
    "JPN": ("MARU", "SHIN", "KAIUN", "HOKUYO", "NIKKO", "SAKURA", "TOYO", "FUJI"),
    "CHN": ("ZHONG", "HAI", "YUAN", "XIN", "HUA", "JIN", "DA", "TONG"),
    "OTHER": (
        "OCEAN",
        "STAR",
        "PACIFIC",
        "GLORY",
        "PEARL",
        "ORIENT",
        "FORTUNE",
        "HARMONY",
        "SPIRIT",
    ),
}


def make_name(rng: np.random.Generator, flag: str, used: set[str]) -> str:
    """A fictional ship name in the style of the flag, unique within ``used`` (<= 20 chars)."""
    words = _WORDS.get(flag, _WORDS["OTHER"])
    for attempt in range(1_000_000):
        a, b = rng.choice(len(words), size=2, replace=False)
        number = int(rng.integers(1, 99)) + 100 * (attempt // 20)
        if flag == "JPN":
            name = f"{words[a]} MARU NO.{number}"
        elif flag in ("CHN", "PRK") or attempt >= 20:
            name = f"{words[a]} {words[b]} {number}"
        else:
            name = f"{words[a]} {words[b]}"
        name = name[:20]
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("ran out of ship names")  # unreachable: the number space is unbounded


def make_callsign(rng: np.random.Generator, flag: str) -> str:
    """A call sign with the flag's ITU prefix style (fictional)."""
    prefix = {
        "RUS": "UB",
        "PRK": "HM",
        "KOR": "DS",
        "JPN": "JD",
        "CHN": "BR",
        "PAN": "3E",
        "LBR": "A8",
        "MHL": "V7",
        "HKG": "VR",
    }.get(flag, "XX")
    letters = "".join(chr(65 + int(i)) for i in rng.integers(0, 26, size=2))
    return f"{prefix}{letters}{int(rng.integers(1, 9))}"
