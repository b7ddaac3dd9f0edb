"""Domain errors the transport layer turns into HTTP answers."""


class DomainValidationError(Exception):
    """Input that the domain refuses; carries the field(s) it is about."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def single(cls, field: str, message: str) -> "DomainValidationError":
        return cls({field: [message]})


class ConflictError(Exception):
    """A request that contradicts the current state (HTTP 409)."""

    def __init__(self, message: str, **details: object):
        super().__init__(message)
        self.message = message
        self.details = details


class LimitReached(Exception):
    """A limit that protects someone else than the caller (a mailbox, say) refuses this
    request for now (HTTP 429); carries the field it is about and when to try again."""

    def __init__(self, field: str, message: str, *, retry_after: float):
        super().__init__(message)
        self.field = field
        self.message = message
        self.retry_after = retry_after
