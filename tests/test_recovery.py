"""`make run`'s stack heals itself: Redis stopped under load, then each kind of process killed
with SIGKILL, and every report accepted before, during and after is stored once, its receipt
mail sent once and its photo processed once, with nobody restarting anything by hand."""

import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from backend.notifications.models import MailDelivery
from backend.reports.models import Attachment, OutboxEntry, Report, ReportEvent
from tests.conftest import DAM
from tests.support import images
from tests.support.smtp_sink import SmtpSink
from tests.support.stack import Stack, database_url_of_this_test
from tests.support.waiting import eventually

pytestmark = pytest.mark.django_db(transaction=True)

KINDS = ("worker", "photos", "bookkeeping", "beat", "web")
CATEGORY = "wegen-verkeer-straatmeubilair/straatverlichting"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def stack(private_redis, smtp_sink, tmp_path) -> Iterator[Stack]:
    stack = Stack(
        {
            "DATABASE_URL": database_url_of_this_test(),
            "REDIS_URL": private_redis.url,
            "EMAIL_URL": smtp_sink.url,
            "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
            "TRACKING_TOKEN_SECRET": uuid.uuid4().hex,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
            "CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / "celerybeat-schedule"),
            # As `make run` has them, but one process each: the machine runs the test suite.
            # (What a dead uvicorn master leaves behind is tests/test_supervise.py's part.)
            "WEB_CONCURRENCY": "1",
            "CELERY_CONCURRENCY": "1",
            "PHOTO_CONCURRENCY": "1",
            # Not niced: on a machine this busy a photo worker at nice 10 got no CPU for a
            # minute, and this test is about recovery, not priorities.
            "PHOTO_NICE": "0",
            "BOOKKEEPING_NICE": "0",
            # One client sends every report: the intake limit per address is another test's.
            "RATE_LIMITS_ENABLED": "false",
            # The safety nets on a test's time scale: what a killed process had in hand, or
            # what the broker lost, is picked up within seconds instead of minutes.
            "OUTBOX_SWEEP_SECONDS": "2",
            "OUTBOX_RETRY_AFTER_SECONDS": "2",
            "DELIVERY_SWEEP_SECONDS": "2",
            "DELIVERY_RETRY_SECONDS": "1",
            "PHOTO_SWEEP_SECONDS": "2",
            "PHOTO_CLAIM_SECONDS": "5",
            "PHOTO_UNCLAIMED_SECONDS": "5",
            "MAIL_ATTEMPT_SECONDS": "10",
            # A killed beat's lease runs out this soon, and its restart leads again.
            "BEAT_LEADER_LEASE_SECONDS": "3",
        }
    )
    stack.start()
    yield stack
    code = stack.stop()
    # Shown when the test fails.
    (tmp_path / "stack.log").write_text("\n".join(stack.lines))
    print(f"make run's output, in full in {tmp_path / 'stack.log'}:\n{stack.tail(80)}")
    assert code == 0, "the supervisor did not stop cleanly on SIGTERM"


class Load:
    """Residents sending reports one after another, each retried under the same
    Idempotency-Key until it is accepted: a report counts once it got its 201."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.accepted: dict[str, str] = {}  # e-mail address -> report id
        self.with_photo: set[str] = set()
        self.failed_attempts = 0
        self.refusal = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.photo = images.jpeg_bytes(800, 600)

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> None:
        self._stop.set()
        self._thread.join(timeout=200)
        assert not self._thread.is_alive(), "the last report was never accepted"

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as http:
            n = 0
            while not self._stop.is_set() and not self.refusal:
                n += 1
                self._send_until_accepted(http, n)
                time.sleep(0.15)

    def _send_until_accepted(self, http: httpx.Client, n: int) -> None:
        address = f"resident{n}@example.nl"
        key = str(uuid.uuid4())
        fields = {
            "text": f"Lantaarnpaal {n} brandt niet",
            "category": CATEGORY,
            "lat": DAM[0] + n * 1e-5,
            "lon": DAM[1],
            "email": address,
            "allow_contact": True,
        }
        # A form carries text; a JSON body its own types (a string for a number is refused).
        form = {name: "true" if value is True else str(value) for name, value in fields.items()}
        photo = n % 3 == 0
        # Generous: on a busy machine a restarted web process takes a while to import Django.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if photo:
                    response = http.post(
                        "/api/v1/public/reports/",
                        data=form,
                        files=[("photos", (f"{n}.jpg", self.photo, "image/jpeg"))],
                        headers={"Idempotency-Key": key},
                    )
                else:
                    response = http.post(
                        "/api/v1/public/reports/", json=fields, headers={"Idempotency-Key": key}
                    )
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 201:
                self.accepted[address] = response.json()["id"]
                if photo:
                    self.with_photo.add(address)
                return
            # Refused for what it is, not for an outage: retrying cannot help.
            refused = response is not None and 400 <= response.status_code < 500
            if refused and response.status_code not in (408, 429):
                self.refusal = f"report {n}: {response.status_code} {response.text[:500]}"
                return
            self.failed_attempts += 1
            time.sleep(0.2)
        raise AssertionError(f"report {n} was not accepted within 180 s")


def _health(stack: Stack) -> int:
    try:
        return httpx.get(f"{stack.base_url}/health/", timeout=2).status_code
    except httpx.HTTPError:
        return 0


def _kill_and_await_restart(stack: Stack, name: str) -> None:
    before = {kind: stack.pid(kind) for kind in KINDS}
    victim = before[name]
    assert victim is not None
    os.kill(victim, signal.SIGKILL)
    eventually(
        lambda: stack.pid(name) != victim,
        timeout=30,
        message=f"the supervisor did not restart {name}",
    )
    assert stack.log(rf"supervise +\| {name} \(pid {victim}\) was killed by SIGKILL")
    # The others kept running: none of them was restarted for it.
    assert {k: stack.pid(k) for k in KINDS if k != name} == {
        k: pid for k, pid in before.items() if k != name
    }


# The bounds below allow for a machine busy with other work: there, each start of a process
# (importing Django and the classifier's libraries) took tens of seconds. The figures the test
# prints say where the time went.
@pytest.mark.timeout(600)
def test_redis_outage_and_a_kill_of_each_process_lose_nothing_and_heal_on_their_own(
    stack, private_redis, smtp_sink
):
    started = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = round(time.monotonic() - started, 1)

    eventually(
        lambda: _health(stack) == 200,
        timeout=180,
        interval=0.5,
        message="make run's stack did not come up",
    )
    load = Load(stack.base_url)
    load.start()
    # Up means working: the first receipt mail came through the fan-out worker.
    eventually(
        lambda: smtp_sink.received() or load.refusal,
        timeout=120,
        interval=0.2,
        message="no mail from the worker",
    )
    assert not load.refusal, load.refusal

    phase("stack up, first mail")
    # Redis away for a while under load, then back on the same port.
    private_redis.stop()
    accepted_before_outage = len(load.accepted)
    time.sleep(5)
    accepted_during_outage = len(load.accepted) - accepted_before_outage
    private_redis.start()
    phase("Redis back")

    for name in KINDS:
        _kill_and_await_restart(stack, name)
    phase("each kind killed and restarted")
    eventually(
        lambda: _health(stack) == 200,
        timeout=180,
        interval=0.5,
        message="the web did not come back",
    )
    # Reports after every kill, on the restarted processes.
    after = len(load.accepted)
    eventually(
        lambda: len(load.accepted) >= after + 5,
        timeout=120,
        interval=0.2,
        message="intake did not resume",
    )
    load.finish()
    assert not load.refusal, load.refusal
    phase("intake resumed")
    accepted = dict(load.accepted)
    assert accepted_during_outage > 0, "intake stopped while Redis was away"

    # Every accepted report stored once, with its one `created` event, fanned out.
    def everything_delivered() -> dict[str, object]:
        mails = Counter(m["To"] for m in smtp_sink.received())
        return {
            "unpublished outbox entries": OutboxEntry.objects.filter(
                published_at__isnull=True
            ).count(),
            "pending mail deliveries": MailDelivery.objects.exclude(state="sent").count(),
            "pending photos": Attachment.objects.exclude(state="ready").count(),
            "reports without a receipt mail": sorted(set(accepted) - set(mails)),
        }

    eventually(
        everything_delivered,
        until=lambda state: not any(state.values()),
        timeout=180,
        interval=0.5,
        message="the fan-out did not catch up",
    )
    phase("everything delivered")
    assert Report.objects.count() == len(accepted)
    assert set(map(str, Report.objects.values_list("id", flat=True))) == set(accepted.values())
    created = Counter(
        str(r) for r in ReportEvent.objects.filter(type="created").values_list("report", flat=True)
    )
    assert set(created.values()) == {1} and set(created) == set(accepted.values())
    receipts = MailDelivery.objects.filter(event__type="created")
    assert receipts.count() == len(accepted)
    # Mail is delivered at least once (README): a worker killed between the server's acceptance
    # and recording it sends a copy, with the same Message-ID, by which a mail client drops it.
    # So: every resident got exactly one receipt message, counted by Message-ID.
    received = smtp_sink.received()
    messages = {
        address: {m["Message-ID"] for m in received if m["To"] == address} for address in accepted
    }
    assert {address: len(ids) for address, ids in messages.items()} == dict.fromkeys(accepted, 1)
    copies = len([m for m in received if m["To"] in accepted]) - len(accepted)
    print(f"receipt copies resent after a kill mid-send (same Message-ID): {copies}")
    photos = Attachment.objects.filter(state="ready")
    assert sorted(str(a.report_id) for a in photos) == sorted(
        accepted[address] for address in load.with_photo
    )
    processed = Counter(
        ReportEvent.objects.filter(type="photo_processed").values_list("report", flat=True)
    )
    assert set(processed.values()) == {1} and len(processed) == len(load.with_photo)

    # Each process kind was killed and restarted by the supervisor alone; print what it saw.
    deaths = stack.log(r"^supervise +\| \w+ \(pid \d+\) (exited|was killed)")
    print(
        f"\n{len(accepted)} reports accepted ({accepted_during_outage} while Redis was away, "
        f"{len(load.with_photo)} with a photo; {load.failed_attempts} attempts refused or "
        f"broken off and retried); seconds since start: {phases}; deaths:\n" + "\n".join(deaths)
    )
