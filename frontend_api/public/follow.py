"""Following a report already made (instead of filing a duplicate), by e-mail or web push."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backend.notifications.models import Subscription
from backend.notifications.services import (
    PushUnavailable,
    report_id_for_follow_token,
    subscription_add,
)
from backend.reports.models import Report
from backend.reports.selectors import report_by_tracking_token, report_get
from frontend_api.common.permissions import Anyone
from frontend_api.common.serializers import JSONTypes
from frontend_api.common.throttling import FollowThrottle, TokenLookupThrottle, TokenLookupView

from .push import push_keys, push_unavailable, subscription_response
from .schema import PUSH_OFF, TOKEN_ERRORS
from .serializers import PushSubscriptionInputSerializer, SubscriptionSerializer


class FollowInputSerializer(JSONTypes, serializers.Serializer):
    email = serializers.EmailField(required=False, max_length=254)
    push = PushSubscriptionInputSerializer(required=False)
    language = serializers.ChoiceField(choices=Report.Language.choices, required=False)

    def validate(self, attrs):
        if ("email" in attrs) == ("push" in attrs):
            message = _("Give either an e-mail address or a push subscription.")
            raise serializers.ValidationError({"email": [message], "push": [message]})
        return attrs


class FollowView(TokenLookupView):
    permission_classes = [Anyone]
    authentication_classes: list = []
    throttle_classes = [FollowThrottle, TokenLookupThrottle]

    @extend_schema(
        operation_id="public_report_follow",
        request=FollowInputSerializer,
        responses={
            201: SubscriptionSerializer,
            200: SubscriptionSerializer,
            **TOKEN_ERRORS,
            503: PUSH_OFF,
        },
        tags=["public"],
    )
    def post(self, request: Request, tracking_token: str) -> Response:
        """Follow a report already made (instead of filing a duplicate), by e-mail or push.

        The path takes the report's tracking token, or the `follow_token` the intake answer
        gives for each possible duplicate (it allows following, not viewing).
        """
        report = report_by_tracking_token(tracking_token)
        if report is None:
            report_id = report_id_for_follow_token(tracking_token)
            report = report_get(report_id) if report_id else None
        if report is None:
            raise Http404
        serializer = FollowInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            subscription, created = subscription_add(
                report_id=report.id,
                origin=Subscription.Origin.FOLLOWER,
                language=data.get("language") or report.language,
                email=data.get("email", ""),
                push=push_keys(data["push"]) if "push" in data else None,
            )
        except PushUnavailable:
            return push_unavailable()
        return subscription_response(subscription, created)
