"""Small in-process caches of things that never change once made (route versions, and run
sheets under an ETag that changes with every write). Each worker keeps its own; nothing
here can be stale, because a key names the content."""

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """At most `size` values, the least recently used dropped first. Safe to share between
    threads (endpoints run in the thread pool): each look-up or insertion is one step under
    a lock, so a value dropped by another thread between "is it there?" and "move it to the
    end" cannot raise. Making a missing value happens outside the lock; two threads may both
    make it, which is harmless because a key names the content."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value if kept (now the most recently used), else None."""
        with self._lock:
            try:
                self.values.move_to_end(key)
            except KeyError:
                return None
            return self.values[key]

    def put(self, key: K, value: V) -> None:
        """Keep the value (as the most recently used), dropping the oldest past `size`."""
        with self._lock:
            self.values[key] = value
            self.values.move_to_end(key)
            while len(self.values) > self.size:
                self.values.popitem(last=False)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        value = make()
        self.put(key, value)
        return value


_frozen: set[str] = set()


def freeze_long_lived(moment: str) -> None:
    """Once per process and `moment` (the app made; the first national sheet built): move
    everything alive now out of the garbage collector's reach (`gc.freeze`), so that a full
    collection no longer walks the imported modules, the app, the compiled statements and
    the kept fragments again and again (some 250,000 objects, 0.1–0.2 s each time on a
    loaded machine, every few rebuilds of a 300-stage sheet).

    Safe: a frozen object is still freed as soon as its last reference goes (reference
    counting does not look at generations), so a kept fragment dropped from its cache, or
    an app disposed of, is freed as before; only a frozen object that later becomes part
    of a reference cycle and then garbage is never collected. That is bounded: it is done
    twice per process, after a collection (so the garbage of that moment is not kept), and
    what is alive at those moments is almost all meant to live as long as the process."""
    if moment in _frozen:
        return
    _frozen.add(moment)
    gc.collect()
    gc.freeze()
