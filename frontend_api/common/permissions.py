from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsMunicipalStaff(BasePermission):
    """Dispatchers and administrators of the municipality."""

    message = "This needs a municipal staff token."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and getattr(user, "is_municipal_staff", False))


class Anyone(BasePermission):
    """Explicitly public: residents use the app without an account."""

    def has_permission(self, request, view) -> bool:
        return True


class IsMunicipalAdmin(BasePermission):
    """Administrators (the `admin` role, or a superuser): settings that change how every
    report is handled."""

    message = "This needs a municipal administrator's token (role admin, or a superuser)."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and getattr(user, "is_municipal_admin", False))


class IsStaffReader(BasePermission):
    """Every staff role reads reports: dispatchers, administrators, department staff (their
    department's; the views narrow what they see) and the read-only role; all but the
    read-only role may change them."""

    message = "This needs a staff token whose role may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and getattr(user, "is_staff_reader", False)):
            return False
        return request.method in SAFE_METHODS or user.is_staff_actor


class IsStaffMember(BasePermission):
    """Any staff role, whatever the method: for what is the user's own (saved queues), not a
    report's."""

    message = "This needs a staff token."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and getattr(user, "is_staff_reader", False))


class IsWideStaff(IsStaffReader):
    """Staff whose view is not one department's: dispatchers and administrators, and the
    read-only role for reading. For what is not one report's (the webhook log) or reaches past
    one (a merge, a contractor's assignment)."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and (
            request.user.report_department_scope is None
        )
