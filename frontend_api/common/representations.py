"""What the output serializers read, where a response is more than one domain object."""

from typing import Any, ClassVar

from django.utils import timezone

from backend.reports.models import Report


class ReadsThrough:
    """A domain object with the few values one response adds to it.

    A subclass (a dataclass) names the attribute holding the domain object in `reads_through`;
    what the subclass does not hold itself is read from that object. So a detail serializer
    inherits its summary's fields as they are, reading the model, and adds its own.
    """

    reads_through: ClassVar[str]

    def __getattr__(self, name: str) -> Any:
        # Only reached for what this object lacks. The guard keeps copy and pickle (which
        # look up dunders before __init__ ran) from recursing.
        if name.startswith("__") or name == self.reads_through:
            raise AttributeError(name)
        return getattr(getattr(self, self.reads_through), name)


def report_overdue(report: Report) -> bool:
    """Open past its deadline."""
    return bool(report.deadline and report.closed_at is None and report.deadline < timezone.now())
