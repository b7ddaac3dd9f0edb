"""The resident's side of the push channels: web push subscriptions, following a report,
feedback after closing, answering an information request, unsubscribing from mails."""

import uuid

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.html import escape
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.notifications.models import Subscription
from backend.notifications.selectors import (
    subscription_by_confirm_token,
    subscription_by_unsubscribe_token,
)
from backend.notifications.services import (
    FeedbackWindowClosed,
    PushKeys,
    PushUnavailable,
    feedback_give,
    push_enabled,
    push_subscription_remove,
    report_id_for_follow_token,
    subscription_add,
    subscription_confirm,
    subscription_remove,
)
from backend.reports.models import Report
from backend.reports.selectors import report_by_tracking_token, report_get
from backend.reports.services import PhotoUpload, report_reply
from backend.reports.workflow import status_text
from frontend_api.common.errors import error_body
from frontend_api.common.permissions import Anyone
from frontend_api.common.serializers import ErrorSerializer

from .serializers import ReportCreateInputSerializer

_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `fields` names each field."),
    404: OpenApiResponse(ErrorSerializer, description="Unknown tracking token."),
}
_PUSH_OFF = OpenApiResponse(ErrorSerializer, description="Web push is not configured here.")


def _report(token: str) -> Report:
    report = report_by_tracking_token(token)
    if report is None:
        raise Http404
    return report


def _push_unavailable() -> Response:
    return Response(
        error_body("push_unavailable", "Web push is not configured on this server."),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.RegexField(r"^[A-Za-z0-9_=-]{20,200}$")
    auth = serializers.RegexField(r"^[A-Za-z0-9_=-]{8,100}$")


class PushSubscriptionInputSerializer(serializers.Serializer):
    """What the browser's PushSubscription.toJSON() gives."""

    endpoint = serializers.URLField(max_length=1000)
    keys = PushKeysSerializer()

    def validate_endpoint(self, value: str) -> str:
        if not value.startswith("https://"):
            raise serializers.ValidationError("A push service endpoint is an https URL.")
        return value


class SubscriptionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    channel = serializers.CharField()
    created = serializers.BooleanField(help_text="false when this subscription already existed")
    confirmed = serializers.BooleanField(
        help_text="false for a follower's e-mail address until its owner used the link we mailed"
        " to it; no news reaches the address before that"
    )


def _push_keys(data: dict) -> PushKeys:
    return PushKeys(
        endpoint=data["endpoint"], p256dh=data["keys"]["p256dh"], auth=data["keys"]["auth"]
    )


def _subscription_response(subscription: Subscription, created: bool) -> Response:
    body = {
        "id": subscription.id,
        "channel": subscription.channel,
        "created": created,
        "confirmed": subscription.confirmed_at is not None,
    }
    return Response(
        SubscriptionSerializer(body).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


class PushConfigView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_push_config",
        responses={
            200: inline_serializer("PushConfig", {"vapid_public_key": serializers.CharField()}),
            503: _PUSH_OFF,
        },
        tags=["public"],
    )
    def get(self, request: Request) -> Response:
        """The VAPID public key for PushManager.subscribe({applicationServerKey})."""
        if not push_enabled():
            return _push_unavailable()
        return Response({"vapid_public_key": settings.VAPID_PUBLIC_KEY})


class PushSubscriptionsView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_report_push_subscribe",
        request=PushSubscriptionInputSerializer,
        responses={
            201: SubscriptionSerializer,
            200: SubscriptionSerializer,
            **_ERRORS,
            503: _PUSH_OFF,
        },
        tags=["public"],
    )
    def post(self, request: Request, tracking_token: str) -> Response:
        """Web push for this report's public events, on this browser or device."""
        report = _report(tracking_token)
        if not push_enabled():
            return _push_unavailable()
        serializer = PushSubscriptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription, created = subscription_add(
            report_id=report.id,
            origin=Subscription.Origin.REPORTER,
            language=report.language,
            push=_push_keys(serializer.validated_data),
        )
        return _subscription_response(subscription, created)


class PushSubscriptionView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_report_push_unsubscribe",
        request=None,
        responses={204: None, 404: ErrorSerializer},
        tags=["public"],
    )
    def delete(self, request: Request, tracking_token: str, subscription_id: uuid.UUID) -> Response:
        report = _report(tracking_token)
        if not push_subscription_remove(report_id=report.id, subscription_id=subscription_id):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowInputSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False)
    push = PushSubscriptionInputSerializer(required=False)
    language = serializers.ChoiceField(choices=Report.Language.choices, required=False)

    def validate(self, attrs):
        if ("email" in attrs) == ("push" in attrs):
            message = "Give either an e-mail address or a push subscription."
            raise serializers.ValidationError({"email": [message], "push": [message]})
        return attrs


class FollowView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_report_follow",
        request=FollowInputSerializer,
        responses={
            201: SubscriptionSerializer,
            200: SubscriptionSerializer,
            **_ERRORS,
            503: _PUSH_OFF,
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
                push=_push_keys(data["push"]) if "push" in data else None,
            )
        except PushUnavailable:
            return _push_unavailable()
        return _subscription_response(subscription, created)


class FeedbackInputSerializer(serializers.Serializer):
    satisfied = serializers.BooleanField()
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReportStateSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_text = serializers.CharField()


def _state(report: Report) -> Response:
    report.refresh_from_db(fields=["status", "resolution", "language"])
    body = {
        "status": report.status,
        "status_text": status_text(report.status, report.language, report.resolution or None),
    }
    return Response(ReportStateSerializer(body).data)


class FeedbackView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_report_feedback",
        request=FeedbackInputSerializer,
        responses={
            201: ReportStateSerializer,
            **_ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="Not closed, or already given."),
            410: OpenApiResponse(ErrorSerializer, description="The feedback window has passed."),
        },
        tags=["public"],
    )
    def post(self, request: Request, tracking_token: str) -> Response:
        """Satisfied or not with a closing; not satisfied asks to reopen the report."""
        report = _report(tracking_token)
        serializer = FeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            feedback_give(report_id=report.id, **serializer.validated_data)
        except FeedbackWindowClosed as exc:
            return Response(error_body("gone", str(exc)), status=status.HTTP_410_GONE)
        response = _state(report)
        response.status_code = status.HTTP_201_CREATED
        return response


class ReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=settings.REPORT_TEXT_MAX_LENGTH)
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        default=list,
        help_text="Up to 5 photos (JPEG, PNG, WebP, HEIC) of 15 MB each; multipart only.",
    )

    validate_photos = ReportCreateInputSerializer.validate_photos


class ReplyView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="public_report_reply",
        request={
            "application/json": ReplyInputSerializer,
            "multipart/form-data": ReplyInputSerializer,
        },
        responses={
            200: ReportStateSerializer,
            **_ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="No question is waiting."),
        },
        tags=["public"],
    )
    def post(self, request: Request, tracking_token: str) -> Response:
        """Answer the municipality's question; the report goes back to where it was."""
        report = _report(tracking_token)
        serializer = ReplyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        photos = [
            PhotoUpload(file=upload, size=upload.size, mime_type=inspection.mime_type)
            for upload, inspection in data["photos"]
        ]
        report_reply(report_id=report.id, text=data["text"], photos=photos)
        return _state(report)


_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>{title}</h1><p>{text}</p>{form}</main></body></html>"""

# (Dutch, English) texts of the pages the links in mails open.
Texts = tuple[str, str]


def _page(
    english: bool,
    title: Texts,
    text: Texts,
    *,
    button: Texts | None = None,
    action: str = "",
    status: int = 200,
) -> HttpResponse:
    """A minimal page; with a button, a form that POSTs to `action`."""
    pick = 1 if english else 0
    form = (
        f'<form method="post" action="{escape(action)}"><button type="submit">'
        f"{button[pick]}</button></form>"
        if button
        else ""
    )
    body = _PAGE.format(
        lang="en" if english else "nl", title=title[pick], text=text[pick], form=form
    )
    return HttpResponse(body, status=status)


def _both(texts: Texts) -> Texts:
    """One page in both languages, for a token that no longer says whose it was."""
    both = f"{texts[0]} / {texts[1]}"
    return both, both


def _form_post(request: Request) -> bool:
    """Posted by the page's own form (a browser), not by the app or a mail client."""
    return request.content_type.startswith("application/x-www-form-urlencoded") and (
        "List-Unsubscribe" not in request.data
    )


class UnsubscribeView(APIView):
    """The link in every mail. GET shows a confirmation button (mail scanners follow links, so
    GET changes nothing); POST unsubscribes, also as RFC 8058 one-click from the mail client."""

    permission_classes = [Anyone]
    authentication_classes: list = []
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(exclude=True)
    def get(self, request: Request, token: str) -> HttpResponse:
        subscription = subscription_by_unsubscribe_token(token)
        if subscription is None:
            return _page(
                False,
                _both(("Afgemeld", "Unsubscribed")),
                _both(
                    (
                        "U ontvangt geen berichten meer via deze link.",
                        "You no longer receive messages through this link.",
                    )
                ),
                status=404,
            )
        return _page(
            subscription.language == "en",
            ("Afmelden", "Unsubscribe"),
            ("Geen berichten meer over deze melding?", "No more messages about this report?"),
            button=("Afmelden", "Unsubscribe"),
            action=request.path,
        )

    @extend_schema(
        operation_id="public_unsubscribe",
        request=None,
        responses={
            200: inline_serializer("Unsubscribed", {"unsubscribed": serializers.BooleanField()}),
            404: ErrorSerializer,
        },
        tags=["public"],
    )
    def post(self, request: Request, token: str) -> Response | HttpResponse:
        subscription = subscription_by_unsubscribe_token(token)
        if subscription is None:
            raise Http404
        subscription_remove(subscription=subscription)
        if _form_post(request):
            return _page(
                subscription.language == "en",
                ("Afgemeld", "Unsubscribed"),
                (
                    "U ontvangt geen berichten meer over deze melding.",
                    "You will no longer receive messages about this report.",
                ),
            )
        return Response({"unsubscribed": True})


class ConfirmView(APIView):
    """The link in a follower's confirmation mail. As with unsubscribing, GET only shows a
    button (mail scanners follow links, and must not confirm for the recipient); POST
    confirms. The link works once."""

    permission_classes = [Anyone]
    authentication_classes: list = []
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(exclude=True)
    def get(self, request: Request, token: str) -> HttpResponse:
        subscription = subscription_by_confirm_token(token)
        if subscription is None:
            return _page(
                False,
                _both(("Link verlopen", "Link expired")),
                _both(
                    (
                        "Deze link is al gebruikt of verlopen.",
                        "This link was used already or has expired.",
                    )
                ),
                status=404,
            )
        return _page(
            subscription.language == "en",
            ("Deze melding volgen", "Follow this report"),
            (
                "Berichten over deze melding ontvangen op dit e-mailadres?",
                "Receive news about this report at this e-mail address?",
            ),
            button=("Bevestigen", "Confirm"),
            action=request.path,
        )

    @extend_schema(
        operation_id="public_follow_confirm",
        request=None,
        responses={
            200: inline_serializer("Confirmed", {"confirmed": serializers.BooleanField()}),
            404: ErrorSerializer,
        },
        tags=["public"],
    )
    def post(self, request: Request, token: str) -> Response | HttpResponse:
        subscription = subscription_by_confirm_token(token)
        if subscription is None or not subscription_confirm(subscription=subscription):
            raise Http404
        if _form_post(request):
            return _page(
                subscription.language == "en",
                ("Bevestigd", "Confirmed"),
                (
                    "U krijgt vanaf nu berichten over deze melding.",
                    "You will receive news about this report from now on.",
                ),
            )
        return Response({"confirmed": True})
