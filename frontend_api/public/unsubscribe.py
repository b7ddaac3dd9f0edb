"""The unsubscribe link in every mail we send about a report."""

from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.notifications.selectors import subscription_by_unsubscribe_token
from backend.notifications.services import subscription_remove
from frontend_api.common.parsers import JSONParser
from frontend_api.common.permissions import Anyone
from frontend_api.common.serializers import ErrorSerializer
from frontend_api.common.throttling import TokenLookupView

from .mail_pages import both, form_post, page


class UnsubscribedSerializer(serializers.Serializer):
    unsubscribed = serializers.BooleanField()


class UnsubscribeView(TokenLookupView):
    """The link in every mail. GET shows a confirmation button (mail scanners follow links, so
    GET changes nothing); POST unsubscribes, also as RFC 8058 one-click from the mail client."""

    permission_classes = [Anyone]
    authentication_classes: list = []
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(exclude=True)
    def get(self, request: Request, token: str) -> HttpResponse:
        subscription = subscription_by_unsubscribe_token(token)
        if subscription is None:
            return page(
                False,
                both(("Afgemeld", "Unsubscribed")),
                both(
                    (
                        "U ontvangt geen berichten meer via deze link.",
                        "You no longer receive messages through this link.",
                    )
                ),
                status=404,
            )
        return page(
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
            200: UnsubscribedSerializer,
            404: ErrorSerializer,
        },
        tags=["public"],
    )
    def post(self, request: Request, token: str) -> Response | HttpResponse:
        subscription = subscription_by_unsubscribe_token(token)
        if subscription is None:
            raise Http404
        subscription_remove(subscription=subscription)
        if form_post(request):
            return page(
                subscription.language == "en",
                ("Afgemeld", "Unsubscribed"),
                (
                    "U ontvangt geen berichten meer over deze melding.",
                    "You will no longer receive messages about this report.",
                ),
            )
        return Response(UnsubscribedSerializer({"unsubscribed": True}).data)
