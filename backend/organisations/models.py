from django.db import models


class Contractor(models.Model):
    """An external organisation that does work for the municipality (tree surgeons, pavers)."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    webhook_url = models.URLField(blank=True)
    # Kept readable: signing a webhook needs the secret itself, not a hash of it.
    webhook_secret = models.CharField(max_length=200, blank=True)
    # True: the contractor's completion closes the report; False: a dispatcher approves it.
    auto_close = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The model came from the contractors app; its table (and its rows) stayed put.
        db_table = "contractors_contractor"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"

    @property
    def has_integration(self) -> bool:
        """A system of its own that hears of new work by webhook; otherwise: one-time links."""
        return bool(self.webhook_url)
