"""Settings for benchmarking only: production settings plus the bench-only URLs.

Start the server with ``DJANGO_SETTINGS_MODULE=bench.settings`` to get ``/bench/...``
endpoints next to the real API; production settings never name this module.
"""

from backend.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
