"""Settings for benchmarking only: production settings plus the bench-only URLs.

Start the server with ``DJANGO_SETTINGS_MODULE=bench.settings`` to get ``/bench/...``
endpoints next to the real API; production settings never name this module.
"""

from backend.config.settings import *  # noqa: F403
from backend.config.settings import RATE_LIMITS
from backend.config.settings.env import env

ROOT_URLCONF = "bench.urls"

# Benchmarks send hundreds of reports a second from one loopback address: the rate limits are
# off. BENCH_RATE_LIMITS=1 keeps them on, out of reach, to measure what the checks cost.
RATE_LIMITS_ENABLED = env.bool("BENCH_RATE_LIMITS", default=False)
RATE_LIMITS = dict.fromkeys(RATE_LIMITS, "1000000000/min")
