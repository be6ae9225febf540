"""The in-process caches are shared by the thread pool's threads."""

import sys
import threading

from sykkelturen.caching import LruCache


def test_kept_values_and_the_oldest_dropped() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert cache.get_or_make("d", lambda: 4) == 4
    assert cache.get_or_make("d", lambda: 5) == 4


def test_threads_dropping_each_others_values_never_raise() -> None:
    # A tiny cache with many keys: every put drops a value another thread may be reading.
    # Before the lock, `get` could see a key, lose it to another thread's put, and raise
    # KeyError (a 500 on the run sheet or the live view).
    cache: LruCache[int, int] = LruCache(2)
    errors: list[BaseException] = []

    def hammer(offset: int) -> None:
        try:
            for i in range(60_000):
                key = (i + offset) % 5
                cache.get(key)
                cache.put(key, i)
                cache.get_or_make((key + 1) % 5, lambda: offset)
        except BaseException as error:
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(cache.values) <= 2
