from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    class Role(models.TextChoices):
        DISPATCHER = "dispatcher", "Dispatcher"
        ADMIN = "admin", "Administrator"
        CONTRACTOR = "contractor", "Contractor"
        # Sees and acts on the reports of its own department only (`department`).
        DEPARTMENT = "department", "Department staff"
        # Sees every report, changes none.
        READ_ONLY = "read_only", "Read-only"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.DISPATCHER)
    # A contractor's user (and so its API tokens) belongs to exactly one organisation.
    contractor = models.ForeignKey(
        "organisations.Contractor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # The department a department-staff user works for: all it sees and acts on.
    department = models.ForeignKey(
        "taxonomy.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    # May read residents' e-mail addresses and phone numbers. Dispatchers and administrators
    # always may (as before); the other staff roles only with this.
    may_see_contact = models.BooleanField(default=False)

    @property
    def is_municipal_staff(self) -> bool:
        return self.is_active and self.role in (self.Role.DISPATCHER, self.Role.ADMIN)

    @property
    def is_staff_reader(self) -> bool:
        """Any staff role that reads reports: dispatchers, administrators, department staff
        (their department's reports) and read-only users."""
        if not self.is_active:
            return False
        if self.role == self.Role.DEPARTMENT:
            return self.department_id is not None
        return self.is_municipal_staff or self.role == self.Role.READ_ONLY

    @property
    def is_staff_actor(self) -> bool:
        """A staff role that may change reports (within what it sees)."""
        return self.is_staff_reader and self.role != self.Role.READ_ONLY

    @property
    def sees_contact_details(self) -> bool:
        return self.is_municipal_staff or (self.is_staff_reader and self.may_see_contact)

    @property
    def report_department_scope(self) -> int | None:
        """The only department whose reports this user sees, or None for all of them."""
        return self.department_id if self.role == self.Role.DEPARTMENT else None

    @property
    def is_municipal_admin(self) -> bool:
        """The admin role, or a superuser (`createsuperuser` makes one with the default role):
        whoever may do everything in the Django admin may change the rule set and model."""
        return self.is_municipal_staff and (self.role == self.Role.ADMIN or self.is_superuser)

    @property
    def is_contractor_user(self) -> bool:
        return bool(
            self.is_active
            and self.role == self.Role.CONTRACTOR
            and self.contractor_id is not None
            and self.contractor is not None
            and self.contractor.is_active
        )


class ApiToken(models.Model):
    """A long-lived key for API clients. Only its hash is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters, kept so people can tell their tokens apart in lists.
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Open311Key(models.Model):
    """An Open311 client application's api_key (one per application, so one can be throttled
    or revoked alone). Only its hash is stored; the key is shown once."""

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
