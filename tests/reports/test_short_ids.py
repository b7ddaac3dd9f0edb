"""Every report gets a human id as it is stored: PREFIX-YEAR-NUMBER, the year the
municipality's, numbered per year by the database, never twice."""

import re
import threading
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from backend.reports.models import Report
from tests.reports.factories import make_report

SHORT_ID = re.compile(r"^M-(\d{4})-(\d{6,})$")


@pytest.mark.django_db
def test_intake_numbers_each_report_in_its_year():
    first, second = make_report(), make_report()
    year = timezone.localtime(first.created_at).year
    for report in (first, second):
        assert SHORT_ID.match(report.short_id), report.short_id
        # what the service answers is what was stored
        assert Report.objects.get(pk=report.pk).short_id == report.short_id
    number = int(SHORT_ID.match(first.short_id).group(2))
    assert first.short_id.startswith(f"M-{year}-")
    assert second.short_id == f"M-{year}-{number + 1:06d}"


@pytest.mark.django_db
def test_the_year_is_the_municipalitys_and_the_prefix_a_setting(settings, monkeypatch):
    settings.SHORT_ID_PREFIX = "AMS"
    # 23:30 UTC on New Year's Eve is already the new year in Amsterdam.
    new_years_eve = datetime(2030, 12, 31, 23, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: new_years_eve)
    report = make_report()
    assert report.short_id == "AMS-2031-000001"
    assert make_report().short_id == "AMS-2031-000002"


@pytest.mark.django_db
def test_numbers_past_a_million_keep_every_digit():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reports_short_id('M', 2040)")
        cursor.execute("SELECT setval('reports_short_id_2040', 999999)")
        cursor.execute("SELECT reports_short_id('M', 2040)")
        assert cursor.fetchone()[0] == "M-2040-1000000"


@pytest.mark.django_db(transaction=True)
def test_two_intakes_at_once_get_different_ids():
    """Threads with their own connections, started together, in the first intake of a year
    (both may find its sequence missing and make it) and after."""
    barrier = threading.Barrier(4)
    made: list[str] = []
    errors: list[BaseException] = []

    def intake() -> None:
        try:
            barrier.wait()
            made.append(make_report().short_id)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=intake) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(made) == 4 and len(set(made)) == 4, made
    assert sorted(Report.objects.values_list("short_id", flat=True)) == sorted(made)


@pytest.mark.django_db
def test_the_short_id_is_required_and_unique():
    report = make_report()
    assert not Report._meta.get_field("short_id").null
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=make_report().pk).update(short_id=report.short_id)
