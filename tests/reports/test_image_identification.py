"""Issue #14, finding 6: inside the request an upload is only identified (format, dimensions, a
complete file, the EXIF position), never decoded; what only decoding can find fails in the
worker. Plain pytest: no Django settings, no database.
"""

import io
import struct
import zlib

import pytest
from PIL import Image

from backend.reports.image_structure import MAX_STEPS
from backend.reports.images import ImageRejected, UploadIdentity, identify_upload, process_image
from tests.support.images import (
    decoding_forbidden,
    gps_exif_bytes,
    heic_bytes,
    jpeg_bytes,
    large_png_bytes,
    noisy_jpeg_bytes,
    png_bomb_bytes,
    png_bytes,
    png_with_corrupt_pixels_bytes,
    text_as_jpeg_bytes,
    truncated_jpeg_bytes,
    webp_bytes,
)

MAX_PIXELS = 64_000_000
# 7000x7000 (49 MP): what the attacker sent, ~150 MB of pixels behind a small file.
LARGE = 7000


def identify(data: bytes, *, max_pixels: int = MAX_PIXELS) -> UploadIdentity:
    return identify_upload(io.BytesIO(data), max_pixels=max_pixels)


def rejected(data: bytes, *, max_pixels: int = MAX_PIXELS) -> str:
    with pytest.raises(ImageRejected) as caught:
        identify(data, max_pixels=max_pixels)
    return caught.value.code


def mpo_bytes() -> bytes:
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (64, 48), "red"), Image.new("RGB", (64, 48), "green")
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    return buffer.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def with_chunks_before_iend(png: bytes, count: int) -> bytes:
    """The PNG with `count` empty ancillary chunks inserted just before IEND."""
    assert png.endswith(png_chunk(b"IEND", b""))
    return png[:-12] + png_chunk(b"zzZz", b"") * count + png[-12:]


@pytest.fixture(scope="module")
def large_png() -> bytes:
    return large_png_bytes(LARGE, LARGE, noisy_rows=8)


# --- identified without decoding ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "image_format", "size"),
    [
        pytest.param(jpeg_bytes(640, 480), "JPEG", (640, 480), id="jpeg"),
        pytest.param(noisy_jpeg_bytes(800, 600), "JPEG", (800, 600), id="jpeg-noisy"),
        pytest.param(mpo_bytes(), "MPO", (64, 48), id="mpo"),
        pytest.param(png_bytes(64, 48, alpha=True), "PNG", (64, 48), id="png"),
        pytest.param(webp_bytes(80, 60), "WEBP", (80, 60), id="webp"),
        pytest.param(heic_bytes(96, 64), "HEIF", (96, 64), id="heic"),
    ],
)
def test_every_allowed_format_is_identified_without_decoding(
    data: bytes, image_format: str, size: tuple[int, int]
) -> None:
    with decoding_forbidden() as decoded:
        identity = identify(data)

    assert (identity.format, (identity.width, identity.height)) == (image_format, size)
    assert decoded == []


def test_a_large_png_is_identified_from_its_header_and_structure(large_png: bytes) -> None:
    assert len(large_png) < 2_000_000  # small on the wire, 147 MB of pixels when decoded

    with decoding_forbidden() as decoded:
        identity = identify(large_png)

    assert (identity.format, identity.width, identity.height) == ("PNG", LARGE, LARGE)
    assert decoded == []


def test_the_exif_position_is_read_without_decoding() -> None:
    with decoding_forbidden() as decoded:
        gps = identify(jpeg_bytes(gps=(52.3731, 4.8926), camera=True)).gps

    assert gps == pytest.approx((52.3731, 4.8926), abs=1e-4)
    assert decoded == []


def test_a_png_exif_chunk_after_the_pixel_data_is_found_without_decoding() -> None:
    # Pillow itself only reaches such a chunk by decoding the whole image first.
    data = large_png_bytes(64, 48, exif_after_pixels=gps_exif_bytes(51.4416, 5.4697))
    assert "exif" not in Image.open(io.BytesIO(data)).info

    with decoding_forbidden() as decoded:
        gps = identify(data).gps

    assert gps == pytest.approx((51.4416, 5.4697), abs=1e-4)
    assert decoded == []


# --- refused within the budget --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(png_bomb_bytes(), "too_many_pixels", id="bomb-30000x30000"),
        pytest.param(png_bomb_bytes(8001, 8000), "too_many_pixels", id="over-budget-8001x8000"),
        pytest.param(truncated_jpeg_bytes(), "truncated", id="jpeg-cut-in-scan"),
        pytest.param(text_as_jpeg_bytes(), "not_an_image", id="text"),
        pytest.param(b"", "not_an_image", id="empty"),
    ],
)
def test_refusals_come_without_decoding(data: bytes, code: str) -> None:
    with decoding_forbidden() as decoded:
        assert rejected(data) == code

    assert decoded == []


def test_the_budget_is_our_setting_not_pillows() -> None:
    data = png_bomb_bytes(8000, 8000)

    assert identify(data).width == 8000
    assert rejected(data, max_pixels=8000 * 8000 - 1) == "too_many_pixels"


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="in-the-image-data"),
        pytest.param(lambda data: data[:-12], id="without-iend"),
        pytest.param(lambda data: data[:-14], id="in-the-last-crc"),
    ],
)
def test_a_png_cut_short_is_refused_without_decoding(large_png: bytes, cut) -> None:
    with decoding_forbidden() as decoded:
        assert rejected(cut(large_png)) == "truncated"

    assert decoded == []


def test_a_jpeg_cut_short_is_not_fooled_by_an_end_marker_in_a_comment() -> None:
    # A comment segment carrying FF D9 before the picture: only the segment walk, which skips
    # segments by their lengths, tells it from the real end of the image.
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(
        buffer, "JPEG", comment=b"\xff\xd9 not the end"
    )
    data = buffer.getvalue()
    assert identify(data).width == 400

    assert rejected(data[: len(data) * 6 // 10]) == "truncated"


def test_a_file_made_of_endless_chunks_is_refused_after_a_fixed_number_of_steps() -> None:
    small = png_bytes(8, 8)
    assert identify(with_chunks_before_iend(small, 1000)).width == 8

    assert rejected(with_chunks_before_iend(small, MAX_STEPS)) == "truncated"


# --- what only decoding finds: the worker's --------------------------------------------------


def test_corrupt_pixel_data_behind_an_intact_structure_passes_identification_only() -> None:
    data = png_with_corrupt_pixels_bytes()

    with decoding_forbidden():
        identity = identify(data)
    assert (identity.format, identity.width, identity.height) == ("PNG", 640, 480)

    with pytest.raises(ImageRejected) as caught:
        process_image(io.BytesIO(data), max_pixels=MAX_PIXELS, max_side=2048, thumbnail_side=320)
    assert caught.value.code == "truncated"
