"""Photos attached to reports: recognise, check and clean them.

Two steps with different budgets. `identify_upload` runs inside the HTTP request, so it only
identifies a file (format, dimensions, a complete container, the EXIF position) from its
headers and structure, without decoding a pixel: refusing what is clearly not an acceptable
photo while the client is still there to hear about it, at a cost that does not grow with the
pixels a file declares. `process_image` runs in the worker, decodes, and produces the picture
we actually publish: upright, sRGB, bounded in size and stripped of every byte of metadata
(residents' photos carry GPS positions, serial numbers and timestamps that must never leak to
the public site). A file whose pixels turn out to be damaged fails there.

Framework-free on purpose, so both steps are testable and reusable without Django.
"""

import contextlib
import io
import math
import struct
import typing
from collections.abc import Iterator
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .image_structure import jpeg_complete, png_structure

# Registered at import so every Image.open in the process understands iPhone photos, not just
# the ones that happen to run after some other module registered the plugin.
pillow_heif.register_heif_opener()


class ImageRejected(Exception):
    """Raised for an upload that is not an acceptable photo."""

    def __init__(self, code: str, message: str) -> None:
        # Both values go into args so the exception survives pickling and Celery's
        # exception serialisation, which rebuild it as cls(*args).
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


ALLOWED_FORMATS: dict[str, str] = {
    "JPEG": "image/jpeg",
    # Pillow names a JPEG that carries extra pictures (Multi-Picture Format: depth maps, burst
    # or stereo shots written by many phones) "MPO". It is still an ordinary JPEG photo.
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    # pillow_heif registers HEIC and HEIF files under the single format name "HEIF"; "HEIC"
    # is listed in case a plugin version reports the more specific name.
    "HEIF": "image/heic",
    "HEIC": "image/heic",
}

_ACCEPTED_LIST = "JPEG, PNG, WebP or HEIC"
_JPEG_FORMATS = frozenset({"JPEG", "MPO"})
_HEIF_MIME_TYPES = {
    "image/heic": "image/heic",
    "image/heic-sequence": "image/heic",
    "image/heif": "image/heif",
    "image/heif-sequence": "image/heif",
}
# The same brands pillow_heif's opener accepts.
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)

# What Pillow and its plugins raise on hostile or damaged input. MemoryError is deliberately
# absent: running out of memory is a problem of the server, not a verdict on the file.
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    RuntimeError,
    ZeroDivisionError,
    struct.error,
)

_GPS_IFD = 0x8825
_GPS_LATITUDE_REF = 1
_GPS_LATITUDE = 2
_GPS_LONGITUDE_REF = 3
_GPS_LONGITUDE = 4

_JPEG_QUALITY = 85
_WHITE = (255, 255, 255)


@dataclass(frozen=True)
class UploadIdentity:
    format: str
    mime_type: str
    width: int
    height: int
    gps: tuple[float, float] | None


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    width: int
    height: int
    thumbnail: bytes
    thumbnail_width: int
    thumbnail_height: int
    mime_type: str = "image/jpeg"


def identify_upload(fp: typing.BinaryIO, *, max_pixels: int) -> UploadIdentity:
    """Identify and check an upload without decoding its pixels, so that its cost inside the
    request is bounded by its size in bytes, never by the pixels it declares.

    `fp` must be seekable; it is left at position 0. Raises ImageRejected.
    """
    try:
        with _open_checked(fp, max_pixels=max_pixels) as im:
            image_format = typing.cast(str, im.format)
            width, height = im.size
            mime_type = _mime_type(im, image_format)
            png_exif = _check_complete(fp, image_format)
            gps = _read_gps(_exif_of(im, png_exif))
    finally:
        fp.seek(0)
    return UploadIdentity(
        format=image_format, mime_type=mime_type, width=width, height=height, gps=gps
    )


def _check_complete(fp: typing.BinaryIO, image_format: str) -> bytes | None:
    """Refuse a PNG or JPEG cut short (WebP and HEIF openers refuse those themselves); give
    a PNG's eXIf chunk, which may sit after the image data."""
    try:
        if image_format == "PNG":
            structure = png_structure(fp)
            if not structure.complete:
                raise _truncated()
            return structure.exif
        if image_format in _JPEG_FORMATS and not jpeg_complete(fp):
            raise _truncated()
    except OSError as exc:
        raise _truncated() from exc
    return None


def _exif_of(im: Image.Image, png_exif: bytes | None) -> Image.Exif:
    """The EXIF as far as it is readable; unreadable EXIF only costs us the position."""
    with contextlib.suppress(*_DECODE_ERRORS):
        if im.format != "PNG":
            return im.getexif()  # from the headers Image.open parsed
        # PngImageFile.getexif() decodes the whole image to reach an eXIf chunk after the
        # pixel data; the structure walk has found that chunk already.
        exif = Image.Exif()
        raw = im.info.get("exif") or png_exif
        if raw:
            exif.load(raw)
        return exif
    return Image.Exif()


def process_image(
    fp: typing.BinaryIO, *, max_pixels: int, max_side: int, thumbnail_side: int
) -> ProcessedImage:
    """Decode, orient, normalise to sRGB, downscale and re-encode without any metadata.

    `fp` must be seekable; it is left at position 0. Raises ImageRejected.
    """
    try:
        with _open_checked(fp, max_pixels=max_pixels) as im:
            if im.format in _JPEG_FORMATS:
                _draft_jpeg_for(im, max_side)
            _load(im, max_pixels=max_pixels)
            _exif_transpose(im)
    finally:
        fp.seek(0)

    # Loaded, so nothing below reads from fp. The decoded picture is oriented in place and
    # not copied unless its mode has to change: a 49 MP PNG took 659 MB with two copies more.
    picture, icc_profile = _to_rgb(im)
    picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if icc_profile:
        # Converted after downscaling: the result is indistinguishable and far cheaper.
        picture = _icc_to_srgb(picture, icc_profile) or picture
    thumbnail = picture.copy()
    thumbnail.thumbnail((thumbnail_side, thumbnail_side), Image.Resampling.LANCZOS)

    return ProcessedImage(
        data=_encode_jpeg(picture),
        width=picture.width,
        height=picture.height,
        thumbnail=_encode_jpeg(thumbnail),
        thumbnail_width=thumbnail.width,
        thumbnail_height=thumbnail.height,
    )


@contextlib.contextmanager
def _open_checked(fp: typing.BinaryIO, *, max_pixels: int) -> Iterator[ImageFile.ImageFile]:
    """Open (headers only) as one of the allowed formats, with the pixel budget enforced."""
    fp.seek(0)
    try:
        im = Image.open(fp, formats=_open_formats())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The warning only arrives here as an exception when warnings are turned into errors.
        raise _too_many_pixels(max_pixels) from exc
    except UnidentifiedImageError as exc:
        raise _classify_unidentified(fp) from exc
    except _DECODE_ERRORS as exc:
        # A plugin recognised the signature and then choked on the header (or the stream
        # itself failed to deliver the bytes).
        raise _truncated() from exc

    # The image's context manager, not im.close(): close() would also close the caller's fp.
    with im:
        if im.format not in ALLOWED_FORMATS:
            raise _unsupported_format()
        width, height = im.size
        # Explicit rather than relying on Pillow's MAX_IMAGE_PIXELS: that is a process-wide
        # setting, only warns between 1x and 2x its limit, and knows nothing about our budget.
        if width * height > max_pixels:
            raise _too_many_pixels(max_pixels)
        yield im


def _open_formats() -> tuple[str, ...]:
    # Restricting Image.open keeps the parsers of exotic formats away from anything we will
    # decode. Names the running Pillow does not know are dropped: Image.open raises KeyError
    # for an unregistered format instead of skipping it.
    Image.init()
    return tuple(name for name in ALLOWED_FORMATS if name in Image.OPEN)


def _classify_unidentified(fp: typing.BinaryIO) -> ImageRejected:
    """Tell a damaged allowed image from another image format from something else entirely."""
    try:
        fp.seek(0)
        head = fp.read(16)
    except OSError:
        return _truncated()
    if _has_allowed_signature(head):
        return _truncated()
    # Only the headers are parsed here, to name the problem; nothing of this file is decoded.
    try:
        fp.seek(0)
        with Image.open(fp):
            return _unsupported_format()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _unsupported_format()
    except _DECODE_ERRORS:
        return _not_an_image()


def _has_allowed_signature(head: bytes) -> bool:
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS)
    )


def _load(im: ImageFile.ImageFile, *, max_pixels: int) -> None:
    # Never via ImageFile.LOAD_TRUNCATED_IMAGES: that is global and would silently accept
    # half-grey pictures everywhere else in the process too.
    try:
        im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(max_pixels) from exc
    except _DECODE_ERRORS as exc:
        raise _truncated() from exc


def _mime_type(im: ImageFile.ImageFile, image_format: str) -> str:
    if image_format in {"HEIF", "HEIC"}:
        # pillow_heif derives this from the file's brand (heic vs the generic mif1).
        detected = getattr(im, "custom_mimetype", None) or ""
        return _HEIF_MIME_TYPES.get(detected, ALLOWED_FORMATS[image_format])
    return ALLOWED_FORMATS[image_format]


def _draft_jpeg_for(im: ImageFile.ImageFile, max_side: int) -> None:
    width, height = im.size
    scale = max_side / max(width, height)
    if scale >= 1:
        return
    # Keep at least twice the target size (Pillow's own thumbnail() reducing_gap) so the
    # final LANCZOS pass still has real detail to work with.
    target = (max(1, math.ceil(width * scale * 2)), max(1, math.ceil(height * scale * 2)))
    im.draft(None, target)


def _exif_transpose(im: Image.Image) -> None:
    # Unreadable EXIF only costs us the orientation, not the photo.
    with contextlib.suppress(*_DECODE_ERRORS):
        ImageOps.exif_transpose(im, in_place=True)


def _to_rgb(im: Image.Image) -> tuple[Image.Image, bytes | None]:
    """Return an RGB image and the ICC profile its pixels are still expressed in, if any."""
    icc_profile = im.info.get("icc_profile") or None
    if im.mode == "CMYK":
        # CMYK only looks right through its profile, so that conversion cannot wait.
        converted = _icc_to_srgb(im, icc_profile) if icc_profile else None
        return (converted or im.convert("RGB")), None
    if im.mode in {"I", "I;16", "I;16L", "I;16B", "I;16N"}:
        # 16-bit greyscale PNG: a plain convert() clips instead of scaling, turning it white.
        return im.convert("I").point(lambda value: value * (1 / 256)).convert("RGB"), None
    if im.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or "transparency" in im.info:
        rgba = im if im.mode == "RGBA" else im.convert("RGBA")
        flattened = Image.new("RGB", rgba.size, _WHITE)
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        return flattened, icc_profile
    # convert() copies even an RGB picture: tens of megapixels (three bytes each) for nothing.
    return (im if im.mode == "RGB" else im.convert("RGB")), icc_profile


def _icc_to_srgb(im: Image.Image, icc_profile: bytes) -> Image.Image | None:
    # Output carries no profile, and untagged images are shown as sRGB. Dropping e.g. an
    # iPhone's Display P3 profile without converting would wash the colours out.
    try:
        from PIL import ImageCms
    except ImportError:  # Pillow built without LittleCMS
        return None
    profile_errors: tuple[type[BaseException], ...] = (ImageCms.PyCMSError, *_DECODE_ERRORS)
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        converted = ImageCms.profileToProfile(im, source, srgb, outputMode="RGB")
    except profile_errors:
        # A broken or mismatched profile (e.g. a grey profile on an RGB image) is ignored.
        return None
    return converted


def _encode_jpeg(im: Image.Image) -> bytes:
    # Pillow's JPEG encoder copies some entries of im.info by default (e.g. the COM comment),
    # so the info dict is emptied and nothing but pixels reaches the file.
    im.info = {}
    buffer = io.BytesIO()
    im.save(buffer, format="JPEG", quality=_JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _read_gps(exif: Image.Exif) -> tuple[float, float] | None:
    try:
        gps_ifd = exif.get_ifd(_GPS_IFD)
    except _DECODE_ERRORS:
        return None
    try:
        latitude = _gps_coordinate(
            gps_ifd.get(_GPS_LATITUDE), gps_ifd.get(_GPS_LATITUDE_REF), "N", "S", 90
        )
        longitude = _gps_coordinate(
            gps_ifd.get(_GPS_LONGITUDE), gps_ifd.get(_GPS_LONGITUDE_REF), "E", "W", 180
        )
    except _DECODE_ERRORS:
        return None
    if latitude is None or longitude is None:
        return None
    # Cameras without a fix write 0/0 ("null island"): no position, not a position.
    if latitude == 0 and longitude == 0:
        return None
    return latitude, longitude


def _gps_coordinate(
    value: object, ref: object, positive: str, negative: str, limit: float
) -> float | None:
    """EXIF degrees[/minutes[/seconds]] rationals plus a hemisphere letter -> signed degrees."""
    if value is None or ref is None:
        # Without the hemisphere the sign is a guess, and a wrong guess moves the report to
        # another continent; no position is better than that.
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", errors="replace")
    if not isinstance(ref, str):
        return None
    hemisphere = ref.strip("\x00 ").upper()[:1]
    if hemisphere not in {positive, negative}:
        return None

    parts_raw = value if isinstance(value, tuple | list) else (value,)
    if not 1 <= len(parts_raw) <= 3:
        return None
    parts = [float(typing.cast(typing.SupportsFloat, part)) for part in parts_raw]
    # A zero denominator comes out of Pillow as NaN.
    if any(not math.isfinite(part) or part < 0 for part in parts):
        return None
    degrees = sum(part / 60**index for index, part in enumerate(parts))
    if degrees > limit:
        return None
    return -degrees if hemisphere == negative else degrees


def _not_an_image() -> ImageRejected:
    return ImageRejected("not_an_image", f"The file is not a {_ACCEPTED_LIST} image.")


def _unsupported_format() -> ImageRejected:
    return ImageRejected(
        "unsupported_format",
        f"This image format is not supported; please send a {_ACCEPTED_LIST} photo.",
    )


def _truncated() -> ImageRejected:
    return ImageRejected("truncated", "The image is damaged or incomplete.")


def _too_many_pixels(max_pixels: int) -> ImageRejected:
    return ImageRejected(
        "too_many_pixels",
        f"The image has too many pixels; the limit is {max_pixels:,} pixels.",
    )
