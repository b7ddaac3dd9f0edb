"""Builders for image uploads, real and hostile, plus helpers to look inside the results.

Every builder returns bytes so tests can wrap them in whatever file object they need.
"""

import contextlib
import io
import random
import struct
import zlib
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

import pillow_heif
import pytest
from PIL import (
    ExifTags,
    Image,
    ImageFile,
    JpegImagePlugin,
    MpoImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

pillow_heif.register_heif_opener()

_GPS_IFD = ExifTags.IFD.GPSInfo
_EXIF_IFD = ExifTags.IFD.Exif


def jpeg_bytes(
    width: int = 640,
    height: int = 480,
    *,
    gps: tuple[float, float] | None = None,
    orientation: int | None = None,
    camera: bool = False,
    color: tuple[int, int, int] = (200, 30, 30),
) -> bytes:
    """A real JPEG, optionally carrying the EXIF a phone camera would write."""
    image = Image.new("RGB", (width, height), color)
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if camera:
        exif[ExifTags.Base.Make] = "Fairphone"
        exif[ExifTags.Base.Model] = "FP5"
        exif_ifd = exif.get_ifd(_EXIF_IFD)
        exif_ifd[ExifTags.Base.DateTimeOriginal] = "2025:05:17 14:03:59"
        exif_ifd[ExifTags.Base.BodySerialNumber] = "SN-0042-1337"
    if gps is not None:
        latitude, longitude = gps
        gps_ifd = exif.get_ifd(_GPS_IFD)
        gps_ifd[ExifTags.GPS.GPSVersionID] = b"\x02\x03\x00\x00"
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N" if latitude >= 0 else "S"
        gps_ifd[ExifTags.GPS.GPSLatitude] = _dms(latitude)
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E" if longitude >= 0 else "W"
        gps_ifd[ExifTags.GPS.GPSLongitude] = _dms(longitude)
    # len(exif) ignores the sub-IFDs, so decide on the arguments: no APP1 segment at all
    # unless some EXIF was asked for.
    wants_exif = orientation is not None or camera or gps is not None
    return _save(image, "JPEG", exif=exif.tobytes() if wants_exif else b"")


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    """Decimal degrees -> (degrees, minutes, seconds) rationals, as cameras write them."""
    value = abs(value)
    degrees = int(value)
    minutes_float = (value - degrees) * 60
    minutes = int(minutes_float)
    seconds = Fraction(round((minutes_float - minutes) * 60 * 10_000), 10_000)
    return (
        TiffImagePlugin.IFDRational(degrees, 1),
        TiffImagePlugin.IFDRational(minutes, 1),
        TiffImagePlugin.IFDRational(seconds.numerator, seconds.denominator),
    )


def png_bytes(width: int = 64, height: int = 64, *, alpha: bool = False) -> bytes:
    """A PNG; with alpha=True the left half is opaque red and the right half fully
    transparent black, so flattening onto white is distinguishable from dropping alpha."""
    if not alpha:
        return _save(Image.new("RGB", (width, height), (30, 120, 200)), "PNG")
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste((220, 20, 20, 255), (0, 0, width // 2, height))
    return _save(image, "PNG")


def webp_bytes(width: int = 64, height: int = 64) -> bytes:
    return _save(Image.new("RGB", (width, height), (30, 200, 90)), "WEBP", quality=80)


def heic_bytes(width: int = 64, height: int = 64) -> bytes:
    return _save(Image.new("RGB", (width, height), (200, 200, 40)), "HEIF", quality=80)


def gif_bytes(width: int = 64, height: int = 64) -> bytes:
    return _save(Image.new("RGB", (width, height), (10, 10, 200)), "GIF")


def bmp_bytes(width: int = 64, height: int = 64) -> bytes:
    return _save(Image.new("RGB", (width, height), (10, 200, 10)), "BMP")


def noisy_jpeg_bytes(width: int = 800, height: int = 600, *, seed: int = 1) -> bytes:
    """A JPEG of random pixels: realistic entropy-coded data volume for its size."""
    pixels = random.Random(seed).randbytes(width * height * 3)
    return _save(Image.frombytes("RGB", (width, height), pixels), "JPEG", quality=90)


def truncated_jpeg_bytes() -> bytes:
    """A real JPEG cut off at about 60% of its length, in the middle of the entropy data."""
    data = noisy_jpeg_bytes(800, 600)
    return data[: len(data) * 6 // 10]


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_bomb_bytes(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny, well-formed PNG whose header declares an enormous image.

    Built by hand: asking Pillow to make it would allocate the very memory it is meant to
    protect against.
    """
    # 8-bit greyscale, deflate, adaptive filtering, no interlace.
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    # One filter byte plus a few pixels of the first row: small but valid deflate data.
    idat = zlib.compress(b"\x00" * 64, 9)
    return (
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def large_png_bytes(
    width: int, height: int, *, noisy_rows: int = 0, exif_after_pixels: bytes | None = None
) -> bytes:
    """A complete, valid RGB PNG of any size, small on disk: black rows (each repeating the one
    above, which deflate shrinks ~1000:1) and `noisy_rows` rows of random pixels. Written row by
    row, so making a 49 MP picture costs no 147 MB here; decoding it still does.
    `exif_after_pixels` puts an eXIf chunk after the image data, as some tools write it."""
    rng = random.Random(width * height + noisy_rows)
    noisy = set(rng.sample(range(height), min(noisy_rows, height)))
    compressor = zlib.compressobj(6)
    repeat = b"\x02" + bytes(width * 3)  # filter "Up", all differences zero
    deflated = [
        compressor.compress(b"\x00" + rng.randbytes(width * 3) if row in noisy else repeat)
        for row in range(height)
    ]
    data = b"".join(deflated) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = [_png_chunk(b"IHDR", header)]
    chunks += [_png_chunk(b"IDAT", data[i : i + 65536]) for i in range(0, len(data), 65536)]
    if exif_after_pixels is not None:
        # The chunk holds the TIFF structure alone, without JPEG's "Exif\0\0" prefix.
        chunks.append(_png_chunk(b"eXIf", exif_after_pixels.removeprefix(b"Exif\x00\x00")))
    return _PNG_SIGNATURE + b"".join(chunks) + _png_chunk(b"IEND", b"")


def png_with_corrupt_pixels_bytes(width: int = 640, height: int = 480) -> bytes:
    """A PNG whose every chunk is intact (header, CRCs, IEND) but whose image data is not
    deflate at all: only decoding can tell."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    garbage = random.Random(7).randbytes(4096)
    return (
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", garbage)
        + _png_chunk(b"IEND", b"")
    )


def gps_exif_bytes(latitude: float, longitude: float) -> bytes:
    """A bare EXIF block (TIFF header and IFDs) holding a GPS position."""
    exif = Image.Exif()
    gps_ifd = exif.get_ifd(_GPS_IFD)
    gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N" if latitude >= 0 else "S"
    gps_ifd[ExifTags.GPS.GPSLatitude] = _dms(latitude)
    gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E" if longitude >= 0 else "W"
    gps_ifd[ExifTags.GPS.GPSLongitude] = _dms(longitude)
    return exif.tobytes()


def text_as_jpeg_bytes() -> bytes:
    """What a resident's upload named photo.jpg might really contain."""
    return b"this is not a photo\n" * 10


def exif_of(data: bytes) -> dict[str, Any]:
    """The EXIF tags of an image by name, the Exif and GPS sub-IFDs merged into the result
    (GPS tags by their GPS names). Empty when the image has no EXIF."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        tags: dict[str, Any] = {}
        for tag, value in exif.items():
            if tag in (_EXIF_IFD, _GPS_IFD):
                continue
            tags[ExifTags.TAGS.get(tag, str(tag))] = value
        for tag, value in exif.get_ifd(_EXIF_IFD).items():
            tags[ExifTags.TAGS.get(tag, str(tag))] = value
        for tag, value in exif.get_ifd(_GPS_IFD).items():
            tags[ExifTags.GPSTAGS.get(tag, f"GPS{tag}")] = value
        return tags


_METADATA_INFO_KEYS = (
    "exif",
    "xmp",
    "XML:com.adobe.xmp",
    "icc_profile",
    "comment",
    "photoshop",
    "adobe",
    "Raw profile type exif",
)


def has_any_metadata(data: bytes) -> bool:
    """True if the image carries EXIF, XMP, an ICC profile, a comment, or (for JPEG) any
    segment beyond the bare JFIF header and the image data, including bytes after EOI."""
    if data.startswith(b"\xff\xd8") and _jpeg_has_extra_segments(data):
        return True
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if any(image.info.get(key) for key in _METADATA_INFO_KEYS):
            return True
        return len(image.getexif()) > 0


def _jpeg_has_extra_segments(data: bytes) -> bool:
    """Walk the JPEG marker structure, scans included, and report anything but pixels."""
    position = 2
    length = len(data)
    while position < length:
        if data[position] != 0xFF:
            raise ValueError(f"JPEG marker expected at offset {position}")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # EOI: anything after it is a smuggled trailer
            return position + 2 != length
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 2
            continue
        (segment_length,) = struct.unpack(">H", data[position + 2 : position + 4])
        payload = data[position + 4 : position + 2 + segment_length]
        if marker == 0xFE:  # COM
            return True
        if 0xE0 <= marker <= 0xEF and not (marker == 0xE0 and payload.startswith(b"JFIF\x00")):
            return True
        position += 2 + segment_length
        if marker == 0xDA:  # SOS: skip entropy-coded data up to the next real marker
            while position < length - 1:
                if data[position] == 0xFF and data[position + 1] not in (0x00, *range(0xD0, 0xD8)):
                    break
                position += 1
    # Ran off the end without EOI: not something our encoder produces.
    raise ValueError("JPEG without EOI marker")


def _save(image: Image.Image, image_format: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **params)
    return buffer.getvalue()


@contextlib.contextmanager
def decoding_forbidden() -> Iterator[list[str]]:
    """Within: every way the allowed formats' pixels get decoded (Pillow's decoders, the load of
    each opener class, WebP's and HEIF's own) fails with an AssertionError, and is listed in the
    list yielded, in case something between here and the caller swallows the error."""
    attempts: list[str] = []

    def refuse(name: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempts.append(name)
            raise AssertionError(f"{name}: pixels decoded where only identification may run")

        return refused

    Image.init()
    openers = [
        JpegImagePlugin.JpegImageFile,
        MpoImagePlugin.MpoImageFile,
        PngImagePlugin.PngImageFile,
        WebPImagePlugin.WebPImageFile,
        Image.OPEN["HEIF"][0],  # pillow_heif's
    ]
    loaders = {
        klass
        for opener in openers
        for klass in getattr(opener, "__mro__", ())
        if "load" in vars(klass) and issubclass(klass, ImageFile.ImageFile)
    }
    assert ImageFile.ImageFile in loaders and len(loaders) >= 3, loaders
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Image, "_getdecoder", refuse("Image._getdecoder"))
        for klass in loaders:
            patch.setattr(klass, "load", refuse(f"{klass.__name__}.load"))
        yield attempts
