from django.db import models


class Department(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name_nl = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Category(models.Model):
    """A node of the two-level category tree. Slugs never change once published."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    slug = models.SlugField(max_length=100)
    # "main/sub" for sub categories, "main" for main ones: what clients and rules refer to.
    path = models.CharField(max_length=201, unique=True)
    name_nl = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="categories"
    )
    sla_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    sla_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "slug"], name="category_unique_slug_in_parent"
            ),
            models.CheckConstraint(
                condition=models.Q(sla_working_days__isnull=True)
                | models.Q(sla_hours__isnull=True),
                name="category_one_sla_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def is_main(self) -> bool:
        return self.parent_id is None

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_nl
