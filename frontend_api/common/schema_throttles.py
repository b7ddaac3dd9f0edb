"""The OpenAPI schema's additions every view shares: a throttled view documents its 429."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from .authentication import ApiTokenAuthentication
from .serializers import ErrorSerializer

THROTTLED = OpenApiResponse(
    ErrorSerializer,
    description=(
        "Too many requests (code `throttled`): over a rate limit of this client, or of the "
        "input `fields` names (an address that had its share of confirmation mails). "
        "`Retry-After` gives the seconds to wait."
    ),
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    required=True,
    response=[429],
    description="Seconds until the request may be made again.",
)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, adding the 429 to each operation of a view that has a throttle or
    takes an API token (too many unknown tokens from a client are refused), so that no
    throttled operation can be left undocumented."""

    def _throttled(self) -> bool:
        return bool(self.view.throttle_classes) or any(
            isinstance(authenticator, ApiTokenAuthentication)
            for authenticator in self.view.get_authenticators()
        )

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        return [*parameters, RETRY_AFTER] if self._throttled() else parameters

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if self._throttled() and "429" not in bodies:
            bodies["429"] = self._get_response_for_code(THROTTLED, "429", direction=direction)
        return bodies
