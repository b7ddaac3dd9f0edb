import uuid

from django.db import models
from django.db.models import Q


class Subscription(models.Model):
    """Someone who hears about a report's public events by e-mail or web push.

    The reporter (when they gave an address and consent), residents who follow the report, and
    the followers of a duplicate merged into it. Unsubscribing or erasure deletes the row.
    """

    class Channel(models.TextChoices):
        EMAIL = "email"
        PUSH = "push"

    class Origin(models.TextChoices):
        REPORTER = "reporter"
        FOLLOWER = "follower"
        MERGED = "merged"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, related_name="subscriptions"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    language = models.CharField(max_length=2, default="nl")
    email = models.EmailField(blank=True)
    endpoint = models.URLField(max_length=1000, blank=True)
    p256dh = models.CharField(max_length=200, blank=True)
    auth = models.CharField(max_length=100, blank=True)
    # Only the hash of the unsubscribe token; the token is re-derived from the id for each mail.
    unsubscribe_token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    # A follower's e-mail address gets mail only once its owner confirmed it (double opt-in: a
    # follow token is enough to subscribe, and anyone can type anyone's address). The reporter's
    # own address and push subscriptions are confirmed when made. Events from before this moment
    # are not sent.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Only the hash of the confirmation token, until it is used; re-derived for the mail.
    confirm_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "email"],
                condition=Q(channel="email"),
                name="subscription_unique_email",
            ),
            models.UniqueConstraint(
                fields=["report", "endpoint"],
                condition=Q(channel="push"),
                name="subscription_unique_endpoint",
            ),
            models.CheckConstraint(
                condition=(Q(channel="email") & ~Q(email=""))
                | (Q(channel="push") & ~Q(endpoint="")),
                name="subscription_has_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} subscription to {self.report_id}"


class Delivery(models.Model):
    """One event to one subscription over its channel: at most once, retried until it went."""

    class State(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"
        # The recipient went away (unsubscribed, erased, push subscription gone).
        DROPPED = "dropped"

    event = models.ForeignKey("reports.ReportEvent", on_delete=models.CASCADE, related_name="+")
    # Null once the subscription is gone: the row stays as a record that the event was handled.
    subscription = models.ForeignKey(
        Subscription, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The recipient, fixed at creation: the unique key even after the subscription is deleted.
    recipient = models.UUIDField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # Set (and committed) just before a mail is handed to the mail server, cleared with the
    # outcome: one left set is a send whose worker died; it is tried again, same Message-ID,
    # once MAIL_ATTEMPT_SECONDS have passed (backend/notifications/delivery.py).
    attempted_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"event {self.event_id} to {self.recipient}: {self.state}"


class MailDelivery(Delivery):
    objects = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient"], name="mail_delivery_unique"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="mail_delivery_pending",
            )
        ]


class PushDelivery(Delivery):
    objects = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient"], name="push_delivery_unique"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="push_delivery_pending",
            )
        ]


class Feedback(models.Model):
    """The resident's verdict on a closing: one per closing (the closing event's seq)."""

    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="+")
    closing_seq = models.PositiveIntegerField()
    satisfied = models.BooleanField()
    text = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "closing_seq"], name="feedback_per_closing"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}#{self.closing_seq} satisfied={self.satisfied}"


class MailTemplate(models.Model):
    """An administrator's override of a file template (backend/notifications/templates/...).

    Chosen most specific first: status + category, then status alone. Subject and body are
    Django templates with the same context as the file defaults.
    """

    class Language(models.TextChoices):
        NL = "nl"
        EN = "en"

    # "created", a status ("closed", "info_requested", ...), or "status_changed" for any.
    kind = models.CharField(max_length=40)
    category = models.ForeignKey(
        "taxonomy.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(max_length=2, choices=Language.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "category", "language"],
                name="mail_template_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        scope = f" / {self.category}" if self.category_id else ""
        return f"{self.kind}{scope} ({self.language})"
