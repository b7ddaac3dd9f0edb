from django.conf import settings
from django.db import models
from django.db.models import Q


class ClassifierModel(models.Model):
    """One trained version of the report classifier, with how it measured and what it saw.

    The fitted model itself is stored as a skops archive (``artifact``): loading it executes no
    code, unlike a pickle. At most one version is active.
    """

    version = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    training_rows = models.PositiveIntegerField()
    training_labels = models.PositiveIntegerField()
    # What it learnt from: a digest of the (text, label) rows in order, and their size.
    training_data_sha256 = models.CharField(max_length=64)
    training_data_bytes = models.PositiveIntegerField()
    train_seconds = models.FloatField()
    # Scores on the held-out split: sub and main accuracy/macro-F1, per class, confusion.
    metrics = models.JSONField()
    # How the held-out split was drawn, so another version can be scored on the same rows.
    split = models.JSONField()
    artifact = models.BinaryField()
    artifact_sha256 = models.CharField(max_length=64)
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_classifier"
            )
        ]

    def __str__(self) -> str:
        return self.version
