"""The server-rendered pages (the resident's app, and what else is built on the same parts):
their templates, the front-end packages they serve, the map."""

from .env import BASE_DIR, env

# Front-end packages come from package.json + package-lock.json (`npm ci` in
# scripts/bootstrap.sh) and are served by the app itself, never from a CDN: only the
# distribution folders the pages use are exposed, each under vendor/<name>/.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "frontend_api" / "resident" / "static",
    BASE_DIR / "frontend_api" / "console" / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/markercluster", NODE_MODULES / "leaflet.markercluster" / "dist"),
]
# Static files are stored compressed (storage.py's STORAGES["staticfiles"]).

# The map's background tiles: a URL template such as
# "https://tile.openstreetmap.org/{z}/{x}/{y}.png" (security.py allows its origin in the CSP's
# img-src). Empty: the municipality's area outlines are the background, so the
# map works offline and in tests, and no resident's position goes to a tile server.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
# Which areas (backend/geo types) the maps draw, comma-separated; empty: all of them.
MAP_AREA_TYPES = env.list("MAP_AREA_TYPES", default=[])
