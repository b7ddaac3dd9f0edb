import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Assignment(models.Model):
    """One offer of one report to one contractor, and what the contractor did with it."""

    class State(models.TextChoices):
        # Labels: the one-time-link page shows them to the contractor, in their language.
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (State.OFFERED, State.ACCEPTED, State.IN_PROGRESS)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(
        "reports.Report", on_delete=models.PROTECT, related_name="assignments"
    )
    contractor = models.ForeignKey(
        "organisations.Contractor", on_delete=models.PROTECT, related_name="assignments"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.OFFERED)
    # The `assigned` report event this offer answers: the outbox may hand it over twice.
    source_event = models.OneToOneField(
        "reports.ReportEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reject_reason = models.TextField(blank=True)
    withdraw_reason = models.CharField(max_length=40, blank=True)
    progress_note = models.TextField(blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    completion_note = models.TextField(blank=True)
    resolution = models.CharField(max_length=30, blank=True)
    offered_at = models.DateTimeField(auto_now_add=True, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-offered_at", "-id"]
        constraints = [
            # A report is in the hands of at most one contractor at a time.
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(state__in=["offered", "accepted", "in_progress"]),
                name="assignment_one_open_per_report",
            ),
        ]
        indexes = [models.Index(fields=["contractor", "state"], name="assignment_contractor_state")]

    def __str__(self) -> str:
        return f"{self.contractor_id}:{self.report_id} {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class AssignmentLink(models.Model):
    """A one-time link for a contractor without a system of its own, scoped to one assignment.

    Only the token's hash is stored; the token exists in clear only in the e-mail.
    """

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"link for {self.assignment_id}"


class LinkMail(models.Model):
    """The e-mail that brings an organisation without a system of its own its one-time link.

    Written when the outbox hands the offer to the contractors subscriber, and due until it
    went: a mail whose task the broker never got, or that the mail server refused, is sent by
    beat's sweep. The link (and its token) is made only when the mail goes.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        # Nothing to send any more: the offer was answered or withdrawn, or the organisation
        # has a webhook or no address now.
        DROPPED = "dropped"
        FAILED = "failed"

    assignment = models.OneToOneField(
        Assignment, primary_key=True, on_delete=models.CASCADE, related_name="link_mail"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="link_mail_pending_due",
            )
        ]

    def __str__(self) -> str:
        return f"link mail for {self.assignment_id}: {self.state}"


class WebhookMessage(models.Model):
    """One event for one contractor's webhook; retried until delivered or given up on.

    Its id is the event id the receiver deduplicates on: a retry or a redelivery repeats it.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contractor = models.ForeignKey(
        "organisations.Contractor", on_delete=models.PROTECT, related_name="webhook_messages"
    )
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="webhooks"
    )
    source_event = models.ForeignKey(
        "reports.ReportEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    type = models.CharField(max_length=50)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Retrying stops here (24 hours after the message, or after a redelivery, by default).
    give_up_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_event", "contractor", "type"], name="webhook_once_per_event"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="webhook_pending_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id} ({self.state})"


class WebhookAttempt(models.Model):
    """One HTTP attempt at delivering a webhook message: the delivery log staff read."""

    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    # Set when another attempt was scheduled after this one.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["message", "number"]

    def __str__(self) -> str:
        return f"{self.message_id} #{self.number}"
