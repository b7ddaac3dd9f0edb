"""Who made a change to a report: recorded with every event, checked by the workflow table."""

from dataclasses import dataclass
from typing import Any

from .workflow import Actor


@dataclass(frozen=True)
class ActorRef:
    """A kind of actor, and the user where there is one."""

    kind: Actor
    user: Any = None

    @classmethod
    def system(cls) -> "ActorRef":
        return cls(kind=Actor.SYSTEM)

    @classmethod
    def resident(cls) -> "ActorRef":
        return cls(kind=Actor.RESIDENT)

    @classmethod
    def staff(cls, user: Any) -> "ActorRef":
        return cls(kind=Actor.STAFF, user=user)

    @classmethod
    def contractor(cls, user: Any = None) -> "ActorRef":
        """A contractor's API user, or None for someone acting through a one-time link."""
        return cls(kind=Actor.CONTRACTOR, user=user)
