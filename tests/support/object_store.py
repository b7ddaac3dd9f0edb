"""An S3-compatible object store for tests: moto's server mode in a process of its own, a real
HTTP server that the application reaches through boto3 as it would a cloud's (the stand-in
for a service outside the machine; nothing in boto is patched)."""

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx

from tests.support.waiting import eventually

# Ports the suite may give moto, first free one wins (a fixed range keeps it clear of the
# other servers that run on this machine).
PORTS = range(int(os.environ.get("MOTO_PORT_FIRST", "8160")), 8170)
ACCESS_KEY = "meldpunt-test"
SECRET_KEY = "meldpunt-test-secret"  # moto accepts any


def _free_port_in(ports: range) -> int:
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # the range is taken: any free port
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ObjectStore:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.bucket = f"meldpunt-{uuid.uuid4().hex[:12]}"
        self.private_bucket = f"{self.bucket}-private"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = _free_port_in(PORTS)
        log = open(self.workdir / "moto.log", "wb")  # noqa: SIM115 - kept open with the server
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
        )
        eventually(self._answers, timeout=30, message="moto_server did not start")
        for bucket in (self.bucket, self.private_bucket):
            self.client().create_bucket(Bucket=bucket)

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.endpoint}/moto-api/", timeout=1).status_code < 500
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def env(self) -> dict[str, str]:
        """The environment a process needs to keep its photos here."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": "us-east-1",
            "S3_BUCKET": self.bucket,
            "S3_PRIVATE_BUCKET": self.private_bucket,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def storages(self) -> dict[str, Any]:
        """settings.STORAGES for the test process itself, as STORAGE_BACKEND=s3 builds it."""
        common = {
            "endpoint_url": self.endpoint,
            "region_name": "us-east-1",
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "signature_version": "s3v4",
            "addressing_style": "path",
            "file_overwrite": True,
        }
        return {
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {**common, "bucket_name": self.bucket, "location": "media"},
            },
            "private": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    **common,
                    "bucket_name": self.private_bucket,
                    "location": "private",
                },
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }


def object_store(workdir: Path) -> Iterator[ObjectStore]:
    store = ObjectStore(workdir)
    store.start()
    try:
        yield store
    finally:
        store.stop()
