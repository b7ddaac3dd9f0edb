"""Things built once per process, on first use."""

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerProcess(Generic[T]):
    """Calling it returns the one instance `build` made on the first call. The build runs
    under a lock: threads of a web process asking at once must not each read a large data
    set (WordNet, a model's weights) into memory."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._instance: T | None = None
        self._lock = threading.Lock()

    def __call__(self) -> T:
        instance = self._instance
        if instance is None:
            with self._lock:
                if self._instance is None:
                    self._instance = self._build()
                instance = self._instance
        return instance
