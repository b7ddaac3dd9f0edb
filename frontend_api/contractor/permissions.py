from rest_framework.permissions import BasePermission


class IsContractor(BasePermission):
    """A token of a contractor organisation's user; it sees that organisation's work only."""

    message = "This needs a contractor's token."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and getattr(user, "is_contractor_user", False))
