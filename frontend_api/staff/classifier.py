"""Dispatchers' and administrators' view of the classifier: versions, activation, live accuracy."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.classification.selectors import classifier_version, classifier_versions
from backend.classification.services import classifier_activate
from backend.reports.selectors_classification import live_accuracy
from frontend_api.common.permissions import IsMunicipalAdmin, IsMunicipalStaff
from frontend_api.common.serializers import ErrorSerializer, TimestampField


class ClassifierVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.CharField()
    algorithm = serializers.CharField()
    created_at = TimestampField()
    training_rows = serializers.IntegerField()
    training_labels = serializers.IntegerField()
    training_data_sha256 = serializers.CharField()
    training_data_bytes = serializers.IntegerField()
    train_seconds = serializers.FloatField()
    metrics = serializers.DictField(
        help_text="held-out sub/main accuracy and macro-F1, per class, confusion matrix"
    )
    split = serializers.DictField()
    is_active = serializers.BooleanField()
    activated_at = TimestampField(allow_null=True)


class LiveAccuracySerializer(serializers.Serializer):
    slug = serializers.CharField(help_text="the suggested category")
    applied = serializers.IntegerField(help_text="reports whose category the suggestion set")
    changed = serializers.IntegerField(help_text="of those, how many a dispatcher changed")
    verified = serializers.IntegerField(help_text="of those, how many a dispatcher looked at")
    share_changed = serializers.FloatField()


class ClassifierVersionsView(APIView):
    permission_classes = [IsMunicipalStaff]

    @extend_schema(
        operation_id="staff_classifier_versions",
        responses={
            200: ClassifierVersionSerializer(many=True),
            401: ErrorSerializer,
            403: ErrorSerializer,
        },
        tags=["staff"],
    )
    def get(self, request: Request) -> Response:
        return Response(ClassifierVersionSerializer(classifier_versions(), many=True).data)


class ClassifierActivateView(APIView):
    permission_classes = [IsMunicipalAdmin]

    @extend_schema(
        operation_id="staff_classifier_activate",
        request=None,
        responses={
            200: ClassifierVersionSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
        tags=["staff"],
    )
    def post(self, request: Request, model_id: int) -> Response:
        model = classifier_version(model_id)
        if model is None:
            raise Http404
        classifier_activate(model=model)
        return Response(ClassifierVersionSerializer(model).data)


class LiveAccuracyView(APIView):
    permission_classes = [IsMunicipalStaff]

    @extend_schema(
        operation_id="staff_classifier_live_accuracy",
        responses={
            200: LiveAccuracySerializer(many=True),
            401: ErrorSerializer,
            403: ErrorSerializer,
        },
        tags=["staff"],
    )
    def get(self, request: Request) -> Response:
        return Response(LiveAccuracySerializer(live_accuracy(), many=True).data)
