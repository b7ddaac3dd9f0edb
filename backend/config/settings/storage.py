"""Where photos live: the local disk (one host, `make run`) or an S3-compatible object store
(several hosts: every node reads and writes the same photos)."""

from .env import BASE_DIR, env

MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
# Raw uploads wait here for the photo task. It is never served over HTTP: it can hold the
# resident's GPS position and camera serial in EXIF.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private"))

# "local": the two folders above. "s3": an S3-compatible object store through django-storages,
# raw uploads as private objects (never a public URL), processed photos served by a signed URL
# (S3_PUBLIC_URLS=false, the default) or a plain public one (a public bucket or a CDN).
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND not in ("local", "s3"):
    raise ValueError(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}")

# Compressed copies (gzip, and brotli where installed) made by collectstatic, which whitenoise
# serves to a browser that accepts them: the phone loads a third of the bytes.
_STATIC = {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}
if STORAGE_BACKEND == "s3":
    _S3_COMMON = {
        # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (boto3 reads them from the
        # environment, or an instance role where there is one).
        "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("S3_REGION", default="") or None,
        "signature_version": "s3v4",
        "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
        # A photo's name has a random part: a second write under one name never happens, and
        # no listing is needed to find a free name.
        "file_overwrite": True,
    }
    _public_urls = env.bool("S3_PUBLIC_URLS", default=False)
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_S3_COMMON,
                "bucket_name": env.str("S3_BUCKET"),
                "location": env.str("S3_MEDIA_PREFIX", default="media"),
                "querystring_auth": not _public_urls,
                "querystring_expire": env.int("S3_URL_EXPIRY_SECONDS", default=3600),
                # A CDN or the proxy in front of the store: "host[:port][/path]", and its scheme.
                "custom_domain": env.str("S3_CUSTOM_DOMAIN", default="") or None,
                "url_protocol": env.str("S3_URL_PROTOCOL", default="https:"),
                # Readable by anyone only through a bucket policy on the media prefix (or a CDN's
                # access to it), never by object ACLs.
                "object_parameters": {
                    "CacheControl": "public, max-age=86400"
                    if _public_urls
                    else "private, max-age=3600"
                },
            },
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_S3_COMMON,
                # A bucket of its own where the operator wants one (no public policy on it).
                "bucket_name": env.str("S3_PRIVATE_BUCKET", default="") or env.str("S3_BUCKET"),
                "location": env.str("S3_PRIVATE_PREFIX", default="private"),
                # No ACL header: objects are private by default (and buckets that enforce owner
                # ownership refuse most ACLs); no policy may open this bucket or prefix.
                "querystring_auth": True,
            },
        },
        "staticfiles": _STATIC,
    }
else:
    STORAGES = {
        # MEDIA_ROOT and PRIVATE_MEDIA_ROOT, read when used (the test settings set their own).
        "default": {"BACKEND": "backend.reports.storage.AtomicFileSystemStorage"},
        "private": {"BACKEND": "backend.reports.storage.PrivateFileSystemStorage"},
        "staticfiles": _STATIC,
    }

# Serve media from the application itself (fine for one host; put a CDN or nginx in front
# for scale and switch this off). With an object store the URLs point at it instead.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=STORAGE_BACKEND == "local")

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
