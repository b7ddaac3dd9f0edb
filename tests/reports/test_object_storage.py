"""Photos on an S3-compatible object store (STORAGE_BACKEND=s3): moto's server mode stands in
for the cloud, reached over HTTP through boto3 as a real one would be."""

import io
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backend.reports import change as report_change_module
from backend.reports.models import Attachment
from backend.reports.services import attachment_process
from tests.conftest import DAM, files_under, stored_state
from tests.support import images
from tests.support.object_store import ObjectStore

pytestmark = pytest.mark.django_db
URL = "/api/v1/public/reports/"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Iterator[ObjectStore]:
    server = ObjectStore(tmp_path_factory.mktemp("moto"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3(store, settings) -> ObjectStore:
    settings.STORAGE_BACKEND = "s3"
    settings.STORAGES = store.storages()  # Django drops its storage instances on the change
    return store


def _intake(client, data: bytes):
    response = client.post(
        URL,
        {
            "text": "Lantaarnpaal brandt niet",
            "lat": DAM[0],
            "lon": DAM[1],
            "category": "wegen-verkeer-straatmeubilair/straatverlichting",
            "photos": [SimpleUploadedFile("p.jpg", data, content_type="image/jpeg")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_the_raw_upload_is_a_private_object_gone_after_processing_and_the_photo_a_signed_url(
    s3, public_client, django_capture_on_commit_callbacks
):
    local_before = (
        len(files_under(settings.PRIVATE_MEDIA_ROOT)),
        len(files_under(settings.MEDIA_ROOT)),
    )
    data = images.jpeg_bytes(1600, 1200, gps=(52.3731, 4.8926), camera=True)
    created = _intake(public_client, data)
    attachment = Attachment.objects.get(report_id=created["id"])

    key = f"private/{attachment.original_path}"
    assert s3.keys(s3.private_bucket) == [key]
    assert s3.client().get_object(Bucket=s3.private_bucket, Key=key)["Body"].read() == data
    grants = s3.client().get_object_acl(Bucket=s3.private_bucket, Key=key)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner's, nobody else's
    published = s3.keys(s3.bucket)
    assert not any(str(attachment.id) in k for k in published)

    with django_capture_on_commit_callbacks(execute=True):
        attachment = attachment_process(attachment_id=attachment.id)

    assert attachment.state == "ready"
    assert s3.keys(s3.private_bucket) == []  # the GPS position went with it
    assert s3.keys(s3.bucket) == sorted(
        [*published, f"media/{attachment.file}", f"media/{attachment.thumbnail}"]
    )
    # Nothing of it touched this host's disk.
    assert (
        len(files_under(settings.PRIVATE_MEDIA_ROOT)),
        len(files_under(settings.MEDIA_ROOT)),
    ) == local_before

    shown = public_client.get(f"{URL}{created['tracking_token']}/").json()["photos"]
    assert len(shown) == 1
    url = shown[0]["url"]
    assert url.startswith(f"{s3.endpoint}/{s3.bucket}/media/photos/")
    assert "X-Amz-Signature=" in url
    served = httpx.get(url, timeout=10)
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).size == (attachment.width, attachment.height)
    assert not images.has_any_metadata(served.content)
    thumb = httpx.get(shown[0]["thumbnail_url"], timeout=10)
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.content)).size) == (
        settings.PHOTO_THUMBNAIL_SIDE
    )


def test_a_photo_that_fails_to_decode_loses_its_raw_object_too(
    s3, public_client, django_capture_on_commit_callbacks
):
    published = s3.keys(s3.bucket)  # the store outlives a test: earlier tests' photos are there
    created = _intake(public_client, images.jpeg_bytes())
    attachment = Attachment.objects.get(report_id=created["id"])
    s3.client().put_object(
        Bucket=s3.private_bucket, Key=f"private/{attachment.original_path}", Body=b"x" * 500
    )
    with django_capture_on_commit_callbacks(execute=True):
        attachment = attachment_process(attachment_id=attachment.id)
    assert attachment.state == "failed"
    assert s3.keys(s3.private_bucket) == [] and s3.keys(s3.bucket) == published


def test_an_intake_that_fails_after_the_upload_leaves_no_object_behind(
    s3, public_client, monkeypatch
):
    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(report_change_module, "events_write", explode)
    before = stored_state()
    with pytest.raises(RuntimeError):
        _intake(public_client, images.jpeg_bytes())
    assert stored_state() == before
    assert s3.keys(s3.private_bucket) == []


def test_the_environment_selects_the_object_store_with_private_raw_uploads(store):
    """STORAGE_BACKEND=s3 and the S3_* variables, as a node reads them at start."""
    env = {
        **store.env(),
        "S3_PUBLIC_URLS": "true",
        "S3_CUSTOM_DOMAIN": "photos.example.nl",
        "DJANGO_SETTINGS_MODULE": "backend.config.settings",
        "SECRET_KEY": "x" * 50,
        "PATH": "/usr/bin:/bin",
    }
    script = (
        "import django, json; django.setup();"
        "from django.conf import settings as s;"
        "from django.core.files.storage import storages;"
        "print(json.dumps([s.SERVE_MEDIA, storages['default'].url('photos/a.jpg'),"
        " storages['private'].bucket_name, storages['private'].location,"
        " storages['private'].querystring_auth]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert out.strip().splitlines()[-1] == (
        f'[false, "https://photos.example.nl/media/photos/a.jpg", "{store.private_bucket}",'
        ' "private", true]'
    )
