"""Whether an image file is complete, told from its structure without decoding a pixel.

The request may only identify an upload; decoding a photo is the worker's job (a 1 MB PNG can
hold 7000x7000 pixels, 150 MB to inflate). Pillow opens lazily and fails on a cut header, and
its WebP and HEIF openers already refuse a file whose chunks or boxes run past its end. A PNG
or JPEG cut in its image data opens fine, though, and only decoding would find out. These
walks find it from the file's skeleton: the PNG chunk lengths up to IEND, the JPEG segments up
to the first scan and the end-of-image marker after it. Each reads a file at most once, in
bounded pieces, and stops after a fixed number of steps.

Framework-free, like images.py.
"""

import struct
import typing
from dataclasses import dataclass

# Far more than any encoder writes (a 15 MB PNG in libpng's 8 KB IDAT chunks has ~2,000), and
# few enough that a file made of nothing but empty chunks is walked in tens of milliseconds.
MAX_STEPS = 100_000
# A phone's EXIF block is a few KB; a larger one is not worth reading for its position.
_MAX_EXIF_BYTES = 256 * 1024
_BLOCK = 1024 * 1024
_PNG_SIGNATURE_LENGTH = 8
_JPEG_EOI = b"\xff\xd9"
# Markers that stand alone, without a length: TEM, RST0-7, SOI.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8), 0xD8})


@dataclass(frozen=True)
class PngStructure:
    complete: bool
    # The eXIf chunk, wherever it is: Pillow only reads one after the image data by decoding.
    exif: bytes | None


def png_structure(fp: typing.BinaryIO) -> PngStructure:
    """Walk the chunks by their declared lengths; complete when IEND comes before the end.

    Raises OSError when the stream fails.
    """
    fp.seek(_PNG_SIGNATURE_LENGTH)
    exif: bytes | None = None
    for _ in range(MAX_STEPS):
        head = fp.read(8)
        if len(head) < 8:
            break
        length, kind = struct.unpack(">I4s", head)
        if kind == b"IEND":
            return PngStructure(complete=True, exif=exif)
        if kind == b"eXIf" and exif is None and length <= _MAX_EXIF_BYTES:
            exif = fp.read(length)
            if len(exif) < length:
                break
            fp.seek(4, 1)  # its CRC
        else:
            # Seeking past the end is allowed; the next read then comes back short.
            fp.seek(length + 4, 1)
    return PngStructure(complete=False, exif=exif)


def jpeg_complete(fp: typing.BinaryIO) -> bool:
    """Whether an end-of-image marker follows the first scan's entropy-coded data.

    Inside entropy-coded data a 0xFF byte is always followed by 0x00 or a restart marker, so
    the first FF D9 after the scan's header is the picture's end. (A Multi-Picture file's
    further pictures come after it and are never shown.) Raises OSError when the stream fails.
    """
    scan = _jpeg_first_scan(fp)
    if scan is None:
        return False
    fp.seek(scan)
    carry = b""
    while block := fp.read(_BLOCK):
        if _JPEG_EOI in carry + block:
            return True
        carry = block[-1:]
    return False


def _jpeg_first_scan(fp: typing.BinaryIO) -> int | None:
    """Offset of the first scan's data, walking the segments after SOI by their lengths, and
    as leniently as Pillow and libjpeg: stray bytes between segments and fill bytes skipped."""
    fp.seek(2)
    for _ in range(MAX_STEPS):
        byte = fp.read(1)
        if not byte:
            return None
        if byte != b"\xff":
            continue
        code = fp.read(1)
        while code == b"\xff":
            code = fp.read(1)
        if not code:
            return None
        marker = code[0]
        if marker == 0x00 or marker in _JPEG_STANDALONE:
            continue
        if marker == 0xD9:  # the end, before any scan
            return None
        size = fp.read(2)
        if len(size) < 2 or int.from_bytes(size, "big") < 2:
            return None
        fp.seek(int.from_bytes(size, "big") - 2, 1)
        if marker == 0xDA:  # start of scan: its header is skipped, its data starts here
            return fp.tell()
    return None
