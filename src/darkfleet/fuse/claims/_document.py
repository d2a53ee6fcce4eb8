"""Bytes of an article to its main text (fuse layer; pure, no I/O; imports only core).

Decoding never guesses: UTF-8 (with or without BOM), UTF-16/32 with a BOM, the charset an
HTML page declares, or the encoding the caller names. HTML is reduced to its article text
with the standard library's ``html.parser``: scripts, styles, navigation, headers,
footers, forms, asides and blocks whose class or id names boilerplate (cookie banners,
share bars, related links, newsletters) are dropped; when the page has an ``<article>``
or ``<main>`` element only its text is kept.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser

from darkfleet.errors import ConfigError, DecodeError, InputError

__all__ = ["Document", "decode_text", "parse_published", "read_document"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_LOOKS_HTML = re.compile(
    r"^\s*(?:<!doctype\s+html|<(?:html|head|body|article|main|div|section|h[1-6]|p)[\s>])", re.I
)

#: Elements whose whole subtree is boilerplate or not text.
_SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "iframe",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "button",
        "select",
        "figure",
        "head",
    }
)
#: Elements that end a block of text.
_BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "main", "li", "blockquote", "br", "tr", "td", "ul", "ol"}
    | {f"h{level}" for level in range(1, 7)}
)
_CONTAINERS = frozenset({"html", "body", "main", "article"})
_VOID_TAGS = frozenset({"br", "img", "meta", "link", "input", "hr", "source", "wbr", "area"})
#: class/id words that mark boilerplate blocks.
_BOILERPLATE = re.compile(
    r"(?:^|[\s_-])(?:cookie|consent|share|social|related|newsletter|subscribe|advert|ad|ads|"
    r"promo|banner|menu|breadcrumbs?|comments?|teaser|footer|sidebar|nav|paywall)"
    r"(?:$|[\s_-])",
    re.I,
)
_PUBLISHED_META = (
    "article:published_time",
    "datepublished",
    "date",
    "dc.date",
    "dc.date.issued",
    "pubdate",
    "publishdate",
)


@dataclass(frozen=True, slots=True)
class Document:
    """The main text of an input, its title and publication date (from HTML meta)."""

    text: str
    title: str | None
    published: date | None
    is_html: bool


def parse_published(value: str, *, where: str) -> date:
    """Parse a publication date: ``2023-10-13`` or an ISO time with offset (its own date).

    The date is taken as written (the publisher's calendar day), not converted to UTC:
    "yesterday" in an article means the day before the day printed on it.

    Raises
    ------
    ConfigError
        ``value`` is no ISO date, or a time without an offset; ``where`` names the option.

    Examples
    --------
    >>> parse_published("2023-10-13", where="--published")
    datetime.date(2023, 10, 13)
    >>> parse_published("2023-10-13T23:30:00-04:00", where="--published")
    datetime.date(2023, 10, 13)
    """
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError as err:
            raise ConfigError(
                f"{where}: {value!r} is not a calendar date; write e.g. 2023-10-13"
            ) from err
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as err:
        raise ConfigError(
            f"{where}: {value!r} is not an ISO 8601 date; write e.g. 2023-10-13"
        ) from err
    if parsed.tzinfo is None:
        raise ConfigError(
            f"{where}: {value!r} is a time without UTC offset; give the date alone "
            f"({parsed.date().isoformat()}) or add an offset"
        )
    return parsed.date()


def decode_text(data: bytes, *, name: str, encoding: str | None = None) -> str:
    """Decode ``data`` (read from ``name``) to text without guessing.

    Parameters
    ----------
    data
        The raw bytes.
    name
        File name or ``<stdin>``, for messages.
    encoding
        A Python codec name to use instead of detection (``cp1252``, ``latin-1``...).

    Raises
    ------
    ConfigError
        ``encoding`` names no known codec.
    DecodeError
        The bytes are empty, binary, or neither UTF-8 nor in a declared encoding.

    Examples
    --------
    >>> decode_text("Bestätigt".encode("utf-8-sig"), name="a.txt")
    'Bestätigt'
    """
    if not data.strip():
        raise DecodeError(f"{name}: the file is empty; give an article as text or HTML")
    if encoding is not None:
        return _decode_with(
            data, _codec(encoding, where="--encoding"), name=name, origin="--encoding"
        )
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode_with(data, codec, name=name, origin="its byte-order mark")
    if b"\x00" in data:
        raise DecodeError(
            f"{name}: binary data (NUL bytes), not an article; give a text or HTML file"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        declared = _META_CHARSET.search(data[:4096])
        if declared is not None:
            codec = _codec(
                declared.group(1).decode("ascii"),
                where=f"{name}: <meta charset>",
                error=DecodeError,
            )
            return _decode_with(data, codec, name=name, origin="its <meta charset>")
        line = data[: err.start].count(b"\n") + 1
        raise DecodeError(
            f"{name}: line {line}: not UTF-8 (byte offset {err.start}) and no charset "
            "declared; convert it to UTF-8 or name the encoding with --encoding "
            "(e.g. --encoding cp1252)"
        ) from err


def _codec(name: str, *, where: str, error: type[InputError | ConfigError] = ConfigError) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError as err:
        raise error(
            f"{where}: unknown encoding {name!r}; give a Python codec name such as utf-8, "
            "cp1252 or latin-1 (--encoding)"
        ) from err


def _decode_with(data: bytes, codec: str, *, name: str, origin: str) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as err:
        raise DecodeError(
            f"{name}: not valid {codec} (as {origin} says) at byte {err.start}; "
            "fix the file or name the right encoding with --encoding"
        ) from err
    if "\x00" in text:
        raise DecodeError(f"{name}: binary data (NUL characters), not an article")
    return text.removeprefix("\ufeff")


def read_document(data: bytes, *, name: str, encoding: str | None = None) -> Document:
    """Decode ``data`` and reduce HTML to its main text.

    Plain text is kept as it is (paragraphs are separated by blank lines). HTML yields the
    text of its article blocks, the ``<title>`` (or first ``<h1>``) and the publication
    date from ``article:published_time``, ``datePublished`` (JSON-LD or ``itemprop``),
    ``<meta name="date">`` or the first ``<time datetime>``.

    Raises
    ------
    DecodeError
        The bytes cannot be decoded (see ``decode_text``), or the text is blank or a
        page with no article text.

    Examples
    --------
    >>> page = b"<html><nav>Home</nav><article><h1>T</h1><p>Ships left.</p></article></html>"
    >>> read_document(page, name="a.html").text
    'T\\n\\nShips left.'
    """
    text = decode_text(data, name=name, encoding=encoding)
    if _LOOKS_HTML.match(text) is None:
        cleaned = text.replace("\r\n", "\n").replace("\r", "\n").strip()
        if not cleaned or not any(ch.isalpha() for ch in cleaned):
            raise DecodeError(f"{name}: no text found; give an article as text or HTML")
        if sum(ch.isprintable() or ch.isspace() for ch in cleaned) < 0.95 * len(cleaned):
            raise DecodeError(f"{name}: mostly control characters, not an article")
        return Document(text=cleaned, title=None, published=None, is_html=False)
    parser = _MainText()
    parser.feed(text)
    parser.close()
    blocks = parser.article_blocks or parser.blocks
    body = "\n\n".join(blocks)
    if not body:
        raise DecodeError(f"{name}: an HTML page without article text; save the article page")
    published = None
    if parser.published is not None:
        try:
            published = parse_published(parser.published, where=f"{name}: published date")
        except ConfigError:
            published = None  # unreadable meta: relative times stay unresolved
    return Document(text=body, title=parser.title, published=published, is_html=True)


class _MainText(HTMLParser):
    """Collects text blocks outside boilerplate, and the ones inside article/main."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.article_blocks: list[str] = []
        self.title: str | None = None
        self.published: str | None = None
        self._stack: list[tuple[str, bool, bool]] = []  # tag, skipped, in article
        self._parts: list[str] = []
        self._in_title = False
        self._in_ld_json = False
        self._title_parts: list[str] = []
        self._h1: str | None = None
        self._in_h1 = False

    def _skipping(self) -> bool:
        return any(skipped for _, skipped, _ in self._stack)

    def _in_article(self) -> bool:
        return any(in_article for _, _, in_article in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key.lower(): (value or "") for key, value in attrs}
        if tag == "meta":
            key = (
                values.get("property") or values.get("name") or values.get("itemprop", "")
            ).lower()
            if key in _PUBLISHED_META and self.published is None and values.get("content"):
                self.published = values["content"]
            return
        if tag == "time" and self.published is None and values.get("datetime"):
            self.published = values["datetime"]
        if tag == "title":
            self._in_title = True
        if tag == "script" and values.get("type", "").lower() == "application/ld+json":
            self._in_ld_json = True
        if tag in _VOID_TAGS:
            if tag == "br":
                self._flush()
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        marker = f"{values.get('class', '')} {values.get('id', '')} {values.get('role', '')}"
        # Page containers are never boilerplate, whatever their class ("<body class=nav-open>").
        skipped = tag in _SKIP_TAGS or (
            tag not in _CONTAINERS and _BOILERPLATE.search(marker) is not None
        )
        self._stack.append((tag, skipped, tag in ("article", "main") and not self._skipping()))
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
            self.title = " ".join("".join(self._title_parts).split()) or None
        if tag == "script":
            self._in_ld_json = False
        if tag in _VOID_TAGS:
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "h1":
            self._in_h1 = False
        # Close up to the matching open tag (HTML in the wild leaves tags open).
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                if tag in _BLOCK_TAGS or tag in _SKIP_TAGS or tag in ("article", "main"):
                    self._flush()
                del self._stack[depth:]
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)
            return
        if self._in_ld_json:
            self._read_ld_json(data)
            return
        if self._skipping():
            return
        self._parts.append(data)
        if self._in_h1 and self._h1 is None and data.strip():
            self._h1 = " ".join(data.split())

    def _read_ld_json(self, data: str) -> None:
        try:
            parsed = json.loads(data)
        except json.JSONDecodeError:
            return
        items = parsed if isinstance(parsed, list) else [parsed]
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("datePublished"), str):
                self.published = self.published or item["datePublished"]

    def _flush(self) -> None:
        text = " ".join("".join(self._parts).split())
        self._parts = []
        if not text:
            return
        self.blocks.append(text)
        if self._in_article():
            self.article_blocks.append(text)

    def close(self) -> None:
        """Finish parsing and keep the last open block."""
        super().close()
        self._flush()
        if self.title is None:
            self.title = self._h1
