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


class Address(models.Model):
    """A postal address with its point, from a municipal extract (BAG-like).

    A report is tied to the nearest one, for phone calls and mails; residents and staff find
    them by prefix. Unique as the Netherlands makes an address unique: postcode, house number
    and addition.
    """

    street = models.CharField(max_length=200)
    number = models.PositiveIntegerField()
    # A letter or an addition ("A", "2-hoog"); empty for none.
    number_suffix = models.CharField(max_length=20, blank=True)
    # Without a space, upper case: "1012JS".
    postcode = models.CharField(max_length=10)
    city = models.CharField(max_length=100)
    point = models.PointField(srid=4326, spatial_index=True)
    # The street and number folded (lower case, no accents or punctuation): what a prefix
    # search compares, with an index that serves LIKE 'prefix%'.
    search = models.CharField(max_length=250)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["street", "number", "number_suffix"]
        constraints = [
            models.UniqueConstraint(
                fields=["postcode", "number", "number_suffix"], name="address_unique_postcode"
            ),
        ]
        indexes = [
            models.Index(
                fields=["search"], name="address_search_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        """As a Dutch envelope writes it: "Kerkstraat 4A, 1234 AB Demostad"."""
        postcode = self.postcode
        if len(postcode) == 6 and postcode[:4].isdigit():
            postcode = f"{postcode[:4]} {postcode[4:]}"
        return f"{self.street} {self.house_number}, {postcode} {self.city}".strip()

    @property
    def house_number(self) -> str:
        """A letter is written on the number ("4A"), another addition after a hyphen ("4-2")."""
        suffix = self.number_suffix
        if not suffix or (len(suffix) == 1 and suffix.isalpha()):
            return f"{self.number}{suffix}"
        return f"{self.number}-{suffix.lstrip('-')}"
