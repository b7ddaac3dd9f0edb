"""The overviews' cells: totals of every report that the city-level map and the statistics
read instead of the reports themselves, rebuilt whole by beat (OVERVIEW_CELLS_SECONDS).

At city zoom a map covers most reports, and the statistics over everything cover all of them;
counting them per request read every row (a million: half a second for the map, more than a
second for the statistics). The cells hold some tens of thousands of rows:

- MapCell: per zoom-14 grid cell, status, category and department, the reports' coordinates
  summed for a cluster's centre;
- StatsCell: per day made (the municipality's day), status, category and department, with the
  closed, the closed with a deadline and the closed by it;
- AreaCell: per area of STATS_AREA_TYPE, day made, status, category and department.

They run up to one rebuild behind the reports. Only a filter of status, category and department
(and, for the statistics, a range of whole days) is answered from them (selectors_cells);
any other counts the reports themselves.
"""

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ..map_grid import MAP_CELL_DEGREES
from ..models import AreaCell, MapCell, OverviewCellsBuilt, StatsCell

# The models' own tables; every value below is a parameter.
_MAP = f"""
    INSERT INTO {MapCell._meta.db_table}
        (x, y, status, category_id, department_id, n, sum_lon, sum_lat)
    SELECT floor(ST_X(location) / %s)::int, floor(ST_Y(location) / %s)::int,
           status, category_id, department_id,
           count(*), sum(ST_X(location)), sum(ST_Y(location))
    FROM reports_report
    GROUP BY 1, 2, 3, 4, 5
"""  # noqa: S608
_STATS = f"""
    INSERT INTO {StatsCell._meta.db_table}
        (day, status, category_id, department_id, n, closed, closed_with_deadline,
         closed_on_time)
    SELECT (created_at AT TIME ZONE %s)::date, status, category_id,
           department_id, count(*),
           count(*) FILTER (WHERE closed_at IS NOT NULL),
           count(*) FILTER (WHERE closed_at IS NOT NULL AND deadline IS NOT NULL),
           count(*) FILTER (WHERE closed_at IS NOT NULL AND closed_at <= deadline)
    FROM reports_report
    GROUP BY 1, 2, 3, 4
"""  # noqa: S608
_AREAS = f"""
    INSERT INTO {AreaCell._meta.db_table} (area_id, day, status, category_id, department_id, n)
    SELECT ra.area_id, (r.created_at AT TIME ZONE %s)::date, r.status, r.category_id,
           r.department_id, count(*)
    FROM reports_report_areas ra
    JOIN geo_area a ON a.id = ra.area_id AND a.type = %s
    JOIN reports_report r ON r.id = ra.report_id
    GROUP BY 1, 2, 3, 4, 5
"""  # noqa: S608


def overview_cells_rebuild() -> int:
    """Count the reports into the cells again; returns how many map cells hold reports. One
    transaction: a request reads the previous cells until the new ones are committed."""
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (MapCell, StatsCell, AreaCell):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608
        cursor.execute(_MAP, [MAP_CELL_DEGREES, MAP_CELL_DEGREES])
        count = cursor.rowcount
        cursor.execute(_STATS, [settings.TIME_ZONE])
        cursor.execute(_AREAS, [settings.TIME_ZONE, settings.STATS_AREA_TYPE])
        OverviewCellsBuilt.objects.update_or_create(pk=1, defaults={"built_at": timezone.now()})
    return count
