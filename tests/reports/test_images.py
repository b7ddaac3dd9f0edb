"""The photo pipeline, exercised with real encoder output and hand-made hostile files.

Plain pytest: no Django settings, no database.
"""

import contextlib
import io
import pickle
import struct
import warnings
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile, TiffImagePlugin

from backend.reports.images import (
    ALLOWED_FORMATS,
    ImageRejected,
    ProcessedImage,
    UploadIdentity,
    identify_upload,
    process_image,
)
from tests.support.images import (
    bmp_bytes,
    exif_of,
    gif_bytes,
    has_any_metadata,
    heic_bytes,
    jpeg_bytes,
    noisy_jpeg_bytes,
    png_bomb_bytes,
    png_bytes,
    text_as_jpeg_bytes,
    truncated_jpeg_bytes,
    webp_bytes,
)

MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
THUMBNAIL_SIDE = 320


def inspect(data: bytes, *, max_pixels: int = MAX_PIXELS) -> UploadIdentity:
    return identify_upload(io.BytesIO(data), max_pixels=max_pixels)


def process(data: bytes, *, max_pixels: int = MAX_PIXELS) -> ProcessedImage:
    return process_image(
        io.BytesIO(data), max_pixels=max_pixels, max_side=MAX_SIDE, thumbnail_side=THUMBNAIL_SIDE
    )


def rejection(call: Any, data: bytes, **kwargs: Any) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        call(data, **kwargs)
    return caught.value


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def save(image: Image.Image, image_format: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **params)
    return buffer.getvalue()


def jpeg_with_gps_ifd(gps_tags: dict[int, Any]) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(gps_tags)
    return save(Image.new("RGB", (64, 48), (1, 2, 3)), "JPEG", exif=exif.tobytes())


def rgb_of(pixel: Any) -> tuple[int, int, int]:
    assert isinstance(pixel, tuple)
    return pixel[0], pixel[1], pixel[2]


def rational(numerator: int, denominator: int = 1) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(numerator, denominator)


class FailingStream(io.BytesIO):
    """A seekable upload whose storage fails once reading gets past `fail_at` bytes."""

    def __init__(self, data: bytes, *, fail_at: int) -> None:
        super().__init__(data)
        self.size = len(data)
        self.fail_at = fail_at

    def read(self, size: int | None = -1, /) -> bytes:
        end = self.size if size is None or size < 0 else min(self.size, self.tell() + size)
        if end > self.fail_at:
            raise OSError("simulated I/O error while reading the upload")
        return super().read(size)

    def readinto(self, buffer: Any, /) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# --- identify_upload: accepted files ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "image_format", "mime_type", "width", "height"),
    [
        pytest.param(jpeg_bytes(640, 480), "JPEG", "image/jpeg", 640, 480, id="jpeg"),
        pytest.param(png_bytes(64, 48), "PNG", "image/png", 64, 48, id="png"),
        pytest.param(png_bytes(48, 64, alpha=True), "PNG", "image/png", 48, 64, id="png-alpha"),
        pytest.param(webp_bytes(80, 60), "WEBP", "image/webp", 80, 60, id="webp"),
        pytest.param(heic_bytes(96, 64), "HEIF", "image/heic", 96, 64, id="heic"),
    ],
)
def test_inspect_identifies_allowed_formats(
    data: bytes, image_format: str, mime_type: str, width: int, height: int
) -> None:
    result = inspect(data)

    assert result == UploadIdentity(
        format=image_format, mime_type=mime_type, width=width, height=height, gps=None
    )


def test_inspect_accepts_multi_picture_jpeg_as_jpeg() -> None:
    # Phones write MPO (a JPEG with extra pictures appended); Pillow reports it as "MPO".
    first = Image.new("RGB", (64, 48), (200, 0, 0))
    second = Image.new("RGB", (64, 48), (0, 200, 0))
    data = save(first, "MPO", save_all=True, append_images=[second])

    result = inspect(data)

    assert (result.format, result.mime_type, result.width, result.height) == (
        "MPO",
        "image/jpeg",
        64,
        48,
    )


def test_allowed_formats_map_to_mime_types() -> None:
    assert ALLOWED_FORMATS["JPEG"] == "image/jpeg"
    assert ALLOWED_FORMATS["PNG"] == "image/png"
    assert ALLOWED_FORMATS["WEBP"] == "image/webp"
    assert ALLOWED_FORMATS["HEIF"] == "image/heic"
    assert "GIF" not in ALLOWED_FORMATS
    assert "BMP" not in ALLOWED_FORMATS


def test_inspect_reports_width_and_height_as_stored_before_orientation() -> None:
    result = inspect(jpeg_bytes(640, 480, orientation=6))

    assert (result.width, result.height) == (640, 480)


@pytest.mark.parametrize(
    "position",
    [
        pytest.param((52.3731, 4.8926), id="amsterdam-north-east"),
        pytest.param((-33.8568, 151.2153), id="sydney-south-east"),
        pytest.param((40.6892, -74.0445), id="new-york-north-west"),
        pytest.param((-22.9519, -43.2105), id="rio-south-west"),
    ],
)
def test_inspect_reads_exif_gps_with_hemisphere_signs(position: tuple[float, float]) -> None:
    result = inspect(jpeg_bytes(gps=position, camera=True))

    assert result.gps is not None
    assert result.gps == pytest.approx(position, abs=1e-4)


def test_inspect_without_gps_gives_none() -> None:
    assert inspect(jpeg_bytes(camera=True, orientation=3)).gps is None


@pytest.mark.parametrize(
    "gps_tags",
    [
        pytest.param(
            {2: (rational(52), rational(22), rational(23)), 4: (rational(4), rational(53))},
            id="missing-hemisphere-refs",
        ),
        pytest.param(
            {
                1: "N",
                2: (rational(52, 0), rational(22), rational(23)),
                3: "E",
                4: (rational(4), rational(53), rational(33)),
            },
            id="zero-denominator",
        ),
        pytest.param(
            {
                1: "N",
                2: (rational(123), rational(0), rational(0)),
                3: "E",
                4: (rational(4), rational(53), rational(33)),
            },
            id="latitude-out-of-range",
        ),
        pytest.param(
            {
                1: "X",
                2: (rational(52), rational(22), rational(23)),
                3: "E",
                4: (rational(4), rational(53), rational(33)),
            },
            id="unknown-hemisphere",
        ),
        pytest.param({1: "N", 2: (rational(52), rational(22), rational(23))}, id="no-longitude"),
    ],
)
def test_inspect_ignores_malformed_gps(gps_tags: dict[int, Any]) -> None:
    data = jpeg_with_gps_ifd(gps_tags)
    assert exif_of(data), "the malformed GPS data must really be in the file"

    assert inspect(data).gps is None


def test_inspect_reads_well_formed_gps_written_the_same_way() -> None:
    # Guards the malformed-GPS cases above: the same construction, done right, is read.
    data = jpeg_with_gps_ifd(
        {
            1: "S",
            2: (rational(52), rational(30), rational(0)),
            3: "W",
            4: (rational(4), rational(15), rational(0)),
        }
    )

    assert inspect(data).gps == pytest.approx((-52.5, -4.25))


def test_inspect_identifies_by_content_not_by_file_name(tmp_path: Path) -> None:
    disguised_png = tmp_path / "photo.jpg"
    disguised_png.write_bytes(png_bytes(32, 16))
    disguised_text = tmp_path / "IMG_0001.jpg"
    disguised_text.write_bytes(text_as_jpeg_bytes())

    with disguised_png.open("rb") as fp:
        assert identify_upload(fp, max_pixels=MAX_PIXELS).format == "PNG"
    with disguised_text.open("rb") as fp, pytest.raises(ImageRejected) as caught:
        identify_upload(fp, max_pixels=MAX_PIXELS)
    assert caught.value.code == "not_an_image"


@pytest.mark.parametrize(
    "data",
    [jpeg_bytes(gps=(52.0, 5.0)), heic_bytes(), text_as_jpeg_bytes()],
    ids=["jpeg", "heic", "rejected-text"],
)
def test_inspect_leaves_stream_at_start_and_open(data: bytes) -> None:
    fp = io.BytesIO(data)
    fp.seek(7)

    with contextlib.suppress(ImageRejected):
        identify_upload(fp, max_pixels=MAX_PIXELS)

    assert not fp.closed
    assert fp.tell() == 0
    assert fp.read() == data


# --- identify_upload: rejections -------------------------------------------------------------


def test_text_named_like_a_jpeg_is_not_an_image() -> None:
    error = rejection(inspect, text_as_jpeg_bytes())

    assert error.code == "not_an_image"
    assert error.message == "The file is not a JPEG, PNG, WebP or HEIC image."


def test_empty_file_is_not_an_image() -> None:
    assert rejection(inspect, b"").code == "not_an_image"


def test_truncated_jpeg_is_rejected_as_truncated() -> None:
    data = truncated_jpeg_bytes()
    assert Image.open(io.BytesIO(data)).size == (800, 600), "header must still be intact"

    error = rejection(inspect, data)

    assert error.code == "truncated"
    # Detected from the file's structure (no end of image after the scan), and never by
    # switching Pillow's process-wide tolerance of truncated files.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_complete_version_of_the_truncated_jpeg_is_accepted() -> None:
    # Guards the test above: it is the cut, not the noisy content, that gets rejected.
    result = inspect(noisy_jpeg_bytes(800, 600))

    assert (result.format, result.width, result.height) == ("JPEG", 800, 600)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(save(Image.effect_noise((256, 256), 60).convert("RGB"), "PNG"), id="png"),
        pytest.param(webp_bytes(256, 256), id="webp"),
        pytest.param(heic_bytes(256, 256), id="heic"),
    ],
)
def test_other_truncated_formats_are_rejected_as_truncated(data: bytes) -> None:
    inspect(data)  # the complete file is fine

    assert rejection(inspect, data[: len(data) * 6 // 10]).code == "truncated"


def test_png_bomb_is_tiny() -> None:
    data = png_bomb_bytes()

    assert len(data) < 1024
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (30000, 30000)
    # Well-formed: every chunk's CRC is right and the image data is valid deflate.
    position, kinds = 8, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        payload = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + payload), kind
        if kind == b"IDAT":
            zlib.decompress(payload)
        kinds.append(kind)
        position += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]


def test_png_bomb_is_rejected_before_decoding() -> None:
    error = rejection(inspect, png_bomb_bytes())

    assert error.code == "too_many_pixels"


def test_png_bomb_is_rejected_even_when_our_budget_exceeds_pillows_limit() -> None:
    # Pillow's own DecompressionBombError fires first here; it must still map to our code.
    error = rejection(inspect, png_bomb_bytes(), max_pixels=10**12)

    assert error.code == "too_many_pixels"


def test_image_over_budget_but_under_pillows_limit_is_rejected() -> None:
    # 64 MP: Pillow neither warns nor errors, so only the explicit check stands in the way.
    assert Image.MAX_IMAGE_PIXELS is not None
    assert Image.MAX_IMAGE_PIXELS > 8000 * 8000

    error = rejection(inspect, png_bomb_bytes(8000, 8000))

    assert error.code == "too_many_pixels"


def test_decompression_bomb_warning_raised_as_error_maps_to_too_many_pixels() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        error = rejection(inspect, png_bomb_bytes(10000, 10000), max_pixels=10**12)

    assert error.code == "too_many_pixels"


def test_pixel_budget_is_inclusive() -> None:
    data = jpeg_bytes(640, 480)

    assert inspect(data, max_pixels=640 * 480).width == 640
    assert rejection(inspect, data, max_pixels=640 * 480 - 1).code == "too_many_pixels"


@pytest.mark.parametrize("data", [gif_bytes(), bmp_bytes()], ids=["gif", "bmp"])
def test_other_image_formats_are_unsupported(data: bytes) -> None:
    assert Image.open(io.BytesIO(data)).format in {"GIF", "BMP"}

    error = rejection(inspect, data)

    assert error.code == "unsupported_format"


def test_image_rejected_carries_code_and_message_and_survives_pickling() -> None:
    error = ImageRejected("truncated", "The image is damaged or incomplete.")

    restored = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes

    assert (restored.code, restored.message) == ("truncated", "The image is damaged or incomplete.")
    assert str(restored) == "The image is damaged or incomplete."


# --- a failing upload stream ----------------------------------------------------------------


@pytest.mark.parametrize("fail_at", [0, 10, 20_000], ids=["first-read", "in-header", "in-data"])
@pytest.mark.parametrize("step", ["inspect", "process"])
def test_io_error_while_reading_is_a_rejection(fail_at: int, step: str) -> None:
    data = noisy_jpeg_bytes(400, 300)
    assert len(data) > 2 * 20_000
    stream = FailingStream(data, fail_at=fail_at)

    with pytest.raises(ImageRejected) as caught:
        if step == "inspect":
            identify_upload(stream, max_pixels=MAX_PIXELS)
        else:
            process_image(
                stream, max_pixels=MAX_PIXELS, max_side=MAX_SIDE, thumbnail_side=THUMBNAIL_SIDE
            )

    assert caught.value.code == "truncated"


def test_failing_stream_works_when_nothing_fails() -> None:
    # Guards the test above: the stream itself is a usable upload.
    data = noisy_jpeg_bytes(400, 300)

    assert (
        identify_upload(FailingStream(data, fail_at=len(data)), max_pixels=MAX_PIXELS).width == 400
    )


# --- process_image ----------------------------------------------------------------------------


def test_process_applies_exif_orientation() -> None:
    result = process(jpeg_bytes(640, 480, orientation=6))

    assert (result.width, result.height) == (480, 640)
    assert decoded(result.data).size == (480, 640)
    assert (result.thumbnail_width, result.thumbnail_height) == (240, 320)
    assert decoded(result.thumbnail).size == (240, 320)


def test_process_downscales_to_max_side_and_makes_thumbnail() -> None:
    result = process(jpeg_bytes(4000, 3000))

    assert (result.width, result.height) == (2048, 1536)
    assert decoded(result.data).size == (2048, 1536)
    assert (result.thumbnail_width, result.thumbnail_height) == (320, 240)
    assert decoded(result.thumbnail).size == (320, 240)
    assert result.mime_type == "image/jpeg"


def test_process_never_upscales() -> None:
    result = process(jpeg_bytes(64, 48))

    assert (result.width, result.height) == (64, 48)
    assert (result.thumbnail_width, result.thumbnail_height) == (64, 48)


def test_process_strips_gps_and_camera_metadata() -> None:
    original = jpeg_bytes(640, 480, gps=(52.3731, 4.8926), camera=True, orientation=1)
    original_exif = exif_of(original)
    assert {"GPSLatitude", "Make", "Model", "BodySerialNumber"} <= original_exif.keys()
    assert has_any_metadata(original)

    result = process(original)

    for output in (result.data, result.thumbnail):
        assert not has_any_metadata(output)
        assert exif_of(output) == {}
        assert b"Fairphone" not in output
        assert b"SN-0042-1337" not in output


SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
COMMENT = b"taken behind the town hall"
XMP = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>secret</x:xmpmeta>"


# Separately as well as together: the ICC conversion builds a fresh image, which would hide
# a comment or XMP leaking through when they only travel alongside a profile.
@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"comment": COMMENT}, id="comment"),
        pytest.param({"xmp": XMP}, id="xmp"),
        pytest.param({"icc_profile": SRGB_PROFILE}, id="icc"),
        pytest.param({"icc_profile": SRGB_PROFILE, "comment": COMMENT, "xmp": XMP}, id="all"),
    ],
)
def test_process_strips_icc_xmp_and_comments(params: dict[str, bytes]) -> None:
    original = save(Image.new("RGB", (320, 240), (10, 120, 40)), "JPEG", **params)
    assert params.keys() <= decoded(original).info.keys()
    assert has_any_metadata(original)

    result = process(original)

    for output in (result.data, result.thumbnail):
        assert not has_any_metadata(output)
        assert b"town hall" not in output
        assert b"xmpmeta" not in output


def test_process_flattens_transparency_onto_white() -> None:
    result = process(png_bytes(64, 64, alpha=True))

    output = decoded(result.data)
    assert (output.format, output.mode) == ("JPEG", "RGB")
    assert rgb_of(output.getpixel((8, 32))) == pytest.approx((220, 20, 20), abs=12)
    assert rgb_of(output.getpixel((56, 32))) == pytest.approx((255, 255, 255), abs=6)


def test_process_scales_16_bit_greyscale_instead_of_clipping() -> None:
    data = save(Image.new("I;16", (32, 32), 32768), "PNG")

    pixel = rgb_of(decoded(process(data).data).getpixel((16, 16)))

    assert pixel == pytest.approx((128, 128, 128), abs=3)


def test_process_converts_cmyk_to_rgb() -> None:
    data = save(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "JPEG")

    output = decoded(process(data).data)

    assert output.mode == "RGB"
    red, green, blue = rgb_of(output.getpixel((32, 24)))
    assert red > 200
    assert green < 60
    assert blue < 60


@pytest.mark.parametrize(
    "data",
    [png_bytes(80, 60), webp_bytes(80, 60), heic_bytes(80, 60)],
    ids=["png", "webp", "heic"],
)
def test_process_turns_every_allowed_format_into_jpeg(data: bytes) -> None:
    result = process(data)

    output = decoded(result.data)
    assert (output.format, output.mode, output.size) == ("JPEG", "RGB", (80, 60))
    assert decoded(result.thumbnail).format == "JPEG"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(text_as_jpeg_bytes(), "not_an_image", id="text"),
        pytest.param(truncated_jpeg_bytes(), "truncated", id="truncated"),
        pytest.param(png_bomb_bytes(), "too_many_pixels", id="bomb"),
        pytest.param(gif_bytes(), "unsupported_format", id="gif"),
    ],
)
def test_process_rejects_like_inspect(data: bytes, code: str) -> None:
    assert rejection(process, data).code == code


def test_process_keeps_colours_when_converting_through_the_icc_profile() -> None:
    original = save(
        Image.new("RGB", (64, 48), (10, 120, 40)), "JPEG", icc_profile=SRGB_PROFILE, quality=95
    )

    output = decoded(process(original).data)

    assert "icc_profile" not in output.info
    assert rgb_of(output.getpixel((32, 24))) == pytest.approx((10, 120, 40), abs=6)


def test_has_any_metadata_sees_bytes_after_the_end_of_the_image() -> None:
    # The helper is what the stripping tests rely on, so it has to be able to say yes.
    plain = jpeg_bytes(64, 48)
    assert not has_any_metadata(plain)

    assert has_any_metadata(plain + b"SEFH trailer a phone appended")
    assert has_any_metadata(jpeg_bytes(64, 48, orientation=1))
    assert not has_any_metadata(png_bytes(16, 16))
