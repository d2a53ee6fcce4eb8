"""Reading articles: encodings, HTML main text and meta dates, and bad input (issue 5)."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from darkfleet.errors import ConfigError, DecodeError, InputError
from darkfleet.fuse.claims import detect_language, parse_published, read_document, read_report

GERMAN = "Die Maria lief am Dienstag in Wostotschny ein. Bestätigt ist das nicht.\n"


@pytest.mark.parametrize(
    "data",
    [
        GERMAN.encode("utf-8"),
        codecs.BOM_UTF8 + GERMAN.encode("utf-8"),
        GERMAN.encode("utf-16"),  # with its BOM
        codecs.BOM_UTF16_BE + GERMAN.encode("utf-16-be"),
        GERMAN.encode("utf-32"),
    ],
)
def test_utf8_and_bom_encodings_decode(data: bytes) -> None:
    assert read_document(data, name="a.txt").text == GERMAN.strip()


def test_a_named_encoding_reads_a_cp1252_file() -> None:
    data = GERMAN.encode("cp1252")
    assert read_document(data, name="a.txt", encoding="cp1252").text == GERMAN.strip()


def test_an_html_meta_charset_is_used_when_the_bytes_are_not_utf8() -> None:
    page = (
        '<html><head><meta charset="iso-8859-1"></head><body><p>' + GERMAN + "</p></body></html>"
    ).encode("latin-1")
    assert read_document(page, name="a.html").text == GERMAN.strip()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "a.txt: the file is empty"),
        (b"  \n\t \n", "a.txt: the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a.txt: binary data (NUL bytes)"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "a.txt: binary data (NUL bytes)"),
        (
            ("Zeile eins\n" + GERMAN).encode("cp1252"),
            "a.txt: line 2: not UTF-8 (byte offset 62) and no charset declared",
        ),
        (b"12345 678 --- ...", "a.txt: no text found"),
        (b"\x01\x02\x03\x04\x05\x06 abc \x07\x08\x0b\x0e\x0f\x10", "mostly control characters"),
        (b"<html><nav>Home</nav><script>x()</script></html>", "an HTML page without article"),
    ],
)
def test_bad_input_is_a_decode_error_naming_file_and_fix(data: bytes, message: str) -> None:
    with pytest.raises(DecodeError) as info:
        read_document(data, name="a.txt")
    assert message in str(info.value)


def test_undecodable_bytes_name_the_encoding_option() -> None:
    with pytest.raises(DecodeError, match=r"--encoding cp1252"):
        read_document(GERMAN.encode("cp1252"), name="a.txt")


def test_an_unknown_encoding_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"--encoding: unknown encoding 'klingon-8'"):
        read_document(b"abc", name="a.txt", encoding="klingon-8")


def test_an_unknown_declared_charset_is_a_decode_error() -> None:
    page = b'<html><head><meta charset="klingon-8"></head><body><p>\xe4</p></body></html>'
    with pytest.raises(DecodeError, match=r"a.html: <meta charset>: unknown encoding"):
        read_document(page, name="a.html")


def test_bytes_invalid_in_the_named_encoding_are_a_decode_error() -> None:
    with pytest.raises(DecodeError, match=r"a.txt: not valid utf-8 \(as --encoding says\)"):
        read_document(b"\xff\xfe\xfd abc", name="a.txt", encoding="utf-8")


def test_html_main_text_drops_boilerplate_and_keeps_article_blocks() -> None:
    page = b"""<!doctype html><html><head><title>T</title>
    <meta name="date" content="2023-10-18"></head><body>
    <div class="menu">Ships delivered</div>
    <div class="article-body"><h1>Heading</h1><p>First <b>bold</b> line.</p>
    <p>Second&nbsp;line &amp; more.</p><ul><li>Item</li></ul></div>
    <div id="newsletter-signup">Subscribe</div><form>Search</form>
    </body></html>"""
    document = read_document(page, name="a.html")
    assert document.text == "Heading\n\nFirst bold line.\n\nSecond line & more.\n\nItem"
    assert (document.title, document.published, document.is_html) == (
        "T",
        date(2023, 10, 18),
        True,
    )


def test_page_containers_with_boilerplate_classes_are_kept() -> None:
    page = b'<html><body class="nav-open"><main class="menu-open"><p>Ships left.</p></main></body></html>'
    assert read_document(page, name="a.html").text == "Ships left."


def test_an_html_fragment_is_read_as_html() -> None:
    fragment = b'<div class="story"><h2>Kurz</h2><p>Die Maria lief ein.</p></div>'
    document = read_document(fragment, name="a.html")
    assert (document.text, document.is_html) == ("Kurz\n\nDie Maria lief ein.", True)


def test_html_publication_date_from_time_element_and_bad_meta_ignored() -> None:
    page = b'<html><body><article><time datetime="2024-01-02T10:00:00+01:00">2. Januar</time><p>Text.</p></article></body></html>'
    assert read_document(page, name="a.html").published == date(2024, 1, 2)
    bad = b'<html><head><meta property="article:published_time" content="gestern"></head><body><p>Text.</p></body></html>'
    assert read_document(bad, name="a.html").published is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-10-13", date(2023, 10, 13)),
        ("2023-10-13T23:30:00-04:00", date(2023, 10, 13)),
        ("2023-10-13T01:00Z", date(2023, 10, 13)),
    ],
)
def test_publication_dates(value: str, expected: date) -> None:
    assert parse_published(value, where="--published") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2023-13-01", "--published: '2023-13-01' is not a calendar date; write e.g. 2023-10-13"),
        ("13.10.2023", "--published: '13.10.2023' is not an ISO 8601 date; write e.g. 2023-10-13"),
        ("yesterday", "--published: 'yesterday' is not an ISO 8601 date"),
        ("2023-10-13T12:00", "--published: '2023-10-13T12:00' is a time without UTC offset"),
    ],
)
def test_bad_publication_dates_are_config_errors(value: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_published(value, where="--published")
    assert message in str(info.value)


def test_a_long_text_in_another_language_is_rejected_with_the_override() -> None:
    french = (
        "Le navire russe est parti du port de Rajin mardi avec des conteneurs de munitions "
        "pour la Russie, selon le département d'État américain."
    )
    with pytest.raises(InputError, match=r"a.txt: the text looks 'fr'.*--language de or en"):
        read_report(french.encode(), name="a.txt")
    assert read_report(french.encode(), name="a.txt", language="en").language == "en"


def test_short_foreign_words_fall_back_to_the_closer_of_german_and_english() -> None:
    assert detect_language("Angara Rajin Najin") in ("de", "en")
