"""A thread-safe LRU bounded by the total size of its entries (and optionally their number).

The tile cache keeps MVT bytes by tile address and data version; the answer cache keeps encoded
answers by request and data version. Both drop the least recently used values first, and never
keep a value larger than the whole cache. An entry costs its value's size plus
:data:`ENTRY_OVERHEAD_BYTES` (its key, the dictionary slot, the value object), so a flood of
empty values (empty tiles) is bounded too, not counted as free.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

# what an entry costs beyond its value: a key tuple of short strings, an OrderedDict node and
# the bytes object's header, measured with sys.getsizeof on CPython 3.11 (about 300 bytes)
ENTRY_OVERHEAD_BYTES = 320

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedLRU(Generic[K, V]):
    """Parameters
    ----------
    max_bytes
        Total cost of the entries kept: ``sizeof`` of each value plus
        :data:`ENTRY_OVERHEAD_BYTES`.
    sizeof
        The size of a value, bytes.
    max_entries
        Values kept at most; None: no bound but the size.
    """

    def __init__(
        self, *, max_bytes: int, sizeof: Callable[[V], int], max_entries: int | None = None
    ) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.sizeof = sizeof
        self.size_bytes = 0
        self.hits = 0
        self.misses = 0
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is None:
                self.misses += 1
                return None
            self._values.move_to_end(key)
            self.hits += 1
            return value

    def _cost(self, value: V) -> int:
        return self.sizeof(value) + ENTRY_OVERHEAD_BYTES

    def put(self, key: K, value: V) -> None:
        size = self._cost(value)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._values.pop(key, None)
            if old is not None:
                self.size_bytes -= self._cost(old)
            self._values[key] = value
            self.size_bytes += size
            while self.size_bytes > self.max_bytes or (
                self.max_entries is not None and len(self._values) > self.max_entries
            ):
                _, dropped = self._values.popitem(last=False)
                self.size_bytes -= self._cost(dropped)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self.size_bytes = 0
