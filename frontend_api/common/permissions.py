from rest_framework.permissions import BasePermission


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
