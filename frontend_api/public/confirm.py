"""The link in a follower's confirmation mail: their e-mail address gets news only after it."""

from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.notifications.selectors import subscription_by_confirm_token
from backend.notifications.services import subscription_confirm
from frontend_api.common.parsers import JSONParser
from frontend_api.common.permissions import Anyone
from frontend_api.common.serializers import ErrorSerializer
from frontend_api.common.throttling import TokenLookupView

from .mail_pages import both, form_post, page


class ConfirmedSerializer(serializers.Serializer):
    confirmed = serializers.BooleanField()


class ConfirmView(TokenLookupView):
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
            return page(
                False,
                both(("Link verlopen", "Link expired")),
                both(
                    (
                        "Deze link is al gebruikt of verlopen.",
                        "This link was used already or has expired.",
                    )
                ),
                status=404,
            )
        return page(
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
            200: ConfirmedSerializer,
            404: ErrorSerializer,
        },
        tags=["public"],
    )
    def post(self, request: Request, token: str) -> Response | HttpResponse:
        subscription = subscription_by_confirm_token(token)
        if subscription is None or not subscription_confirm(subscription=subscription):
            raise Http404
        if form_post(request):
            return page(
                subscription.language == "en",
                ("Bevestigd", "Confirmed"),
                (
                    "U krijgt vanaf nu berichten over deze melding.",
                    "You will receive news about this report from now on.",
                ),
            )
        return Response(ConfirmedSerializer({"confirmed": True}).data)
