"""Domain settings: what a municipality tunes without touching code."""

from .env import BASE_DIR, env

# Photos
PHOTO_MAX_COUNT = env.int("PHOTO_MAX_COUNT", default=5)
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=15 * 1024 * 1024)
# A photo task that started this long ago without finishing lost its worker: the sweep (every
# PHOTO_SWEEP_SECONDS) gives the photo to another. Far longer than any photo takes.
PHOTO_CLAIM_SECONDS = env.int("PHOTO_CLAIM_SECONDS", default=30)
# A photo no task ever started on this long after upload: the broker lost or never got it.
PHOTO_UNCLAIMED_SECONDS = env.int("PHOTO_UNCLAIMED_SECONDS", default=300)
PHOTO_SWEEP_SECONDS = env.float("PHOTO_SWEEP_SECONDS", default=20.0)
# The largest body any request may declare (Content-Length): every photo of a report at its
# largest, and room for the rest of the form. A larger one is refused before it is read.
REQUEST_BODY_MAX_BYTES = env.int(
    "REQUEST_BODY_MAX_BYTES", default=PHOTO_MAX_COUNT * PHOTO_MAX_BYTES + 1024 * 1024
)
# What a photo, and all the photos of one request together, may declare, read from their
# headers inside the request (the worker decodes them; decoding costs memory and time by the
# pixel, not by the byte). 64 MP per photo covers every phone camera at full resolution
# (a 50 MP sensor writes up to 8160x6144) and stays under Pillow's own decompression-bomb
# limit (89.5 MP); more is treated as a bomb. 150 MP per request: five 24 MP photos, or three
# at 50 MP.
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=64_000_000)
PHOTO_REQUEST_MAX_PIXELS = env.int("PHOTO_REQUEST_MAX_PIXELS", default=150_000_000)
PHOTO_MAX_SIDE = env.int("PHOTO_MAX_SIDE", default=2048)
PHOTO_THUMBNAIL_SIDE = env.int("PHOTO_THUMBNAIL_SIDE", default=320)

# Intake
REPORT_TEXT_MAX_LENGTH = 4000
DUPLICATE_RADIUS_METRES = env.float("DUPLICATE_RADIUS_METRES", default=50.0)
DUPLICATE_WINDOW_DAYS = env.int("DUPLICATE_WINDOW_DAYS", default=30)
# A report's human id, for phone calls and mails: PREFIX-YEAR-NUMBER (M-2026-000123), the year
# of its creation in TIME_ZONE, numbered per year.
SHORT_ID_PREFIX = env.str("SHORT_ID_PREFIX", default="M")
# A report is tied to the nearest loaded address within this distance (none when farther).
ADDRESS_NEAREST_MAX_METRES = env.float("ADDRESS_NEAREST_MAX_METRES", default=100.0)
# Service levels: a report gets `deadline_warning` once this share of the time from its
# creation to its deadline has passed, and `overdue` after; beat looks every
# SLA_CHECK_SECONDS, at most SLA_BATCH_SIZE reports a run (the rest the next run).
SLA_WARNING_SHARE = env.float("SLA_WARNING_SHARE", default=0.8)
SLA_BATCH_SIZE = env.int("SLA_BATCH_SIZE", default=500)
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# Category that takes a report nobody could place (the triage queue).
TRIAGE_DEPARTMENT_CODE = env.str("TRIAGE_DEPARTMENT_CODE", default="KCC")
SERVICE_AREA_TYPE = env.str("SERVICE_AREA_TYPE", default="municipality")
# The secret the residents' links (tracking, follow, confirmation, unsubscribe) are derived
# from; SECRET_KEY when empty. Links made with a secret in the fallbacks keep working during a
# rotation (backend/common/tokens.py); a link whose secret is in neither stops working.
TRACKING_TOKEN_SECRET = env.str("TRACKING_TOKEN_SECRET", default="")
TRACKING_TOKEN_SECRET_FALLBACKS = env.list("TRACKING_TOKEN_SECRET_FALLBACKS", default=[])

# Outbox
OUTBOX_RETRY_AFTER_SECONDS = env.int("OUTBOX_RETRY_AFTER_SECONDS", default=10)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=50)
# While events keep coming, the drain gathers them this long between batches: a batch has a
# fixed cost (a query and a model pass per subscriber) whatever its size, so under load a pass
# per report or two would spend the worker on overhead. An event on a quiet system is
# published at once; one arriving mid-stream waits at most this long. 0 disables.
OUTBOX_BATCH_WINDOW_MS = env.int("OUTBOX_BATCH_WINDOW_MS", default=25)
# A change of more events than this (a bulk action) leaves its fan-out to the drain task, so
# the request that made it does not wait for hundreds of pushes.
OUTBOX_PUBLISH_HERE_MAX = env.int("OUTBOX_PUBLISH_HERE_MAX", default=50)

# Classification
# At or above this probability the suggested sub category is set at intake; below it the
# report waits for a dispatcher (needs_triage). Amsterdam's Signalen uses 40%.
CLASSIFIER_CONFIDENCE_THRESHOLD = env.float("CLASSIFIER_CONFIDENCE_THRESHOLD", default=0.4)
# How often a process checks whether another model version was activated.
CLASSIFIER_RELOAD_SECONDS = env.float("CLASSIFIER_RELOAD_SECONDS", default=10.0)
# The weekly retraining runs only when at least this many new labelled reports exist.
CLASSIFIER_RETRAIN_MIN_NEW_EXAMPLES = env.int("CLASSIFIER_RETRAIN_MIN_NEW_EXAMPLES", default=50)

# Routing
# The rule files `manage.py routing_rules` reads by default (relative to the project).
ROUTING_RULES_DIR = env.path("ROUTING_RULES_DIR", default=BASE_DIR / "routing_rules")
# How often a process checks whether another rule set version was activated.
ROUTING_RELOAD_SECONDS = env.float("ROUTING_RELOAD_SECONDS", default=5.0)
# How far back a preview of a proposed rule set may look.
ROUTING_PREVIEW_MAX_DAYS = env.int("ROUTING_PREVIEW_MAX_DAYS", default=90)
# Who hears of committed report events: the fan-out table of the composition root.
REPORT_FANOUT = env.str("REPORT_FANOUT", default="backend.config.fanout.FANOUT")
# Where the classifier finds labelled examples beyond its seed corpus (see classification/
# labels.py): reports whose category a dispatcher set or confirmed.
CLASSIFIER_LABELS = env.str("CLASSIFIER_LABELS", default="backend.reports.selectors_classification")

# The standards other apps speak (frontend_api/open311, frontend_api/signals)
# Open311: set when clients must name the jurisdiction; a request naming another is refused.
OPEN311_JURISDICTION_ID = env.str("OPEN311_JURISDICTION_ID", default="")
OPEN311_CONTACT = env.str("OPEN311_CONTACT", default="")
OPEN311_KEY_SERVICE = env.str("OPEN311_KEY_SERVICE", default="")
# Reports listed per GET requests without page_size, and at most with it.
OPEN311_PAGE_SIZE = env.int("OPEN311_PAGE_SIZE", default=1000)
OPEN311_AGENCY = env.str("OPEN311_AGENCY", default="Gemeente")

# Where the dispatchers' list finds the reports whose resident was not satisfied (feedback is
# the notifications app's): a callable returning a subquery of report ids.
REPORTS_WITH_UNSATISFIED_FEEDBACK = env.str(
    "REPORTS_WITH_UNSATISFIED_FEEDBACK",
    default="backend.notifications.selectors.reports_with_unsatisfied_feedback",
)

# The dispatchers' list, map and statistics
# The area type the statistics count reports by.
STATS_AREA_TYPE = env.str("STATS_AREA_TYPE", default="district")
# The largest bbox the list and the map take, in degrees of either side: a country.
SEARCH_BBOX_MAX_DEGREES = env.float("SEARCH_BBOX_MAX_DEGREES", default=5.0)
SEARCH_NEAR_MAX_METRES = env.int("SEARCH_NEAR_MAX_METRES", default=10_000)
# The map at city zoom (14 and below) and the statistics count from totals beat rebuilds this
# often; 0: never, they count the reports themselves. Totals three rebuilds old are not used.
OVERVIEW_CELLS_SECONDS = env.float("OVERVIEW_CELLS_SECONDS", default=60.0)
# Bulk actions take up to this many reports at once (ids, or a filter's matches).
BULK_MAX_REPORTS = env.int("BULK_MAX_REPORTS", default=500)
