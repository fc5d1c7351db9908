"""Baking (Open Badges 2.0 baking spec): the assertion in an ``openbadges`` iTXt chunk before IEND,
every CRC right, at most one such chunk, and damaged files refused."""

from __future__ import annotations

import json
import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.openbadges.baking import PNG_SIGNATURE, BakingError, bake, chunks, unbake
from tests.recognition_helpers import tiny_png

ASSERTION = json.dumps({"id": "https://lms.example/ob/v2/assertions/abc", "type": "Assertion"})


def raw_chunks(png: bytes) -> list[tuple[bytes, bytes, int]]:
    """(type, data, stored CRC) read independently of the code under test."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, found = 8, []
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        found.append((kind, data, crc))
        position += 12 + length
    assert position == len(png)
    return found


def test_baked_png_has_one_itxt_openbadges_chunk_before_iend_with_correct_crcs() -> None:
    baked = bake(tiny_png(), ASSERTION)
    found = raw_chunks(baked)
    kinds = [kind for kind, _data, _crc in found]
    assert kinds == [b"IHDR", b"IDAT", b"iTXt", b"IEND"]
    for kind, data, crc in found:
        assert crc == zlib.crc32(kind + data), kind
    _kind, data, _crc = found[2]
    # keyword, NUL, compression flag 0, method 0, empty language tag, NUL, empty translation, NUL
    assert data == b"openbadges\x00\x00\x00\x00\x00" + ASSERTION.encode()
    assert unbake(baked) == ASSERTION


def test_the_image_data_is_untouched() -> None:
    original = tiny_png()
    baked = bake(original, ASSERTION)
    before = [(k, d) for k, d, _ in raw_chunks(original)]
    after = [(k, d) for k, d, _ in raw_chunks(baked) if k != b"iTXt"]
    assert before == after


def test_baking_again_replaces_the_assertion() -> None:
    once = bake(tiny_png(), "first")
    twice = bake(once, "second")
    assert [k for k, _d, _c in raw_chunks(twice)].count(b"iTXt") == 1
    assert unbake(twice) == "second"


def test_unbake_reads_a_compressed_itxt_and_a_legacy_text_chunk() -> None:
    png = tiny_png()
    end = png.rindex(b"IEND") - 4
    compressed = b"openbadges\x00\x01\x00en\x00\x00" + zlib.compress(b"https://x.example/a")
    chunk = struct.pack(">I", len(compressed)) + b"iTXt" + compressed
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + compressed))
    assert unbake(png[:end] + chunk + png[end:]) == "https://x.example/a"
    legacy = b"openbadges\x00https://x.example/b"
    chunk = struct.pack(">I", len(legacy)) + b"tEXt" + legacy
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + legacy))
    assert unbake(png[:end] + chunk + png[end:]) == "https://x.example/b"


@pytest.mark.parametrize(
    "damage",
    [
        lambda png: b"GIF89a" + png[6:],
        lambda png: png[:-6],
        lambda png: png[:20] + bytes([png[20] ^ 0xFF]) + png[21:],  # IHDR data: CRC mismatch
        lambda png: PNG_SIGNATURE,
    ],
    ids=["not-png", "truncated", "bad-crc", "no-chunks"],
)
def test_damaged_images_are_refused(damage: object) -> None:
    png = damage(tiny_png())  # type: ignore[operator]
    with pytest.raises(BakingError):
        bake(png, ASSERTION)


def test_unbaking_an_image_without_a_badge_fails() -> None:
    with pytest.raises(BakingError, match="not baked"):
        unbake(tiny_png())


@given(st.text(max_size=2000))
def test_any_text_round_trips(text: str) -> None:
    baked = bake(tiny_png(), text)
    assert unbake(baked) == text
    assert list(chunks(baked))[-1][0] == b"IEND"
