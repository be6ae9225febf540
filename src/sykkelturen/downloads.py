"""`Content-Disposition` for downloads, safe for any file name (RFC 6266, RFC 8187).

HTTP header values are Latin-1 on the wire (ASGI refuses anything else), and a quote, a
backslash or a line break in a name would end the parameter or the header. So the name
goes out twice when it is not plain ASCII: as an ASCII `filename=` fallback for old
clients, and exactly as `filename*=UTF-8''…`, percent-encoded, which every current browser
and HTTP library prefers.
"""

import unicodedata
from urllib.parse import quote

# RFC 8187 `attr-char` besides letters and digits: what may stand unencoded in `filename*`.
_ATTR_CHARS = "!#$&+-.^_`|~"
# Quoting trouble in the header, or path trouble on a disk: replaced in the fallback.
_FALLBACK_UNSAFE = set('"\\%/:*?<>|;')
# Letters that Unicode does not decompose into an ASCII letter and a mark.
_ASCII_SPELLING = str.maketrans(
    {"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ß": "ss", "–": "-", "—": "-", "’": "'"}
)
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}  # control and format characters, line separators
MAX_NAME = 200


def _clean(filename: str) -> str:
    """The name as a person would save it: no control characters, no folders."""
    name = "".join(c for c in filename if unicodedata.category(c) not in _INVISIBLE)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return " ".join(name.split()).strip(".")[:MAX_NAME] or "download"


def _ascii_fallback(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.translate(_ASCII_SPELLING))
    kept = []
    for c in decomposed:
        if unicodedata.combining(c):
            continue  # the accent of a letter kept just before
        kept.append(c if c.isascii() and c not in _FALLBACK_UNSAFE else "_")
    return "".join(kept).strip(" _") or "download"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """`attachment` (or `inline`) naming the file both ways. For "Valldal – Stordal.gpx":
    `attachment; filename="Valldal - Stordal.gpx";
    filename*=UTF-8''Valldal%20%E2%80%93%20Stordal.gpx` (one line).

    Folders and control characters are dropped from the name; the value is always ASCII.
    """
    name = _clean(filename)
    fallback = _ascii_fallback(name)
    value = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}"
    return value
