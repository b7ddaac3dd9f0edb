from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backend.reports.models import Report
from backend.reports.search import reports_filtered
from backend.reports.services import BulkAction, BulkChange, reports_bulk_change
from backend.reports.workflow import Resolution, Status
from frontend_api.common.serializers import ErrorSerializer, JSONTypes

from .filters import filters_from_query
from .lookups import category_named, contractor_named, department_named
from .representations import BulkResults
from .views import StaffView, scope_of

# What each action needs besides the reports.
_NEEDS = {
    BulkAction.ASSIGN: (),  # department or contractor, checked below
    BulkAction.TRANSITION: ("to",),
    BulkAction.PRIORITY: ("priority",),
    BulkAction.CATEGORY: ("category",),
}


class BulkInputSerializer(JSONTypes, serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.UUIDField(), required=False, help_text="up to 500 report ids"
    )
    filter = serializers.DictField(
        required=False,
        help_text="the list's query parameters, as strings; at most 500 reports may match",
    )
    action = serializers.ChoiceField(choices=BulkAction.CHOICES)
    department = serializers.CharField(required=False, help_text="assign: department code")
    contractor = serializers.CharField(required=False, help_text="assign: contractor code")
    to = serializers.ChoiceField(choices=Status.choices, required=False, help_text="transition")
    resolution = serializers.ChoiceField(
        choices=Resolution.choices, required=False, default="", help_text="transition to closed"
    )
    public_text = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=2000, help_text="transition"
    )
    priority = serializers.ChoiceField(choices=Report.Priority.choices, required=False)
    category = serializers.CharField(required=False, help_text='category: "main/sub"')

    def validate_ids(self, value):
        limit = settings.BULK_MAX_REPORTS
        if not value:
            raise serializers.ValidationError(_("Give at least one id."))
        if len(value) > limit:
            raise serializers.ValidationError(
                _("At most %(limit)d reports at once.") % {"limit": limit}
            )
        return value

    def validate_filter(self, value):
        try:
            return filters_from_query(value)
        except serializers.ValidationError as exc:
            # Named inside the filter: "filter.status".
            raise serializers.ValidationError(exc.detail) from None

    def validate_department(self, value):
        return department_named(value)

    def validate_contractor(self, value):
        return contractor_named(value)

    def validate_category(self, value):
        return category_named(value)

    def validate(self, attrs):
        if ("ids" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError({"ids": [_("Give either ids or a filter.")]})
        action = attrs["action"]
        missing = [name for name in _NEEDS[action] if name not in attrs]
        if action == BulkAction.ASSIGN and not (attrs.get("department") or attrs.get("contractor")):
            missing.append("department")
        if missing:
            raise serializers.ValidationError(
                {
                    name: [_("The action %(action)s needs this.") % {"action": action}]
                    for name in missing
                }
            )
        return attrs


# Reads a BulkOutcome. Declared inline: a serializer attribute named "fields" would shadow
# Serializer.fields.
BulkResultSerializer = inline_serializer(
    "BulkResult",
    fields={
        "id": serializers.UUIDField(),
        "ok": serializers.BooleanField(),
        "error": serializers.CharField(
            required=False,
            help_text="not_found, conflict or invalid; absent when ok",
        ),
        "message": serializers.CharField(required=False),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="invalid: each offending input with its messages",
        ),
    },
)


# Reads a BulkResults.
class BulkResultsSerializer(serializers.Serializer):
    results = serializers.ListField(child=BulkResultSerializer)

    def to_representation(self, instance):
        body = super().to_representation(instance)
        # `error`, `message` and `fields` only where there is one: an ok has none.
        body["results"] = [
            {key: value for key, value in result.items() if value is not None}
            for result in body["results"]
        ]
        return body


class ReportBulkView(StaffView):
    @extend_schema(
        operation_id="staff_reports_bulk",
        request=BulkInputSerializer,
        responses={
            200: BulkResultsSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Invalid input (names the field), or more than 500 reports.",
            ),
            401: ErrorSerializer,
            403: ErrorSerializer,
        },
        tags=["staff"],
    )
    def post(self, request: Request) -> Response:
        """One action on many reports. Each report is changed on its own (its own event, with
        you as the actor): one that may not make the move answers `ok: false` and the others
        go on. Reports you may not see answer `not_found`."""
        serializer = BulkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        scope = scope_of(request)
        if "filter" in data:
            limit = settings.BULK_MAX_REPORTS
            ids = list(
                reports_filtered(data["filter"], scope=scope)
                .order_by("created_at", "pk")
                .values_list("pk", flat=True)[: limit + 1]
            )
            if len(ids) > limit:
                raise serializers.ValidationError(
                    {"filter": [_("More than %(limit)d reports match.") % {"limit": limit}]}
                )
        else:
            ids = data["ids"]
        change = BulkChange(
            action=data["action"],
            department=data.get("department"),
            contractor=data.get("contractor"),
            to=data.get("to", ""),
            resolution=data.get("resolution", ""),
            public_text=data.get("public_text", ""),
            priority=data.get("priority", ""),
            category=data.get("category"),
        )
        outcomes = reports_bulk_change(
            report_ids=ids, change=change, actor=self.actor(request), scope=scope
        )
        return Response(BulkResultsSerializer(BulkResults(results=outcomes)).data)
