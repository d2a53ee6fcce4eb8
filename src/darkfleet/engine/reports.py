"""Adding a news report to the workspace: read, extract claims, link, record (engine layer).

Imports ``fuse``, ``store`` and ``errors``; never ``cli``. One path for
``darkfleet reports add`` and ``darkfleet demo``: the bytes of an article (text or HTML)
become a ``darkfleet.fuse.claims.Report`` whose vessels are matched against the store's
static reports, and ``darkfleet.fuse.reports.store_report`` records it.

The bundled demo article (``demo_report_path``) is a statement written for darkfleet in
the style of the US government's October 2023 statements on the Rajin shuttle; see
``darkfleet/fuse/claims/data/SOURCE.md``.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Final

import polars as pl

from darkfleet.errors import InputError
from darkfleet.fuse.claims import Language, Report, read_report
from darkfleet.fuse.reports import StoredReport, store_report
from darkfleet.fuse.vessel_mentions import VesselIndex
from darkfleet.store import Store
from darkfleet.store.workspace import Workspace

__all__ = [
    "DEMO_REPORT_PUBLISHED",
    "AddedReport",
    "add_demo_report",
    "add_report",
    "demo_report_path",
    "fetch_page",
    "known_vessels",
]

#: A page larger than this is not an article (20 MB).
MAX_PAGE_BYTES: Final = 20_000_000
_FETCH_HINT: Final = "or save the page in a browser and pass the file with --url URL"

#: Publication date of the bundled demo statement (its SOURCE.md): "last week" in it
#: resolves against this day.
DEMO_REPORT_PUBLISHED: Final = date(2023, 10, 13)


def fetch_page(
    url: str, *, timeout_s: float = 30.0, max_bytes: int = MAX_PAGE_BYTES
) -> tuple[bytes, str | None]:
    """Download one web page (``http`` or ``https``): its bytes and its declared charset.

    The only network access darkfleet makes, and only when an analyst names a URL.

    Raises
    ------
    InputError
        Another scheme, an HTTP error status, a network failure or timeout, or a page
        larger than ``max_bytes``; the message names the URL and the way around it.
    """
    scheme = url.split(":", 1)[0].lower()
    if scheme not in ("http", "https"):
        raise InputError(f"{url}: only http and https pages can be fetched; {_FETCH_HINT}")
    request = urllib.request.Request(url, headers={"User-Agent": "darkfleet (reports add)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            data: bytes = response.read(max_bytes + 1)
            charset = response.headers.get_content_charset()
    except urllib.error.HTTPError as err:
        err.close()  # the error holds the response's socket
        raise InputError(
            f"{url}: the server answered {err.code} {err.reason}; {_FETCH_HINT}"
        ) from err
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise InputError(f"{url}: could not fetch the page ({reason}); {_FETCH_HINT}") from err
    if len(data) > max_bytes:
        raise InputError(
            f"{url}: the page is larger than {max_bytes:,} bytes, not an article; {_FETCH_HINT}"
        )
    return data, charset


@dataclass(frozen=True, slots=True)
class AddedReport:
    """The report as extracted now, and what the workspace holds (``stored``)."""

    report: Report
    stored: StoredReport


def demo_report_path() -> Path:
    """Return the path of the bundled demo statement on the Rajin shuttle (English text)."""
    return Path(
        str(resources.files("darkfleet.fuse.claims") / "data" / "rajin_shuttle_statement.txt")
    )


def known_vessels(store: Store) -> pl.DataFrame:
    """The store's vessels as claim extraction links them: ``mmsi``, ``imo``, ``name``."""
    statics = store.scan("statics").select("mmsi", "imo", "name")
    return statics.drop_nulls("name").unique().sort("mmsi", "name", "imo").collect()


def add_report(
    store: Store,
    workspace: Workspace,
    data: bytes,
    *,
    name: str,
    author: str,
    added_ts: datetime,
    url: str | None = None,
    published: date | None = None,
    language: Language | None = None,
    encoding: str | None = None,
) -> AddedReport:
    """Extract a report's claims, link its vessels to ``store`` and record both.

    Parameters
    ----------
    store, workspace
        The Parquet store whose static reports name the known vessels, and the workspace
        database to record into.
    data
        The article's bytes (text or HTML; see ``darkfleet.fuse.claims.read_report``).
    name
        File name as given (``<stdin>`` for standard input), kept with the report.
    author, added_ts
        Who adds it, and when (aware UTC; the caller reads the clock).
    url
        The page's address, when the analyst saved it from one.
    published, language, encoding
        As for ``read_report``: the publication date (else the page's own), ``"de"`` or
        ``"en"`` (else detected) and a codec name (else detected).

    Returns
    -------
    The extracted report and the stored one (``stored.is_new`` False when this text
    was added before: then nothing is added).

    Raises
    ------
    DecodeError, InputError
        The bytes hold no usable text (see ``read_report``).
    ConfigError
        The text is stored already with another publication date.
    """
    report = read_report(
        data,
        name=name,
        published=published,
        known_vessels=known_vessels(store),
        language=language,
        encoding=encoding,
    )
    stored = store_report(
        report,
        workspace,
        VesselIndex.from_store(store),
        file=name,
        url=url,
        author=author,
        added_ts=added_ts,
    )
    return AddedReport(report, stored)


def add_demo_report(
    store: Store, workspace: Workspace, *, added_ts: datetime, author: str = "darkfleet demo"
) -> AddedReport:
    """Add the bundled demo statement (``demo_report_path``) as ``darkfleet demo`` does.

    Its vessels link to ``store``'s static reports by name (the text gives no IMO); a
    second call adds nothing. See ``add_report`` for the errors.
    """
    path = demo_report_path()
    return add_report(
        store,
        workspace,
        path.read_bytes(),
        name=path.name,
        author=author,
        added_ts=added_ts,
        published=DEMO_REPORT_PUBLISHED,
    )
