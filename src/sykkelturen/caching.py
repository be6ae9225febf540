"""Small in-process caches of things that never change once made (route versions, and run
sheets under an ETag that changes with every write). Each worker keeps its own; nothing
here can be stale, because a key names the content."""

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """At most `size` values, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.values: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value if kept (now the most recently used), else None."""
        if key not in self.values:
            return None
        self.values.move_to_end(key)
        return self.values[key]

    def put(self, key: K, value: V) -> None:
        """Keep the value (as the most recently used), dropping the oldest past `size`."""
        self.values[key] = value
        self.values.move_to_end(key)
        if len(self.values) > self.size:
            self.values.popitem(last=False)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        if key in self.values:
            self.values.move_to_end(key)
            return self.values[key]
        value = make()
        self.put(key, value)
        return value
