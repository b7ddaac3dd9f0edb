"""Open311 answers that are more than one domain object."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Endpoint:
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


@dataclass(frozen=True)
class Discovery:
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


@dataclass(frozen=True)
class RequestUpdate:
    update_id: str
    service_request_id: str
    status: str
    updated_datetime: datetime
    description: str
    media_url: str = ""


@dataclass(frozen=True)
class UpdateCreated:
    update_id: str
