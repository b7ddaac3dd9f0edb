"""A link e-mail whose task the broker never got (it was away when the offer committed) is sent
by beat's sweeps once the broker is back, and only once.

Only names that existed before link mails were recorded are imported here, so this test runs,
and fails, on that code too."""

import logging

import pytest
from django.conf import settings as django_settings
from django.utils.module_loading import import_string

from backend.config.celery import app as celery_app
from backend.contractors.models import Assignment, AssignmentLink
from backend.contractors.tasks import assignment_link_send_task
from backend.reports.actors import ActorRef
from backend.reports.services import report_assign
from tests.contractors.conftest import publish_all
from tests.reports.factories import make_report
from tests.support.broker import private_broker, queued
from tests.support.waiting import eventually
from tests.support.worker import running_worker


def _beat_sweeps() -> None:
    """Run every safety net beat sends within minutes, as beat would (not the hourly and
    weekly housekeeping)."""
    for entry in django_settings.CELERY_BEAT_SCHEDULE.values():
        if isinstance(entry["schedule"], float) and entry["schedule"] <= 300:
            import_string(entry["task"])()


def _link_mails(mailoutbox) -> list:
    return [m for m in mailoutbox if m.to == ["werk@boomzorg.nl"]]


@pytest.mark.django_db(transaction=True)
def test_a_link_mail_the_broker_never_got_is_sent_by_beat_once_the_broker_is_back(
    tmp_path, link_firm, dispatcher, settings, mailoutbox, caplog
):
    # A worker started earlier in the run may have left the root logger at ERROR.
    caplog.set_level(logging.WARNING, logger="backend.common.dispatch")
    # Due at once: no waiting for a task that never came.
    settings.CONTRACTOR_LINK_MAIL_RETRY_SECONDS = 0
    report = make_report()
    with private_broker(tmp_path) as broker:
        broker.stop()
        # The offer commits with the broker away; its link mail task cannot be queued.
        report_assign(report_id=report.id, actor=ActorRef.staff(dispatcher), contractor=link_firm)
        publish_all()
        assignment = Assignment.objects.get(report=report)
        assert assignment.state == "offered"
        assert not AssignmentLink.objects.exists() and _link_mails(mailoutbox) == []

        # A fresh, empty Redis: nothing queued before the outage survived it.
        broker.start()
        with running_worker(celery_app):
            _beat_sweeps()
            eventually(
                lambda: _link_mails(mailoutbox),
                timeout=20,
                message="beat's sweeps never sent the link mail",
            )
        [message] = _link_mails(mailoutbox)
        assert "/contractor/link/" in message.body
        assert AssignmentLink.objects.filter(assignment=assignment).count() == 1

        # Sent once: the next sweeps queue nothing, and a duplicate task sends nothing.
        _beat_sweeps()
        assert queued(broker) == 0
        assert assignment_link_send_task(str(assignment.id)) == "skipped"
        assert len(_link_mails(mailoutbox)) == 1
    assert "broker unavailable; 1 contractor link mails wait for the sweep" in caplog.text
