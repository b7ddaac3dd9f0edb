"""Rate limits: what a flood gets through with the default limits, and what the checks cost.

  flood  uvicorn (2 workers) with the production settings and their default limits: one client
         files 200 reports and guesses 200 tracking tokens as fast as it can, another follows
         10 reports with one e-mail address, while a resident elsewhere files a report and
         reads it 50 times. Prints what each got (status counts) and how long it took. The
         two workers share the counters (Redis), so the numbers are those of one process.
  cost   uvicorn (1 worker) with bench.settings, limits off and on (BENCH_RATE_LIMITS=1: on,
         out of reach), in alternating rounds: tracking lookups (two Redis calls each: the
         count, and giving the miss back) and intakes (one), requests/s and web CPU per request;
         then the checks alone, in this process, timed over 5,000 calls (CPU and wall clock).

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/meldpunt_ratelimit_bench \
      .venv/bin/python bench/ratelimit.py [--requests 1500] [--rounds 2]

(A database of its own, migrated and with `manage.py setup_demo`: the reports stay there.)

Client addresses are told apart with X-Forwarded-For, which uvicorn takes from loopback peers
(FORWARDED_ALLOW_IPS=127.0.0.1). Redis is a private redis-server on a free port (the broker
too: no worker runs, the reports' tasks stay queued there and go with it); the reports stay in
DATABASE_URL's database. Loopback only; every loop is bounded by a request count.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import procstat  # noqa: E402

REPORTS = "/api/v1/public/reports/"
BODY = {
    "text": "De container bij de ingang zit helemaal vol.",
    "lat": 52.3731,
    "lon": 4.8926,
    "category": "afval/container-is-vol",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(check, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not come up within {timeout} s")
        time.sleep(0.1)


class Redis:
    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("needs redis-server")
        self.process = subprocess.Popen(
            [
                *(binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "no", "--dir", str(workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock,
            ):
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
            return False

        _wait(answers, "redis-server")
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class Server:
    log = Path(tempfile.gettempdir()) / "meldpunt-bench-ratelimit-server.log"

    def __init__(self, *, settings: str, workers: int, redis_url: str, **env: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings,
            "REDIS_URL": redis_url,
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            "RATE_LIMIT_KEY_PREFIX": f"bench:{secrets.token_hex(4)}",
            "LOG_LEVEL": "WARNING",
            **env,
        }
        self.process = subprocess.Popen(
            [
                *(str(REPO / ".venv/bin/uvicorn"), "backend.config.asgi:application"),
                *("--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)),
                *("--no-access-log", "--lifespan", "off"),
            ],
            cwd=REPO,
            env=environment,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def healthy() -> bool:
            with contextlib.suppress(httpx.HTTPError):
                return httpx.get(f"{self.url}/health/", timeout=2).status_code == 200
            return False

        _wait(healthy, "uvicorn")

    def cpu(self) -> procstat.Snapshot:
        return procstat.snapshot(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


async def _send(
    base_url: str, requests: list[tuple[str, str, dict | None, str]], concurrency: int
) -> Counter:
    """(method, path, json body, client address) each, ``concurrency`` at a time."""
    queue = list(reversed(requests))
    statuses: Counter = Counter()
    client = httpx.AsyncClient(base_url=base_url, timeout=60)

    async def one_client() -> None:
        while queue:
            method, path, body, address = queue.pop()
            response = await client.request(
                method, path, json=body, headers={"X-Forwarded-For": address}
            )
            statuses[response.status_code] += 1

    async with client:
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
    return statuses


def _timed(base_url: str, requests, concurrency: int = 8) -> tuple[Counter, float]:
    started = time.perf_counter()
    statuses = asyncio.run(_send(base_url, requests, concurrency))
    return statuses, time.perf_counter() - started


def _line(what: str, statuses: Counter, seconds: float) -> str:
    counts = ", ".join(f"{count} x {status}" for status, count in sorted(statuses.items()))
    return f"  {what:<44} {counts:<26} in {seconds:5.2f} s"


def flood(redis_url: str) -> None:
    print("flood: production settings, default limits, 2 uvicorn workers")
    server = Server(settings="backend.config.settings", workers=2, redis_url=redis_url)
    try:
        client = server.url
        resident = httpx.post(
            f"{server.url}{REPORTS}", json=BODY, headers={"X-Forwarded-For": "198.51.100.1"}
        )
        assert resident.status_code == 201, resident.text
        token = resident.json()["tracking_token"]
        reports = [("POST", REPORTS, BODY, "203.0.113.1")] * 200
        print(_line("one client files 200 reports", *_timed(client, reports)))
        guesses = [
            ("GET", f"{REPORTS}{secrets.token_urlsafe(32)}/", None, "203.0.113.2")
            for _ in range(200)
        ]
        print(_line("one client guesses 200 tracking tokens", *_timed(client, guesses)))
        reads = [("GET", f"{REPORTS}{token}/", None, "198.51.100.1")] * 50
        print(_line("the resident reads their report 50 times", *_timed(client, reads)))
        tokens = []
        for n in range(10):
            made = httpx.post(
                f"{server.url}{REPORTS}", json=BODY, headers={"X-Forwarded-For": f"192.0.2.{n}"}
            )
            tokens.append(made.json()["tracking_token"])
        follows = [
            ("POST", f"{REPORTS}{t}/follow/", {"email": "slachtoffer@example.nl"}, f"192.0.2.{n}")
            for n, t in enumerate(tokens)
        ]
        print(
            _line(
                "10 clients follow with one e-mail address", *_timed(client, follows, concurrency=1)
            )
        )
    finally:
        server.stop()


def cost(redis_url: str, *, requests: int, rounds: int) -> None:
    print(f"cost: bench.settings, 1 uvicorn worker, {requests} requests per measure, 8 at once")
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(rounds):
        for mode in ("off", "on"):
            server = Server(
                settings="bench.settings",
                workers=1,
                redis_url=redis_url,
                BENCH_RATE_LIMITS="1" if mode == "on" else "0",
            )
            try:
                made = httpx.post(f"{server.url}{REPORTS}", json=BODY)
                token = made.json()["tracking_token"]
                client = server.url
                warm = [("GET", f"{REPORTS}{token}/", None, "198.51.100.9")] * 100
                _timed(client, warm)
                work = {
                    "lookup": [("GET", f"{REPORTS}{token}/", None, "198.51.100.9")] * requests,
                    "intake": [("POST", REPORTS, BODY, "198.51.100.9")] * (requests // 3),
                }
                for kind, batch in work.items():
                    before = server.cpu()
                    statuses, seconds = _timed(client, batch)
                    web = procstat.delta(before, server.cpu()).of(procstat.WEB)
                    assert set(statuses) <= {200, 201}, f"{statuses}; see {Server.log}"
                    results.setdefault((kind, mode), []).append(
                        (len(batch) / seconds, web * 1000 / len(batch))
                    )
            finally:
                server.stop()
    for kind in ("lookup", "intake"):
        off, on = (results[(kind, mode)] for mode in ("off", "on"))

        def best(rows):
            return max(r[0] for r in rows), min(r[1] for r in rows)

        (off_rps, off_cpu), (on_rps, on_cpu) = best(off), best(on)
        print(
            f"  {kind:<7} off: {off_rps:6.0f} req/s, {off_cpu:5.2f} ms web CPU/req | "
            f"on: {on_rps:6.0f} req/s, {on_cpu:5.2f} ms | on/off throughput "
            f"{on_rps / off_rps:.2f}, CPU +{on_cpu - off_cpu:.2f} ms/req"
        )


def checks_alone(redis_url: str, calls: int = 5000) -> None:
    """The throttle code of a lookup and of an intake, without a server around it."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        REDIS_URL=redis_url,
        BENCH_RATE_LIMITS="1",
        RATE_LIMIT_KEY_PREFIX=f"bench:{secrets.token_hex(4)}",
    )
    import django

    django.setup()
    from django.test import RequestFactory
    from rest_framework.request import Request

    from frontend_api.common.throttling import (
        IntakeThrottle,
        token_lookup_done,
        token_lookup_verdict,
    )

    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")

    def lookup() -> None:
        token_lookup_verdict(request)
        token_lookup_done(request, status=200)

    throttle, drf_request = IntakeThrottle(), Request(request)
    for name, check in (
        ("lookup (count + give back)", lookup),
        ("intake (count)", lambda: throttle.allow_request(drf_request, None)),  # type: ignore[arg-type]
    ):
        for _ in range(200):
            check()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(calls):
            check()
        print(
            f"  checks alone, {name:<27} {(time.process_time() - cpu) * 1000 / calls:.3f} ms CPU, "
            f"{(time.perf_counter() - wall) * 1000 / calls:.3f} ms wall per request"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip-cost", action="store_true")
    parser.add_argument("--skip-flood", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="meldpunt-bench-ratelimit-") as workdir:
        redis = Redis(Path(workdir))
        try:
            if not args.skip_flood:
                flood(redis.url)
            if not args.skip_cost:
                cost(redis.url, requests=args.requests, rounds=args.rounds)
                checks_alone(redis.url)
        finally:
            redis.stop()


if __name__ == "__main__":
    main()
