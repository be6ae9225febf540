"""`Content-Disposition` for files the service hands out (RFC 6266).

Header values travel as Latin-1, so a file name such as "Valldal – Stordal.gpx" cannot be
sent as it is: it goes out twice, as an ASCII `filename=` fallback for old clients and as
`filename*=UTF-8''…` (RFC 8187) that every current browser and download tool prefers.
"""

import unicodedata
from urllib.parse import quote

# Characters a quoted-string fallback must not carry, and what file systems refuse.
_UNSAFE = set('"\\/:*?<>|')


def _ascii_fallback(filename: str) -> str:
    decomposed = unicodedata.normalize("NFKD", filename)
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue  # the accent of an é, the ring of an å
        if char in "æÆøØ":
            kept.append({"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O"}[char])
        elif " " <= char <= "~" and char not in _UNSAFE:
            kept.append(char)
        elif char.isspace() or char in "–—":
            kept.append("-" if char in "–—" else " ")
        else:
            kept.append("_")
    return " ".join("".join(kept).split()) or "download"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """`attachment` (or `inline`) with the name as ASCII fallback and as UTF-8."""
    name = "".join(c for c in filename if c.isprintable()).strip() or "download"
    fallback = _ascii_fallback(name)
    value = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value
