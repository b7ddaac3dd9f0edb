"""Rate limits shared by every process and host: counters in Redis.

A rate "N/period" lets N requests through at once, then one more each period/N (the generic
cell rate algorithm: one timestamp per subject and rate, no list of past requests), so a
client that paused gets its burst back gradually instead of all at one window boundary, and
the answer to a refused request says exactly how long to wait. Several rates ("3/hour,10/day")
must all allow a request, and one refused by any of them counts against none: the check and
the update are one Lua script, atomic in Redis, with Redis's clock for every host. A request
counted in advance can be given back (a token lookup is a miss until its token matched), so
that concurrent requests cannot all pass a check made before any of them is counted.

A limit protects the service; it must never be what takes it down. When Redis cannot be
reached the request goes through (logged), and Redis is left alone for a few seconds so that
an outage does not add a timeout to every request.
"""

import hashlib
import logging
import math
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    period_seconds: int

    def __str__(self) -> str:
        return f"{self.limit}/{self.period_seconds}s"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # Seconds until the request would be let through; 0 when it was.
    retry_after: float = 0.0

    @property
    def retry_after_seconds(self) -> int:
        """For a Retry-After header: whole seconds, never 0 for a refusal."""
        return max(1, math.ceil(self.retry_after)) if not self.allowed else 0


@lru_cache(maxsize=256)
def rates_parse(text: str) -> tuple[Rate, ...]:
    """``"30/10min"``, ``"3/hour,10/day"``; ``"off"`` or empty for no limit.

    Units: s, min, hour, day (also sec/second, minute, h, d; a trailing "s" is allowed).
    """
    text = text.strip().lower()
    if text in ("", "off", "none"):
        return ()
    rates = []
    for part in text.split(","):
        match = _RATE.match(part)
        unit = match.group(3) if match else ""
        if match is None or unit not in _UNITS or int(match.group(1)) < 1:
            raise ValueError(
                f"Not a rate: {part.strip()!r}; write N/period, e.g. 30/10min, 3/hour, 10/day."
            )
        count, multiple = int(match.group(1)), int(match.group(2) or 1)
        rates.append(Rate(limit=count, period_seconds=multiple * _UNITS[unit]))
    return tuple(rates)


# KEYS: one per rate. ARGV: the mode (1: count a request if every rate allows it, 0: only ask,
# -1: give one back), then per rate its emission interval and its burst (interval x limit), in
# milliseconds. Each key holds the "theoretical arrival time" of the next request; it expires
# when that is in the past. Returns 0 when allowed, otherwise the milliseconds to wait.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local mode = tonumber(ARGV[1])
if mode == -1 then
  for i, key in ipairs(KEYS) do
    local tat = tonumber(redis.call('GET', key))
    if tat then
      tat = tat - tonumber(ARGV[2 * i])
      if tat > now then redis.call('SET', key, tat, 'PX', tat - now)
      else redis.call('DEL', key) end
    end
  end
  return 0
end
local wait = 0
local next_tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local next_tat = tat + interval
  local allowed_at = next_tat - burst
  if allowed_at > now and allowed_at - now > wait then wait = allowed_at - now end
  next_tats[i] = next_tat
end
if wait > 0 then return wait end
if mode == 1 then
  for i, key in ipairs(KEYS) do
    redis.call('SET', key, next_tats[i], 'PX', next_tats[i] - now)
  end
end
return 0
"""

_lock = threading.Lock()
_scripts: dict[str, redis.commands.core.Script] = {}
# time.monotonic() before which Redis is not asked again after a failure.
_down_until = 0.0


def _script() -> redis.commands.core.Script:
    url = settings.RATE_LIMIT_REDIS_URL
    with _lock:
        script = _scripts.get(url)
        if script is None:
            client = redis.Redis.from_url(
                url,
                socket_timeout=settings.RATE_LIMIT_REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=settings.RATE_LIMIT_REDIS_TIMEOUT_SECONDS,
            )
            script = _scripts[url] = client.register_script(_GCRA)
        return script


def _key(scope: str, subject: str, rate: Rate) -> str:
    # Subjects are addresses (IP, e-mail): only a digest of them is kept in Redis.
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"{settings.RATE_LIMIT_KEY_PREFIX}:{scope}:{digest}:{rate}"


# (scope, its rates): what one call counts a subject against.
Limits = Sequence[tuple[str, Sequence[Rate]]]


def _run(mode: int, subject: str, limits: Limits) -> int:
    """The script's answer (0, or the milliseconds to wait); 0 when limits are off or Redis
    is away."""
    global _down_until
    if not settings.RATE_LIMITS_ENABLED or time.monotonic() < _down_until:
        return 0
    keys, args = [], [mode]
    for scope, rates in limits:
        for rate in rates:
            interval = math.ceil(rate.period_seconds * 1000 / rate.limit)
            keys.append(_key(scope, subject, rate))
            args += [interval, interval * rate.limit]
    if not keys:
        return 0
    try:
        return int(_script()(keys=keys, args=args))
    except redis.RedisError as exc:
        _down_until = time.monotonic() + settings.RATE_LIMIT_REDIS_RETRY_SECONDS
        logger.warning(
            "rate limits off for %ss: Redis unavailable (%s)",
            settings.RATE_LIMIT_REDIS_RETRY_SECONDS,
            exc,
        )
        return 0


def limits_take(*, subject: str, limits: Limits, record: bool = True) -> Verdict:
    """Let one request of ``subject`` (a client, an address) through every rate of every
    scope in ``limits``, or through none: a refusal counts against no rate.

    With ``record=False`` only ask whether one more would be let through, counting nothing.
    """
    wait_ms = _run(1 if record else 0, subject, limits)
    if wait_ms > 0:
        return Verdict(allowed=False, retry_after=wait_ms / 1000)
    return Verdict(allowed=True)


def rate_take(*, scope: str, subject: str, rates: Sequence[Rate], record: bool = True) -> Verdict:
    """limits_take for one scope."""
    return limits_take(subject=subject, limits=[(scope, rates)], record=record)


def rate_give_back(*, scope: str, subject: str, rates: Sequence[Rate]) -> None:
    """Undo one counted request: one counted in advance that turned out not to be what the
    scope counts (a token lookup counted as a miss until the token matched)."""
    _run(-1, subject, [(scope, rates)])
