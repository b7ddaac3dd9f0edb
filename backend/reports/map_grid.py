"""The map's grid below street zoom: a cell is 64 px, a quarter of a 256-pixel tile, wide.

Cells nest: a cell at zoom z is 2 ** (14 - z) cells of zoom 14 across, so counts kept per
zoom-14 cell (services/overview_cells.py) add up exactly to any lower zoom's."""

# From this zoom on every report is its own point; below it they are counted per grid cell.
STREET_ZOOM = 16
_CELL_TILES = 0.25
# The cells beat keeps counts for (MapCell), and the highest zoom that reads them.
MAP_CELL_ZOOM = 14


def cell_degrees(zoom: int) -> float:
    return 360.0 / 2**zoom * _CELL_TILES


MAP_CELL_DEGREES = cell_degrees(MAP_CELL_ZOOM)
