"""The city-level map's cells: every report counted per grid cell, status, category and
department, rebuilt whole by beat (MAP_CELLS_SECONDS).

At city zoom a map covers most reports; counting them per request read every row (a million:
over half a second). The cells hold some tens of thousands of rows; a map sums those in its
bbox. They run up to one rebuild behind the reports, which a city-wide cluster count can be;
from zoom 15 on, and for any filter beyond status, category and department, the map counts
the reports themselves (selectors_overview.reports_map_for).
"""

from django.db import connection, transaction
from django.utils import timezone

from ..map_grid import MAP_CELL_DEGREES
from ..models import MapCell, MapCellsBuilt


def map_cells_rebuild() -> int:
    """Count the reports into the cells again; returns how many cells hold reports. One
    transaction: a map reads the previous cells until the new ones are committed."""
    cells = MapCell._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {cells}")  # noqa: S608 - the model's own table
        cursor.execute(
            f"""
            INSERT INTO {cells} (x, y, status, category_id, department_id, n, sum_lon, sum_lat)
            SELECT floor(ST_X(location) / %s)::int, floor(ST_Y(location) / %s)::int,
                   status, category_id, department_id,
                   count(*), sum(ST_X(location)), sum(ST_Y(location))
            FROM reports_report
            GROUP BY 1, 2, 3, 4, 5
            """,  # noqa: S608 - table names are the models' own, values are parameters
            [MAP_CELL_DEGREES, MAP_CELL_DEGREES],
        )
        count = cursor.rowcount
        MapCellsBuilt.objects.update_or_create(pk=1, defaults={"built_at": timezone.now()})
    return count
