"""The overviews' cells (services/overview_cells.py): the clusters and the statistics they give
are those the reports give themselves (the map's also where the bbox's edges cut through
cells); where the cells cannot answer, the reports themselves are counted."""

import math
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.reports.actors import ActorRef
from backend.reports.map_grid import MAP_CELL_DEGREES, MAP_CELL_ZOOM
from backend.reports.models import MapCell, OverviewCellsBuilt, Report
from backend.reports.search import EVERYTHING, ReportFilters, ReportScope, reports_filtered
from backend.reports.selectors_map import reports_map, reports_map_for
from backend.reports.selectors_overview import reports_stats, reports_stats_for
from backend.reports.services import report_transition
from backend.reports.services.overview_cells import overview_cells_rebuild
from backend.taxonomy.selectors import category_by_path, department_by_code
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db

# Spread over a few kilometres of Amsterdam, several to a cell, some on a cell's edge.
PLACES = [
    (52.3731, 4.8926),
    (52.3735, 4.8930),
    (52.3790, 4.9000),
    (52.3600, 4.8800),
    (52.3900, 4.9200),
    (52.3650, 4.9100),
    (52.3700, 4.8500),
    (52.3845, 4.8702),
    # Exactly on a cell's corner, by the Dam.
    (
        math.floor(52.3731 / MAP_CELL_DEGREES) * MAP_CELL_DEGREES,
        math.floor(4.8926 / MAP_CELL_DEGREES) * MAP_CELL_DEGREES,
    ),
]
CATEGORIES = ["afval/container-is-vol", "wegen-verkeer-straatmeubilair/straatverlichting"]


@pytest.fixture
def spread():
    reports = []
    for n, place in enumerate(PLACES):
        for m in range(2):
            reports.append(make_report(at=place, category=CATEGORIES[(n + m) % 2]))
    return reports


def _clusters(points):
    return sorted((p.count, round(p.lon, 9), round(p.lat, 9)) for p in points)


def _both(filters, zoom, scope=EVERYTHING, *, cells=True):
    with CaptureQueriesContext(connection) as asked:
        from_cells, _ = reports_map_for(filters, scope=scope, zoom=zoom)
    # The cells were read, or (cells=False) the reports alone were.
    assert any('"reports_mapcell"' in q["sql"] for q in asked.captured_queries) is cells
    themselves, _ = reports_map(reports_filtered(filters, scope=scope), zoom=zoom)
    return _clusters(from_cells), _clusters(themselves)


def test_the_rebuild_counts_every_report_once(spread):
    assert overview_cells_rebuild() > 1
    assert sum(MapCell.objects.values_list("n", flat=True)) == len(spread)
    assert OverviewCellsBuilt.objects.get().built_at > timezone.now() - timedelta(seconds=5)


@pytest.mark.parametrize("zoom", [10, 12, MAP_CELL_ZOOM])
@pytest.mark.parametrize(
    "bbox",
    [
        None,
        (4.80, 52.33, 4.98, 52.41),  # cuts through cells on every side
        (4.8926, 52.3731, 4.92, 52.39),  # edges through reports' own places
    ],
)
def test_the_clusters_from_the_cells_are_those_of_the_reports(spread, zoom, bbox):
    overview_cells_rebuild()
    from_cells, themselves = _both(ReportFilters(bbox=bbox), zoom)
    assert from_cells == themselves and sum(c[0] for c in from_cells) > 0


def test_status_category_department_and_a_departments_scope_are_answered_alike(spread):
    overview_cells_rebuild()
    bbox = (4.80, 52.33, 4.98, 52.41)
    for filters in (
        ReportFilters(statuses=["received"], bbox=bbox),
        ReportFilters(category=category_by_path("afval"), bbox=bbox),
        ReportFilters(category=category_by_path("afval/container-is-vol")),
        ReportFilters(department=department_by_code("ASC")),
    ):
        from_cells, themselves = _both(filters, 12)
        assert from_cells == themselves, filters
    waste = ReportScope(department_id=department_by_code("ASC").pk)
    from_cells, themselves = _both(ReportFilters(), 12, scope=waste)
    assert from_cells == themselves and sum(c[0] for c in from_cells) == len(spread) // 2


def test_the_cells_lag_until_the_next_rebuild_and_are_not_used_when_stale(spread, settings):
    overview_cells_rebuild()
    make_report(at=PLACES[0])
    counted = sum(p.count for p in reports_map_for(ReportFilters(), scope=EVERYTHING, zoom=12)[0])
    assert counted == len(spread)  # as of the rebuild
    too_old = timezone.now() - timedelta(seconds=3 * settings.OVERVIEW_CELLS_SECONDS + 1)
    OverviewCellsBuilt.objects.update(built_at=too_old)
    counted = sum(p.count for p in reports_map_for(ReportFilters(), scope=EVERYTHING, zoom=12)[0])
    assert counted == len(spread) + 1  # the reports themselves
    settings.OVERVIEW_CELLS_SECONDS = 0  # switched off: never the cells
    overview_cells_rebuild()
    make_report(at=PLACES[1])
    counted = sum(p.count for p in reports_map_for(ReportFilters(), scope=EVERYTHING, zoom=12)[0])
    assert counted == len(spread) + 2


def test_other_filters_and_street_level_zooms_count_the_reports_themselves(spread):
    overview_cells_rebuild()
    make_report(at=PLACES[0])
    # A filter the cells do not keep (a text search), and a zoom above theirs.
    from_cells, themselves = _both(ReportFilters(q="container"), 12, cells=False)
    assert from_cells == themselves
    counted = sum(
        p.count
        for p in reports_map_for(ReportFilters(), scope=EVERYTHING, zoom=MAP_CELL_ZOOM + 1)[0]
    )
    assert counted == len(spread) + 1


def test_beat_rebuilds_the_cells_on_the_bookkeeping_queue():
    entry = django_settings.CELERY_BEAT_SCHEDULE["overview-cells"]
    assert entry["task"] == "backend.reports.tasks.overview_cells_rebuild_task"
    assert entry["schedule"] == django_settings.OVERVIEW_CELLS_SECONDS
    routes = django_settings.CELERY_TASK_ROUTES
    assert routes["backend.reports.tasks.overview_cells_rebuild_task"] == {"queue": "bookkeeping"}


# --- the statistics ------------------------------------------------------------------------


def _closed(spread, hours: list[float], late: set[int]):
    """Close the first reports of `spread`, each after its number of hours; those in `late`
    after their deadline."""
    now = timezone.now()
    for n, handled in enumerate(hours):
        report = spread[n]
        report_transition(
            report_id=report.id, actor=ActorRef.staff(None), to="closed", resolution="fixed"
        )
        created = now - timedelta(hours=handled)
        deadline = now - timedelta(minutes=1) if n in late else now + timedelta(days=1)
        # The times a real history would have; the service stamps closed_at now.
        Report.objects.filter(pk=report.pk).update(created_at=created, deadline=deadline)


def _stats_both(filters, scope=EVERYTHING):
    with CaptureQueriesContext(connection) as asked:
        from_cells = reports_stats_for(filters, scope=scope, area_type="district")
    assert any('"reports_statscell"' in q["sql"] for q in asked.captured_queries)
    themselves = reports_stats(reports_filtered(filters, scope=scope), area_type="district")
    return from_cells, themselves


@pytest.mark.parametrize("closing", [[1.5, 30, 4, 200.25, 12], [1.5, 30, 4, 200.25]])
def test_the_statistics_from_the_cells_are_those_of_the_reports(spread, closing):
    _closed(spread, closing, late={1, 3})
    overview_cells_rebuild()
    waste = ReportScope(department_id=department_by_code("ASC").pk)
    for filters, scope in (
        (ReportFilters(), EVERYTHING),
        (ReportFilters(statuses=["closed"]), EVERYTHING),
        (ReportFilters(category=category_by_path("afval")), EVERYTHING),
        (ReportFilters(department=department_by_code("ASC")), EVERYTHING),
        (ReportFilters(), waste),
    ):
        from_cells, themselves = _stats_both(filters, scope)
        assert from_cells == themselves, filters
    everything, _ = _stats_both(ReportFilters())
    # An odd and an even number closed: the middle one, or the mean of the middle two.
    middle = sorted(closing)[(len(closing) - 1) // 2 : len(closing) // 2 + 1]
    assert everything.median_handling_hours == pytest.approx(sum(middle) / len(middle), abs=0.01)
    assert everything.on_time_share == round((len(closing) - 2) / len(closing), 4)
    assert everything.total == len(spread) and sum(everything.by_area.values()) > 0


def test_other_filters_count_the_reports_themselves_for_the_statistics(spread):
    overview_cells_rebuild()
    with CaptureQueriesContext(connection) as asked:
        stats = reports_stats_for(
            ReportFilters(q="container"), scope=EVERYTHING, area_type="district"
        )
    assert not any('"reports_statscell"' in q["sql"] for q in asked.captured_queries)
    assert stats.total == len(spread)


def _spread_over_days(spread):
    """The reports made over the last three weeks, some at a day's first and last moment."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    for n, report in enumerate(spread):
        made = today - timedelta(days=n, seconds=0 if n % 3 else -1)
        if n % 4 == 0:
            made -= timedelta(seconds=1)  # the last moment of the day before
        Report.objects.filter(pk=report.pk).update(created_at=made)
    return today


def test_statistics_over_whole_days_come_from_the_cells_and_agree(spread):
    _closed(spread, [3, 50, 7], late={0})
    today = _spread_over_days(spread)
    overview_cells_rebuild()
    for after, before in (
        (today - timedelta(days=7), None),
        (None, today - timedelta(days=3)),
        (today - timedelta(days=10), today - timedelta(days=2)),
    ):
        filters = ReportFilters(created_after=after, created_before=before)
        from_cells, themselves = _stats_both(filters)
        assert from_cells == themselves, (after, before)
        assert 0 < from_cells.total < len(spread)
    waste = ReportScope(department_id=department_by_code("ASC").pk)
    filters = ReportFilters(
        created_after=today - timedelta(days=9), department=department_by_code("OVL")
    )
    from_cells, themselves = _stats_both(filters, waste)
    assert from_cells == themselves and from_cells.total == 0  # another department's


def test_statistics_from_a_moment_within_a_day_count_the_reports(spread):
    today = _spread_over_days(spread)
    overview_cells_rebuild()
    within = ReportFilters(created_after=today - timedelta(days=5, hours=3))
    with CaptureQueriesContext(connection) as asked:
        stats = reports_stats_for(within, scope=EVERYTHING, area_type="district")
    assert not any('"reports_statscell"' in q["sql"] for q in asked.captured_queries)
    assert stats == reports_stats(reports_filtered(within, scope=EVERYTHING), area_type="district")
