from typing import Any

from .env import env

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["frontend_api.common.authentication.ApiTokenAuthentication"],
    # Every view names its own permission; this default only catches a view that forgot.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "frontend_api.common.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "frontend_api.common.schema_throttles.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "frontend_api.common.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
if env.bool("BROWSABLE_API", default=False):
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Meldpunt API",
    "DESCRIPTION": (
        "Public-space issue reporting: residents' intake, dispatchers' workflow, "
        "contractors' assignments."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Served from our own static files: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # The refusals every operation can give (400, 401/403, 404, 406, 413/415); before the
        # language headers, so that those answers say their language too.
        "frontend_api.common.schema.document_errors",
        "frontend_api.common.schema_language.language_headers",
    ],
}
