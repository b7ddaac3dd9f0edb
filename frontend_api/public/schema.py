"""Error responses the resident's endpoints share, as the OpenAPI schema describes them."""

from drf_spectacular.utils import OpenApiResponse

from frontend_api.common.serializers import ErrorSerializer

INVALID = OpenApiResponse(ErrorSerializer, description="Invalid input; `fields` names each field.")
UNKNOWN_TOKEN = OpenApiResponse(ErrorSerializer, description="Unknown tracking token.")
PUSH_OFF = OpenApiResponse(ErrorSerializer, description="Web push is not configured here.")

# An endpoint under /reports/{tracking_token}/ that takes input.
TOKEN_ERRORS = {400: INVALID, 404: UNKNOWN_TOKEN}
