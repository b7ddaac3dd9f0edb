"""Web push: the server's VAPID key, and a browser subscribing to a report's news or leaving it."""

import uuid

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.notifications.models import Subscription
from backend.notifications.services import (
    PushKeys,
    push_enabled,
    push_subscription_remove,
    subscription_add,
)
from frontend_api.common.errors import ErrorCode, error_body
from frontend_api.common.permissions import Anyone
from frontend_api.common.serializers import ErrorSerializer
from frontend_api.common.throttling import FollowThrottle, TokenLookupThrottle, TokenLookupView

from .representations import SubscriptionAnswer
from .schema import PUSH_OFF, TOKEN_ERRORS
from .serializers import PushSubscriptionInputSerializer, SubscriptionSerializer
from .tracking import report_for_token


def push_unavailable() -> Response:
    return Response(
        error_body(ErrorCode.PUSH_UNAVAILABLE, "Web push is not configured on this server."),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )


def push_keys(data: dict) -> PushKeys:
    return PushKeys(
        endpoint=data["endpoint"], p256dh=data["keys"]["p256dh"], auth=data["keys"]["auth"]
    )


def subscription_response(subscription: Subscription, created: bool) -> Response:
    return Response(
        SubscriptionSerializer(SubscriptionAnswer(subscription, created)).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


class PushConfigSerializer(serializers.Serializer):
    vapid_public_key = serializers.CharField()


class PushConfigView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_push_config",
        responses={
            200: PushConfigSerializer,
            503: PUSH_OFF,
        },
        tags=["public"],
    )
    def get(self, request: Request) -> Response:
        """The VAPID public key for PushManager.subscribe({applicationServerKey})."""
        if not push_enabled():
            return push_unavailable()
        return Response(PushConfigSerializer({"vapid_public_key": settings.VAPID_PUBLIC_KEY}).data)


class PushSubscriptionsView(TokenLookupView):
    permission_classes = [Anyone]
    authentication_classes: list = []
    throttle_classes = [FollowThrottle, TokenLookupThrottle]

    @extend_schema(
        operation_id="public_report_push_subscribe",
        request=PushSubscriptionInputSerializer,
        responses={
            201: SubscriptionSerializer,
            200: SubscriptionSerializer,
            **TOKEN_ERRORS,
            503: PUSH_OFF,
        },
        tags=["public"],
    )
    def post(self, request: Request, tracking_token: str) -> Response:
        """Web push for this report's public events, on this browser or device."""
        report = report_for_token(tracking_token)
        if not push_enabled():
            return push_unavailable()
        serializer = PushSubscriptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription, created = subscription_add(
            report_id=report.id,
            origin=Subscription.Origin.REPORTER,
            language=report.language,
            push=push_keys(serializer.validated_data),
        )
        return subscription_response(subscription, created)


class PushSubscriptionView(TokenLookupView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_report_push_unsubscribe",
        request=None,
        responses={204: None, 404: ErrorSerializer},
        tags=["public"],
    )
    def delete(self, request: Request, tracking_token: str, subscription_id: uuid.UUID) -> Response:
        report = report_for_token(tracking_token)
        if not push_subscription_remove(report_id=report.id, subscription_id=subscription_id):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
