import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db.models import Q
from django.utils import timezone

from .workflow import Resolution, Status


class SlaStage(models.IntegerChoices):
    NONE = 0
    WARNED = 1  # deadline_warning recorded
    OVERDUE = 2  # overdue recorded


class Report(models.Model):
    class Priority(models.TextChoices):
        LOW = "low"
        NORMAL = "normal"
        HIGH = "high"

    class Source(models.TextChoices):
        APP = "app"
        WEB = "web"
        PHONE = "phone"
        EMAIL = "email"
        OPEN311 = "open311"
        STAFF = "staff"

    class Language(models.TextChoices):
        NL = "nl"
        EN = "en"

    class LocationSource(models.TextChoices):
        RESIDENT = "resident"
        PHOTO_EXIF = "photo_exif"
        STAFF = "staff"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Only a hash: the token itself is re-derived from the id with a server secret.
    tracking_token_hash = models.CharField(max_length=64, unique=True)
    # The human id (M-2026-000123), numbered by the database as the report is stored
    # (reports_short_id(), migration 0010): unique under concurrent intake.
    short_id = models.CharField(max_length=16, unique=True)
    location = models.PointField(srid=4326, spatial_index=True)
    location_source = models.CharField(
        max_length=20, choices=LocationSource.choices, default=LocationSource.RESIDENT
    )
    text = models.TextField(max_length=4000)
    # The text's words under the Dutch and the English configuration, kept with the row: a
    # search that walks the newest reports tests each row's stored vector instead of parsing
    # its text again, and the GIN index (report_search_vector) finds rare words.
    search_vector = models.GeneratedField(
        expression=SearchVector("text", config="dutch") + SearchVector("text", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    category = models.ForeignKey(
        "taxonomy.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A dispatcher set or confirmed the category: the report is a labelled example for the
    # classifier from then on.
    category_verified = models.BooleanField(default=False)
    # The classifier's best guess at intake, kept to measure it against what dispatchers do.
    suggested_category = models.ForeignKey(
        "taxonomy.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suggestion_probability = models.FloatField(null=True, blank=True)
    # The suggestion set the category (the resident gave none and it was confident enough).
    suggestion_applied = models.BooleanField(default=False)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.RECEIVED)
    resolution = models.CharField(max_length=30, choices=Resolution.choices, blank=True)
    # Where an answered information request sends the report back to.
    status_before_info_request = models.CharField(max_length=30, choices=Status.choices, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.APP)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.NL)
    reporter_email = models.EmailField(blank=True)
    reporter_phone = models.CharField(max_length=32, blank=True)
    allow_contact = models.BooleanField(default=False)
    contact_erased_at = models.DateTimeField(null=True, blank=True)
    department = models.ForeignKey(
        "taxonomy.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The external organisation doing the work, if any; the department stays responsible.
    contractor = models.ForeignKey(
        "organisations.Contractor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    # Set when staff merge this report into another as a duplicate: its resident follows that one.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_reports"
    )
    # A dispatcher's hand-made assignment is never overridden by automatic re-routing.
    assigned_manually = models.BooleanField(default=False)
    needs_triage = models.BooleanField(default=False)
    deadline = models.DateTimeField(null=True, blank=True)
    # How far the SLA job has got with this report: each stage's event is recorded once
    # (services/sla.py).
    sla_stage = models.PositiveSmallIntegerField(choices=SlaStage.choices, default=SlaStage.NONE)
    areas = models.ManyToManyField("geo.Area", blank=True, related_name="+")
    # The nearest loaded address (settings.ADDRESS_NEAREST_MAX_METRES), set at intake and when
    # staff move the report; none without an address extract.
    address = models.ForeignKey(
        "geo.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_event_seq = models.PositiveIntegerField(default=0)
    # Set by the service, so the deadline and the creation time are the same instant.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # With the id, a count by status (and by status and area) reads the index alone.
            models.Index(
                fields=["status", "-created_at"], include=["id"], name="report_status_created_id"
            ),
            models.Index(fields=["category", "created_at"], name="report_category_created"),
            models.Index(fields=["department", "status"], name="report_department_status"),
            # The SLA job's question: open reports with a deadline whose events are not all
            # recorded yet, by deadline. Small: a report leaves it when closed or overdue.
            models.Index(
                fields=["deadline"],
                condition=Q(deadline__isnull=False, closed_at__isnull=True, sla_stage__lt=2),
                name="report_sla_pending",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed", resolution__gt="") | ~Q(status="closed"),
                name="report_closed_has_resolution",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class Attachment(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"
        READY = "ready"
        FAILED = "failed"

    class Kind(models.TextChoices):
        RESIDENT = "resident"
        STAFF = "staff"
        CONTRACTOR = "contractor"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RESIDENT)
    position = models.PositiveSmallIntegerField(default=0)
    # The raw upload, relative to PRIVATE_MEDIA_ROOT. Emptied once processing has finished:
    # the original may carry the resident's position and camera serial.
    original_path = models.CharField(max_length=300, blank=True)
    original_mime_type = models.CharField(max_length=50)
    original_size = models.PositiveIntegerField()
    # Processed copies, relative to MEDIA_ROOT: metadata-free, safe to serve.
    file = models.CharField(max_length=300, blank=True)
    thumbnail = models.CharField(max_length=300, blank=True)
    mime_type = models.CharField(max_length=50, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a task last started on it: a pending photo whose claim has gone stale lost its worker
    # (killed mid-photo) and is given to another without waiting for the broker's redelivery.
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["report", "position"]
        indexes = [models.Index(fields=["state", "created_at"], name="attachment_state_created")]


class Note(models.Model):
    """An internal note by staff. Never shown to the resident."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class ReportEvent(models.Model):
    """One entry of a report's append-only history.

    Written in the same transaction as the change it records. It is the audit trail (who did
    what), the resident's timeline (public events, public payload only) and the source of every
    push. A database trigger refuses UPDATE and DELETE.
    """

    class Type(models.TextChoices):
        CREATED = "created"
        STATUS_CHANGED = "status_changed"
        ASSIGNED = "assigned"
        # Which rule of which rule set version decided, and on what (internal).
        ROUTED = "routed"
        CATEGORY_CHANGED = "category_changed"
        CATEGORY_CONFIRMED = "category_confirmed"
        CLASSIFIED = "classified"
        PRIORITY_CHANGED = "priority_changed"
        LOCATION_CHANGED = "location_changed"
        TRIAGE_CHANGED = "triage_changed"
        NOTE_ADDED = "note_added"
        PHOTO_PROCESSED = "photo_processed"
        PHOTO_FAILED = "photo_failed"
        # The contractor's assignment lifecycle (backend/contractors); internal events.
        ASSIGNMENT_OFFERED = "assignment_offered"
        ASSIGNMENT_ACCEPTED = "assignment_accepted"
        ASSIGNMENT_REJECTED = "assignment_rejected"
        ASSIGNMENT_PROGRESS = "assignment_progress"
        ASSIGNMENT_COMPLETED = "assignment_completed"
        ASSIGNMENT_WITHDRAWN = "assignment_withdrawn"
        # The resident's answers and the push channels (backend/notifications).
        RESIDENT_REPLIED = "resident_replied"
        FEEDBACK_RECEIVED = "feedback_received"
        MERGED = "merged"
        DUPLICATE_MERGED = "duplicate_merged"
        FOLLOWER_ADDED = "follower_added"
        FOLLOWER_CONFIRMED = "follower_confirmed"
        MAIL_FAILED = "mail_failed"
        PUSH_FAILED = "push_failed"
        CONTACT_ERASED = "contact_erased"
        # Photos the resident sent after filing (Signalen's apps upload them one by one).
        PHOTOS_ADDED = "photos_added"
        # Service levels (services/sla.py); internal events.
        DEADLINE_WARNING = "deadline_warning"
        OVERDUE = "overdue"

    # No index of its own: the unique (report, seq) constraint's index leads with report_id and
    # serves every lookup by report; a second one only costs each of the events a report gets.
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=40)
    # Whether the resident sees this event on the timeline and gets it pushed.
    is_public = models.BooleanField(default=False)
    actor_kind = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the resident may see. Never contact details, internal notes or people's names.
    public_payload = models.JSONField(default=dict, blank=True)
    internal_payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["report", "seq"], name="report_event_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}#{self.seq} {self.type}"


class OutboxEntry(models.Model):
    """An event waiting to be fanned out. Swept by beat until published, so an event committed
    while Redis or the worker was away is still delivered once they are back."""

    event = models.OneToOneField(ReportEvent, on_delete=models.PROTECT, related_name="outbox")
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    # Subscribers that already have this event: a retry after a partial failure skips them,
    # so nobody gets an event twice because someone else failed.
    delivered_to = models.JSONField(default=list, blank=True)
    last_error = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(published_at__isnull=True),
                name="outbox_pending",
            ),
            # The drain's question: entries never tried yet, oldest first.
            models.Index(
                fields=["id"],
                condition=Q(published_at__isnull=True, attempts=0),
                name="outbox_fresh",
            ),
        ]


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key for report intake, with what the first request produced."""

    key = models.CharField(max_length=255, unique=True)
    fingerprint = models.CharField(max_length=64)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    # The 201 body minus the tracking token (which is re-derived, never stored).
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class WorkQueue(models.Model):
    """A dispatcher's saved filter: the list's query parameters, as the list validates them.
    Its owner's alone, or shared with everyone of a department."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    # The list's query parameters ({"status": "received", "area": "district:centrum"}).
    filters = models.JSONField(default=dict, blank=True)
    shared_with = models.ForeignKey(
        "taxonomy.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="work_queue_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class StandardText(models.Model):
    """A text staff may send the resident with a status change, kept by administrators
    (Signalen's standaardteksten). Without one for a status the workflow's own text serves."""

    status = models.CharField(max_length=30, choices=Status.choices)
    title = models.CharField(max_length=80)
    text_nl = models.TextField(max_length=2000)
    text_en = models.TextField(max_length=2000, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "position", "title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["status", "title"], name="standard_text_unique_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def text(self, language: str) -> str:
        return self.text_en if language == "en" and self.text_en else self.text_nl


class StandardTextRevision(models.Model):
    """Append-only: who wrote, changed or removed which standard text, and what it said then.
    Kept when the text itself is removed (its id is a plain number, not a key)."""

    class Action(models.TextChoices):
        CREATED = "created"
        CHANGED = "changed"
        REMOVED = "removed"

    standard_text_id = models.BigIntegerField(db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    status = models.CharField(max_length=30, choices=Status.choices)
    title = models.CharField(max_length=80)
    text_nl = models.TextField(max_length=2000)
    text_en = models.TextField(max_length=2000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]


class MapCell(models.Model):
    """The city-level map's counts, rebuilt by beat (services/overview_cells.py): reports per grid
    cell of MAP_CELL_DEGREES, status, category and department, with their coordinates summed
    for a cluster's centre. A map at city zoom whose filter is only these reads some thousands
    of rows instead of every report."""

    x = models.IntegerField()
    y = models.IntegerField()
    status = models.CharField(max_length=30)
    # Plain numbers, not keys: the table is rebuilt whole, never joined.
    category_id = models.IntegerField(null=True)
    department_id = models.IntegerField(null=True)
    n = models.IntegerField()
    sum_lon = models.FloatField()
    sum_lat = models.FloatField()


class StatsCell(models.Model):
    """The statistics' counts, rebuilt with the map's cells (services/overview_cells.py):
    reports per day of their making (the municipality's day), status, category and department;
    of them how many were closed, closed with a deadline, and closed by it."""

    day = models.DateField()
    status = models.CharField(max_length=30)
    category_id = models.IntegerField(null=True)
    department_id = models.IntegerField(null=True)
    n = models.IntegerField()
    closed = models.IntegerField()
    closed_with_deadline = models.IntegerField()
    closed_on_time = models.IntegerField()


class AreaCell(models.Model):
    """The statistics' counts per area of STATS_AREA_TYPE, day made, status, category and
    department, rebuilt with them."""

    area_id = models.IntegerField()
    day = models.DateField()
    status = models.CharField(max_length=30)
    category_id = models.IntegerField(null=True)
    department_id = models.IntegerField(null=True)
    n = models.IntegerField()


class OverviewCellsBuilt(models.Model):
    """When the map's and the statistics' cells were last rebuilt (one row); none: never."""

    built_at = models.DateTimeField()
