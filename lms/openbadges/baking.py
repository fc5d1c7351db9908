"""Baking: an Open Badges assertion embedded in the badge's PNG (Open Badges 2.0 baking spec).

The assertion goes in an ``iTXt`` chunk with the keyword ``openbadges`` (no compression, no
language tag), inserted just before ``IEND``. A PNG holds at most one such chunk: baking an
already baked image replaces it. Every chunk's CRC is checked on the way in and written on the way
out, so a damaged file is refused instead of silently re-baked.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadges"
MAX_CHUNK = 2**31 - 1


class BakingError(ValueError):
    """The bytes are not a well-formed PNG (or hold no badge, when unbaking)."""


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and the CRC-32 of type + data."""
    if len(kind) != 4:
        raise ValueError("a chunk type has four letters")
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def chunks(png: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, data) of every chunk, CRCs checked, ending with IEND; anything else raises."""
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image")
    position = len(PNG_SIGNATURE)
    while True:
        if position + 8 > len(png):
            raise BakingError("truncated PNG: no IEND chunk")
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        end = position + 8 + length
        if length > MAX_CHUNK or end + 4 > len(png):
            raise BakingError("truncated PNG chunk")
        data = png[position + 8 : end]
        (crc,) = struct.unpack(">I", png[end : end + 4])
        if crc != zlib.crc32(kind + data):
            raise BakingError(f"bad CRC in a {kind.decode('latin-1')!r} chunk")
        yield kind, data
        if kind == b"IEND":
            return
        position = end + 4


def itxt(keyword: bytes, text: str) -> bytes:
    """iTXt data: keyword, NUL, compression flag 0, method 0, empty language and translation."""
    return keyword + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")


def _is_badge_chunk(kind: bytes, data: bytes) -> bool:
    return kind in {b"iTXt", b"tEXt"} and data.split(b"\x00", 1)[0] == KEYWORD


def bake(png: bytes, assertion: str) -> bytes:
    """``png`` with ``assertion`` (the assertion JSON or its URL) embedded, replacing any before."""
    parts = [PNG_SIGNATURE]
    seen_header = False
    for kind, data in chunks(png):
        if not seen_header:
            if kind != b"IHDR":
                raise BakingError("a PNG starts with IHDR")
            seen_header = True
        if _is_badge_chunk(kind, data):
            continue
        if kind == b"IEND":
            parts.append(chunk(b"iTXt", itxt(KEYWORD, assertion)))
        parts.append(chunk(kind, data))
    return b"".join(parts)


def unbake(png: bytes) -> str:
    """The text of the ``openbadges`` chunk (iTXt, or a legacy tEXt); raises if there is none."""
    for kind, data in chunks(png):
        if not _is_badge_chunk(kind, data):
            continue
        rest = data[len(KEYWORD) + 1 :]
        if kind == b"tEXt":
            return rest.decode("latin-1")
        if len(rest) < 2:
            raise BakingError("malformed iTXt chunk")
        compressed, method = rest[0], rest[1]
        rest = rest[2:]
        _language, rest = _split_nul(rest)
        _translated, text = _split_nul(rest)
        if compressed:
            if method != 0:
                raise BakingError("unknown iTXt compression method")
            try:
                text = zlib.decompress(text)
            except zlib.error as error:
                raise BakingError("corrupt compressed iTXt text") from error
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BakingError("iTXt text is not UTF-8") from error
    raise BakingError("no openbadges chunk: the image is not baked")


def _split_nul(data: bytes) -> tuple[bytes, bytes]:
    if b"\x00" not in data:
        raise BakingError("malformed iTXt chunk")
    head, tail = data.split(b"\x00", 1)
    return head, tail
