"""Multi-source bounded shortest paths with a bucket queue (Dial's algorithm), compiled by numba.

Why not ``scipy.sparse.csgraph.dijkstra`` alone: its Fibonacci heap is the whole cost of a
coverage search, and it knows no tie rule (the nearest facility among equal times). Travel times
are positive reals with a known smallest edge, which suits a bucket queue: bucket ``k`` holds the
nodes whose tentative time lies in ``[k·Δ, (k+1)·Δ)``. With ``Δ`` no larger than the smallest
positive edge, a node in the current bucket cannot be improved from a later one, so buckets are
taken in order and each holds final times once it is emptied. A node improved again inside the
current bucket (zero-length edges, or ``Δ`` above the smallest edge) is queued again and
re-expanded, so the times stay exact whatever ``Δ`` is. The work is one pass over the reached
edges plus one step per bucket, with no heap at all.

The label (facility index) follows the times: an edge improves a node when it gives a smaller
time, or the same time from a lower label. Every node thus ends with the smallest label over all
its exactly shortest paths, the same rule :func:`geo.coverage.nearest_facility` documents.

Sums are formed as ``time[tail] + weight``, in path order, as networkx forms them, so the times
equal networkx's bit for bit on the paths both pick.
"""

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numba import njit
from numpy.typing import NDArray

F = TypeVar("F", bound=Callable[..., Any])

# the ring of buckets never needs more slots than this (Δ is raised to keep it so)
MAX_RING = 1 << 20


def _compiled(fn: F) -> F:
    """``fn`` compiled to machine code on first call (and cached on disk), GIL released."""
    return cast(F, njit(cache=True, nogil=True)(fn))


def bucket_width(weight: NDArray[np.float64]) -> tuple[float, int]:
    """Δ and the ring size for edges ``weight``: Δ = the smallest positive weight, bounded below
    so that the ring of ``max / Δ + 2`` buckets stays within :data:`MAX_RING`."""
    positive = weight[weight > 0]
    if positive.size == 0:
        return 1.0, 2
    smallest, largest = float(positive.min()), float(positive.max())
    delta = max(smallest, largest / (MAX_RING - 2))
    # a power of two, so a bucket's slot is a mask, not a division
    return delta, 1 << (int(largest / delta) + 2 - 1).bit_length()


@_compiled
def bucket_search(  # noqa: PLR0912, PLR0915, PLR0917 (one tight compiled loop over plain arrays)
    indptr: NDArray[np.int32],
    indices: NDArray[np.int32],
    weight: NDArray[np.float64],
    sources: NDArray[np.int64],
    labels: NDArray[np.int64],
    limit: float,
    delta: float,
    ring: int,
    offset: float = 0.0,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Times from the nearest source within ``limit`` (``inf`` beyond) and its label (-1 beyond).

    ``offset`` is added to every reached time at the end (a once-per-trip delay, which the
    search itself must not see: it bounds the search by ``limit``, not ``limit + offset``).

    ``sources`` are distinct node indices, ``labels`` their labels (ties go to the lowest);
    ``delta`` and ``ring`` (a power of two above ``max(weight) / delta + 1``) come from
    :func:`bucket_width` of ``weight``; any ``delta > 0`` gives exact times.
    """
    n = indptr.shape[0] - 1
    mask = ring - 1
    per_bucket = 1.0 / delta
    time = np.full(n, np.inf)
    label = np.full(n, -1, dtype=np.int64)
    # absolute bucket of a node's pending entry; -1 when it has none
    queued = np.full(n, -1, dtype=np.int64)
    head = np.full(ring, -1, dtype=np.int64)
    # entries: a singly linked list per bucket, recycled through a free list
    capacity = max(16, n + 16)
    entry_node = np.empty(capacity, dtype=np.int64)
    entry_next = np.empty(capacity, dtype=np.int64)
    free = -1
    used = 0
    pending = 0

    for i in range(sources.shape[0]):
        v = sources[i]
        if limit >= 0.0:
            time[v] = 0.0
            label[v] = labels[i]
            queued[v] = 0
            entry_node[used] = v
            entry_next[used] = head[0]
            head[0] = used
            used += 1
            pending += 1

    current = 0
    while pending > 0:
        slot = current & mask
        while head[slot] != -1:
            e = head[slot]
            head[slot] = entry_next[e]
            pending -= 1
            u = entry_node[e]
            entry_next[e] = free
            free = e
            if queued[u] != current:
                continue  # stale: the node moved to an earlier bucket and was expanded there
            queued[u] = -1
            tu = time[u]
            lu = label[u]
            for k in range(indptr[u], indptr[u + 1]):
                v = indices[k]
                t = tu + weight[k]
                if t > limit:
                    continue
                tv = time[v]
                if t < tv or (t == tv and lu < label[v]):
                    time[v] = t
                    label[v] = lu
                    # never before the current bucket (rounding), else floor(t / delta)
                    b = max(int(t * per_bucket), current)
                    if queued[v] == b:
                        continue  # its pending entry in that bucket reads the new values
                    queued[v] = b
                    if free != -1:
                        f = free
                        free = entry_next[f]
                    else:
                        if used == capacity:
                            capacity *= 2
                            grown_node = np.empty(capacity, dtype=np.int64)
                            grown_next = np.empty(capacity, dtype=np.int64)
                            grown_node[:used] = entry_node[:used]
                            grown_next[:used] = entry_next[:used]
                            entry_node = grown_node
                            entry_next = grown_next
                        f = used
                        used += 1
                    s = b & mask
                    entry_node[f] = v
                    entry_next[f] = head[s]
                    head[s] = f
                    pending += 1
        current += 1
    if offset != 0.0:
        for v in range(n):
            if label[v] >= 0:
                time[v] += offset
    return time, label
