"""The ``Content-Disposition`` header of every download, for file names in any script.

HTTP headers are Latin-1 at most, and a person's name (Łucja, Jiří, 张伟, Γιώργος) is not: a raw
name in the header made the literacy record export fail. RFC 6266 gives the answer browsers
follow: an ASCII ``filename`` for old clients plus ``filename*=UTF-8''...`` with the real name.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# Letters NFKD does not decompose into a base letter plus accents.
_FOLD = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "Th",
        "\u0131": "i",
    }
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# RFC 5987 attr-char, as werkzeug's send_file quotes it.
_ATTR_CHARS = "!#$&+^`|~"


def ascii_filename(filename: str) -> str:
    """``filename`` in plain ASCII: accents dropped, anything else a hyphen, never empty."""
    folded = unicodedata.normalize("NFKD", filename.translate(_FOLD))
    text = folded.encode("ascii", "ignore").decode("ascii")
    stem, dot, extension = _UNSAFE.sub("-", text).rpartition(".")
    if not dot:
        stem, extension = extension, ""
    stem = re.sub(r"-{2,}", "-", stem).strip("-.") or "download"
    return f"{stem}.{extension}" if extension else stem


def attachment(filename: str, *, inline: bool = False) -> str:
    """The ``Content-Disposition`` value for a download named ``filename`` (any Unicode)."""
    kind = "inline" if inline else "attachment"
    if _UNSAFE.sub("", filename) == filename:
        return f'{kind}; filename="{filename}"'
    quoted = quote(filename, safe=_ATTR_CHARS)
    return f"{kind}; filename=\"{ascii_filename(filename)}\"; filename*=UTF-8''{quoted}"
