from django.conf import settings
from django.db import models
from django.db.models import Q


class RuleSet(models.Model):
    """One loaded version of the routing rules: the YAML files exactly as they were read.

    Stored whole so that any version can be compiled again, compared or re-activated. Exactly
    one version is active (a partial unique index); loading the same content again finds the
    existing version by its hash instead of making a new one.
    """

    version = models.PositiveIntegerField(unique=True)
    content_hash = models.CharField(max_length=64, unique=True)
    # File name -> YAML text, read in name order.
    files = models.JSONField()
    rule_count = models.PositiveIntegerField()
    # Validation warnings (rules that can never match), as {file, rule, field, message}.
    warnings = models.JSONField(default=list, blank=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    loaded_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_ruleset"
            )
        ]

    def __str__(self) -> str:
        return f"rule set v{self.version}"
