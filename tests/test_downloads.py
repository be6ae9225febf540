"""Content-Disposition for any file name: ASCII on the wire, the real name in filename*."""

from urllib.parse import unquote

import pytest

from sykkelturen.downloads import content_disposition


def _exact_name(value: str) -> str:
    """What a browser saves the file as: `filename*` (RFC 8187) wins over `filename`."""
    if "filename*=" not in value:
        return value.split('filename="', 1)[1].split('"', 1)[0]
    encoded = value.split("filename*=", 1)[1]
    charset, _language, text = encoded.split("'", 2)
    assert charset == "UTF-8"
    return unquote(text, encoding="utf-8", errors="strict")


@pytest.mark.parametrize(
    "name",
    [
        "Valldal – Stordal.gpx",
        "Ålesund–Ørsta.gpx",
        "line\nbreak.gpx",
        'quote"and.gpx',
        "tab\tand\rreturn\x00nul ø.gpx",
        "ruta_日本語.gpx",
        "emoji 🚲.gpx",
        "percent%20sign.gpx",
        "semi;colon.gpx",
    ],
)
def test_any_name_gives_an_ascii_header_that_names_the_file(name: str) -> None:
    value = content_disposition(name)
    value.encode("ascii")  # never raises: ASGI headers must be Latin-1, ours are ASCII
    assert "\n" not in value
    assert "\r" not in value
    assert value.startswith("attachment; ")
    expected = " ".join("".join(c for c in name if ord(c) >= 32).split())
    assert _exact_name(value) == expected
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii()
    assert '"' not in fallback
    assert "\\" not in fallback


def test_fallback_spells_norwegian_letters_in_ascii() -> None:
    value = content_disposition("Ålesund – Ørsta.gpx", inline=True)
    assert value.startswith('inline; filename="Alesund - Orsta.gpx"; ')
    assert unquote(value.split("UTF-8''", 1)[1]) == "Ålesund – Ørsta.gpx"


def test_folders_are_dropped() -> None:
    assert content_disposition("../../etc/passwd").startswith('attachment; filename="passwd"')
    assert content_disposition("C:\\Users\\kari\\tur.gpx").startswith(
        'attachment; filename="tur.gpx"'
    )


def test_an_empty_name_still_names_a_file() -> None:
    assert content_disposition("\n\n").startswith('attachment; filename="download"')
