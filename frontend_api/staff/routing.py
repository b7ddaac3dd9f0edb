"""Staff view of the routing rules: the active set, uploading a new one, explain and preview.

Uploading takes JSON: ``{"files": {"10-trees.yaml": "<YAML text>", ...}}`` — the whole set,
every file, as it would lie in ``routing_rules/``. A refused set answers 400 with every problem
(file, rule, field) and leaves the active set active.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.reports.models import Report
from backend.reports.selectors_routing import ruleset_preview
from backend.routing.selectors import routing_explain, ruleset_active, rulesets
from backend.routing.services import RuleSetInvalid, ruleset_load
from backend.routing.validation import ruleset_validate
from frontend_api.common.errors import ErrorCode, error_body
from frontend_api.common.permissions import IsMunicipalAdmin, IsMunicipalStaff
from frontend_api.common.serializers import (
    ErrorSerializer,
    FiniteFloatField,
    JSONTypes,
    TimestampField,
)

from .representations import RuleSetLoaded, RuleSetOverview

_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `fields` names each field."),
    401: ErrorSerializer,
    403: ErrorSerializer,
}


# Reads a Problem, or its dict as a RuleSet keeps its warnings.
class ProblemSerializer(serializers.Serializer):
    file = serializers.CharField()
    rule = serializers.CharField(allow_null=True)
    field = serializers.CharField(help_text="JSON pointer into the file")
    message = serializers.CharField()


# Reads a RuleSet.
class RuleSetSummarySerializer(serializers.Serializer):
    version = serializers.IntegerField()
    content_hash = serializers.CharField()
    rule_count = serializers.IntegerField()
    loaded_by = serializers.CharField(source="loaded_by.username", allow_null=True, default=None)
    loaded_at = TimestampField()
    is_active = serializers.BooleanField()
    activated_at = TimestampField(allow_null=True)


class RuleSetSerializer(RuleSetSummarySerializer):
    warnings = ProblemSerializer(many=True)
    files = serializers.DictField(child=serializers.CharField(), help_text="file name -> YAML")


# Reads a RuleSetOverview.
class RuleSetOverviewSerializer(serializers.Serializer):
    active = RuleSetSerializer(allow_null=True)
    versions = RuleSetSummarySerializer(many=True, help_text="the latest versions, newest first")


class RuleSetUploadSerializer(JSONTypes, serializers.Serializer):
    files = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=500_000, trim_whitespace=False),
        allow_empty=False,
        help_text="every file of the set: name (*.yaml) -> YAML text",
    )

    def validate_files(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 100:
            raise serializers.ValidationError(_("At most 100 files."))
        return value


# Reads a RuleSetLoaded.
class RuleSetLoadedSerializer(RuleSetSerializer):
    created = serializers.BooleanField(
        help_text="false: this content was loaded before; that version is active again"
    )


class ExplainInputSerializer(JSONTypes, serializers.Serializer):
    lat = FiniteFloatField(min_value=-90, max_value=90)
    lon = FiniteFloatField(min_value=-180, max_value=180)
    category = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None, help_text="empty: none"
    )
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        Report.Source.choices, default=Report.Source.APP
    )
    priority = serializers.ChoiceField(Report.Priority.choices, default=Report.Priority.NORMAL)
    at = TimestampField(required=False, allow_null=True, default=None)

    # A form sends an empty field for "none", as its null; JSON may too.
    def validate_category(self, value: str | None) -> str | None:
        return value or None


class AssigneeSerializer(serializers.Serializer):
    department = serializers.CharField(allow_null=True)
    contractor = serializers.CharField(allow_null=True)


# Reads a Decision.
class DecisionSerializer(serializers.Serializer):
    assign = AssigneeSerializer(source="*")
    reason = serializers.ChoiceField(["rule", "category_default", "triage"])
    rule = serializers.CharField(allow_null=True)
    ruleset_version = serializers.IntegerField(allow_null=True)
    priority = serializers.CharField(allow_null=True)
    deadline = serializers.DictField(allow_null=True)
    needs_triage = serializers.BooleanField()
    matched = serializers.ListField(
        child=serializers.DictField(), help_text="each matching rule and what its conditions hit"
    )


# Reads a TraceEntry.
class TraceEntrySerializer(serializers.Serializer):
    rule = serializers.CharField()
    file = serializers.CharField()
    outcome = serializers.ChoiceField(["failed", "applied", "matched"])
    condition = serializers.CharField(allow_null=True, help_text="the first condition that failed")
    detail = serializers.CharField()


# Reads an Explanation.
class ExplainSerializer(serializers.Serializer):
    areas = serializers.ListField(child=serializers.CharField())
    decision = DecisionSerializer()
    rules = TraceEntrySerializer(
        source="trace", many=True, help_text="every rule up to the deciding one"
    )


class PreviewInputSerializer(RuleSetUploadSerializer):
    days = serializers.IntegerField(min_value=1, default=7)

    def validate_days(self, value: int) -> int:
        if value > settings.ROUTING_PREVIEW_MAX_DAYS:
            raise serializers.ValidationError(
                _("At most %(days)d days.") % {"days": settings.ROUTING_PREVIEW_MAX_DAYS}
            )
        return value


# Reads one of ruleset_preview()'s changes.
class PreviewChangeSerializer(serializers.Serializer):
    to = AssigneeSerializer()
    count = serializers.IntegerField()
    rules = serializers.ListField(child=serializers.CharField())
    examples = serializers.ListField(child=serializers.DictField())

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = AssigneeSerializer()  # a keyword in Python
        return fields


# Reads ruleset_preview()'s dict, with the proposed set's warnings (Problems).
class PreviewSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    since = TimestampField()
    rules = serializers.IntegerField()
    reports = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    assigned_by_hand = serializers.IntegerField(help_text="never re-routed, so unchanged")
    changes = PreviewChangeSerializer(many=True)
    warnings = ProblemSerializer(many=True)


def _invalid(exc: RuleSetInvalid) -> Response:
    body = error_body(
        ErrorCode.INVALID_RULESET,
        f"The rule set has {len(exc.problems)} error(s); nothing was changed.",
        exc.errors,
        extra={
            "errors": [p.as_dict() for p in exc.problems],
            "warnings": [p.as_dict() for p in exc.warnings],
        },
    )
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


class RuleSetView(APIView):
    def get_permissions(self):
        # Reading is for every dispatcher; changing how every report is routed is for admins.
        return [IsMunicipalAdmin()] if self.request.method == "POST" else [IsMunicipalStaff()]

    @extend_schema(
        operation_id="staff_routing_ruleset",
        responses={200: RuleSetOverviewSerializer, 401: ErrorSerializer, 403: ErrorSerializer},
        tags=["staff"],
    )
    def get(self, request: Request) -> Response:
        overview = RuleSetOverview(active=ruleset_active(), versions=rulesets())
        return Response(RuleSetOverviewSerializer(overview).data)

    @extend_schema(
        operation_id="staff_routing_ruleset_upload",
        request=RuleSetUploadSerializer,
        responses={201: RuleSetLoadedSerializer, 200: RuleSetLoadedSerializer, **_ERRORS},
        description="Validate, store and activate a whole rule set. 201 for a new version, "
        "200 when the same content was loaded before (that version is active again).",
        tags=["staff"],
    )
    def post(self, request: Request) -> Response:
        data = RuleSetUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = ruleset_load(files=data.validated_data["files"], loaded_by=request.user)
        except RuleSetInvalid as exc:
            return _invalid(exc)
        loaded = RuleSetLoaded(ruleset=result.ruleset, created=result.created)
        return Response(
            RuleSetLoadedSerializer(loaded).data,
            status=status.HTTP_201_CREATED if result.created else 200,
        )


class RoutingExplainView(APIView):
    permission_classes = [IsMunicipalStaff]

    @extend_schema(
        operation_id="staff_routing_explain",
        request=ExplainInputSerializer,
        responses={200: ExplainSerializer, **_ERRORS},
        description="Route a hypothetical report with the active set: the decision, and for "
        "each rule before the deciding one the first condition that failed.",
        tags=["staff"],
    )
    def post(self, request: Request) -> Response:
        data = ExplainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        explanation = routing_explain(**data.validated_data)
        return Response(ExplainSerializer(explanation).data)


class RoutingPreviewView(APIView):
    permission_classes = [IsMunicipalStaff]

    @extend_schema(
        operation_id="staff_routing_preview",
        request=PreviewInputSerializer,
        responses={200: PreviewSerializer, **_ERRORS},
        description="Re-run a proposed rule set (same shape as the upload) over the reports "
        "of the last `days` days without changing them: how many would get another assignee, "
        "from what to what, with examples.",
        tags=["staff"],
    )
    def post(self, request: Request) -> Response:
        data = PreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        files = data.validated_data["files"]
        validation = ruleset_validate(files)
        if not validation.ok:
            return _invalid(RuleSetInvalid(validation.errors, validation.warnings))
        preview = ruleset_preview(files=files, days=data.validated_data["days"])
        return Response(PreviewSerializer({**preview, "warnings": validation.warnings}).data)
