"""Address search by prefix ("Kerkstr 4", "1234AB 5"): residents pick where the problem is,
staff find a caller's address. The same endpoint for both; nothing in it is private."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.geo.selectors import ADDRESS_SEARCH_LIMIT, address_search
from frontend_api.common.permissions import Anyone
from frontend_api.common.serializers import AddressSerializer, KnownParameters
from frontend_api.common.throttling import AddressLookupThrottle

from .schema import INVALID


class AddressQuerySerializer(KnownParameters, serializers.Serializer):
    q = serializers.CharField(
        min_length=2,
        max_length=100,
        trim_whitespace=True,
        help_text='a street prefix with an optional house number and addition ("Kerkstr 4"),'
        ' or a postcode with an optional number ("1234AB 5")',
    )


# Reads an Address: where it is too, so that the resident's app puts its pin there (the
# address alternative to the map) without a second request.
class AddressFoundSerializer(AddressSerializer):
    lat = serializers.FloatField(source="point.y")
    lon = serializers.FloatField(source="point.x")


# Reads a list of Addresses.
class AddressListSerializer(serializers.Serializer):
    results = AddressFoundSerializer(many=True)


class AddressSearchView(APIView):
    """Addresses whose street (or postcode) starts with what was typed, at most 10, in street
    and number order; an empty list where none match or no addresses are loaded."""

    permission_classes = [Anyone]
    authentication_classes: list = []
    throttle_classes = [AddressLookupThrottle]

    @extend_schema(
        operation_id="public_addresses",
        parameters=[AddressQuerySerializer],
        responses={200: AddressListSerializer, 400: INVALID},
        tags=["public"],
    )
    def get(self, request: Request) -> Response:
        query = AddressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = address_search(query.validated_data["q"], limit=ADDRESS_SEARCH_LIMIT)
        return Response(AddressListSerializer({"results": found}).data)
