from .env import BASE_DIR, env

MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
# Raw uploads wait here for the photo task. It is never served over HTTP: it can hold the
# resident's GPS position and camera serial in EXIF.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private"))
# Serve media from the application itself (fine for one host; put a CDN or nginx in front
# for scale and switch this off).
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
