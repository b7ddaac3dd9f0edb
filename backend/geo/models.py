from django.contrib.gis.db import models


class Area(models.Model):
    """A named polygon of a kind (municipality, district, neighbourhood, ...).

    The type is free text on purpose: each municipality divides itself its own way, and
    routing rules refer to areas as ``type -> codes``.
    """

    type = models.SlugField(max_length=50)
    code = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    geometry = models.MultiPolygonField(srid=4326, spatial_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["type", "code"]
        constraints = [
            models.UniqueConstraint(fields=["type", "code"], name="area_unique_type_code"),
        ]

    def __str__(self) -> str:
        return f"{self.type}:{self.code}"
