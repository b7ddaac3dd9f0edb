"""What mypy's Django plugin loads (it starts Django to read the models): the production
settings with a key of its own, so type checking works before any bootstrap wrote var/secret-key
(Django refuses to start on the built-in key with DEBUG off)."""

from backend.config.settings import *  # noqa: F403

SECRET_KEY = "type-checking-only-never-served"  # noqa: S105
