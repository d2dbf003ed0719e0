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

Memory: each bucket is a doubly linked list threaded through two node-indexed ``uint32``
arrays, so a node sits in at most one bucket and moving it to an earlier one is an unlink and a
push. The working set (times, labels, three ``uint32`` arrays per node, the ring) is allocated
once before the loop; nothing is allocated, grown or reference-counted while the search runs.
Indices are unsigned (the CSR arrays are viewed as ``uint32``, no copy), so no array access pays
numba's negative-index wrap-around test; measured, that and the allocation-free loop put the
search level with the same algorithm in C (``benchmarks/dial_ref.c``, ``fplan bench``).

:func:`pruned_search` is the single-source variant behind :func:`geo.access.incremental.add_site`:
it enters only nodes a new site reaches no later than the baseline, in a work space kept per graph
(:class:`PrunedSpace`) that it leaves reset, so a call costs its own area, not the network.
"""

import functools
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

F = TypeVar("F", bound=Callable[..., Any])

# the ring of buckets never needs more slots than this (Δ is raised to keep it so)
MAX_RING = 1 << 20


def _compiled(fn: F) -> F:
    """``fn`` compiled to machine code on first call (and cached on disk), GIL released.

    numba itself is imported at that first call, not with this module: commands that never
    search (``fplan --help``, a reused ``fplan check``) never pay its import, a large one.
    """
    compiled: Callable[..., Any] | None = None
    # one dispatcher, also when a warm-up thread (warm_up) and a search call first together
    made = threading.Lock()

    @functools.wraps(fn)
    def call(*args: Any) -> Any:
        nonlocal compiled
        if compiled is None:
            with made:
                if compiled is None:
                    from numba import njit

                    compiled = njit(cache=True, nogil=True)(fn)
        return compiled(*args)

    return cast(F, call)


def _numba_cache_dir() -> None:
    """Point numba's on-disk cache at the project's cache folder unless the caller chose one.

    By default numba writes next to the sources (``__pycache__``), which fails on a read-only
    install and is lost with the checkout; ``numba`` under the service's cache folder
    (``$APP_CACHE_DIR``, default ``.cache`` beside ``pyproject.toml``, as ``app.settings``)
    keeps one compilation per machine for every command and process.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    base = os.environ.get("APP_CACHE_DIR")
    if not base:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        if not os.path.isfile(os.path.join(root, "pyproject.toml")):
            return  # an installed package: numba's own default
        base = os.path.join(root, ".cache")
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(base, "numba")


_numba_cache_dir()


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


# "no node": the empty end of a bucket list, a node in no bucket
NONE = np.uint32(0xFFFFFFFF)


@_compiled
def _search(  # noqa: PLR0912, PLR0915, PLR0917 (one tight compiled loop over plain arrays)
    indptr: NDArray[np.uint32],
    indices: NDArray[np.uint32],
    weight: NDArray[np.float64],
    sources: NDArray[np.int64],
    labels: NDArray[np.int64],
    limit: float,
    delta: float,
    ring: int,
    offset: float,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The multi-source search of :func:`bucket_search` on unsigned index arrays.

    Every index is unsigned, so no array access pays numba's negative-index wrap-around test.
    """
    n = indptr.shape[0] - 1
    time = np.full(n, np.inf)
    label = np.full(n, -1, dtype=np.int64)
    # the whole working set, allocated once: nothing is allocated in the loop
    slot_of = np.full(n, NONE, dtype=np.uint32)
    after = np.empty(n, dtype=np.uint32)
    before = np.empty(n, dtype=np.uint32)
    head = np.full(ring, NONE, dtype=np.uint32)
    none = NONE
    pending = 0
    if limit >= 0.0:
        for i in range(sources.shape[0]):
            v = np.uint32(sources[i])
            time[v] = 0.0
            label[v] = labels[i]
            first = head[0]
            after[v] = first
            before[v] = none
            if first != none:
                before[first] = v
            head[0] = v
            slot_of[v] = 0
            pending += 1
    mask = np.uint64(ring - 1)
    per_bucket = 1.0 / delta
    current = np.uint64(0)
    while pending > 0:
        slot = current & mask
        u = head[slot]
        while u != none:
            # pop the bucket's first node: final unless improved again within this bucket
            nxt = after[u]
            head[slot] = nxt
            if nxt != none:
                before[nxt] = none
            slot_of[u] = none
            pending -= 1
            tu = time[u]
            lu = label[u]
            k = indptr[u]
            end = indptr[u + np.uint32(1)]
            while k < end:
                v = indices[k]
                t = tu + weight[k]
                k += np.uint32(1)
                if t > limit:
                    continue
                tv = time[v]
                if t < tv or (t == tv and lu < label[v]):
                    time[v] = t
                    label[v] = lu
                    # never before the current bucket (rounding), else floor(t / delta)
                    b = np.uint64(t * per_bucket)
                    s = np.uint32((b if b > current else current) & mask)
                    held = slot_of[v]
                    if held == s:
                        continue  # already in that bucket: it reads the new values when popped
                    if held == none:
                        pending += 1
                    else:
                        # unlink it from the later bucket it waited in
                        p, q = before[v], after[v]
                        if p == none:
                            head[held] = q
                        else:
                            after[p] = q
                        if q != none:
                            before[q] = p
                    first = head[s]
                    after[v] = first
                    before[v] = none
                    if first != none:
                        before[first] = v
                    head[s] = v
                    slot_of[v] = s
            u = head[slot]
        current += np.uint64(1)
    if offset != 0.0:
        for node in range(n):
            if label[node] >= 0:
                time[node] += offset
    return time, label


def unsigned_csr(
    indptr: NDArray[np.integer[Any]], indices: NDArray[np.integer[Any]]
) -> tuple[NDArray[np.uint32], NDArray[np.uint32]]:
    """``indptr`` and ``indices`` as ``uint32`` views (no copy for scipy's ``int32`` arrays).

    Raises ``ValueError`` when a graph is too large for 32-bit indices (2³¹ nodes or edges).
    """
    if indptr.shape[0] and int(indptr[-1]) >= 1 << 31:
        msg = f"{int(indptr[-1])} edges: the search needs fewer than 2**31"
        raise ValueError(msg)
    return (
        np.ascontiguousarray(indptr, dtype=np.int32).view(np.uint32),
        np.ascontiguousarray(indices, dtype=np.int32).view(np.uint32),
    )


def warm_up() -> None:
    """Load the compiled search of :func:`bucket_search` with a search of a 2-node graph.

    The types are those of every real call, so the machine code comes from numba's disk cache
    (or is compiled once). Run in a thread beside work that waits on a database or reads files,
    a command's first real search no longer pays numba's import and the code's loading
    (~0.4 s); the dispatcher is shared, so the search itself waits for a load under way.
    """
    one = np.zeros(1, dtype=np.int64)
    bucket_search(np.array([0, 1, 1]), one, np.ones(1), one, one, 2.0, 1.0, 4)


def bucket_search(  # noqa: PLR0917 (mirrors the compiled kernel)
    indptr: NDArray[np.integer[Any]],
    indices: NDArray[np.integer[Any]],
    weight: NDArray[np.float64],
    sources: NDArray[np.int64],
    labels: NDArray[np.int64],
    limit: float,
    delta: float,
    ring: int,
    offset: float = 0.0,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Times from the nearest source within ``limit`` (``inf`` beyond) and its label (-1 beyond).

    Parameters
    ----------
    indptr, indices, weight
        The CSR arrays of the graph searched (``int32`` indices, weights in seconds).
    sources, labels
        Distinct source node indices and their labels (ties go to the lowest label).
    limit
        Search bound, seconds: nodes farther away stay unreached.
    delta, ring
        Bucket width, seconds, and ring size (a power of two above
        ``max(weight) / delta + 1``), from :func:`bucket_width` of ``weight``; any
        ``delta > 0`` gives exact times.
    offset
        Seconds added to every reached time at the end (a once-per-trip delay, which the search
        itself must not see: it bounds the search by ``limit``, not ``limit + offset``).

    Returns
    -------
    tuple
        ``(time, label)``: seconds per node (``inf`` when unreached) and the label of the
        nearest source (``-1`` when unreached).
    """
    ip, ix = unsigned_csr(indptr, indices)
    return _search(
        ip,
        ix,
        np.ascontiguousarray(weight, dtype=np.float64),
        np.ascontiguousarray(sources, dtype=np.int64),
        np.ascontiguousarray(labels, dtype=np.int64),
        float(limit),
        float(delta),
        int(ring),
        float(offset),
    )


@_compiled
def _pruned(  # noqa: PLR0912, PLR0915, PLR0917 (one tight compiled loop over plain arrays)
    indptr: NDArray[np.uint32],
    indices: NDArray[np.uint32],
    weight: NDArray[np.float64],
    source: int,
    base_time: NDArray[np.float64],
    delay: float,
    limit: float,
    delta: float,
    dist: NDArray[np.float64],
    slot_of: NDArray[np.uint32],
    after: NDArray[np.uint32],
    before: NDArray[np.uint32],
    head: NDArray[np.uint32],
    touched: NDArray[np.uint32],
    out_node: NDArray[np.int64],
    out_time: NDArray[np.float64],
) -> tuple[int, int]:
    """The search of :func:`pruned_search` in a work space it leaves as it found it."""
    none = NONE
    mask = np.uint64(head.shape[0] - 1)
    per_bucket = 1.0 / delta
    src = np.uint32(source)
    dist[src] = 0.0
    touched[0] = src
    n_touched = 1
    after[src] = none
    before[src] = none
    head[0] = src
    slot_of[src] = 0
    pending = 1
    current = np.uint64(0)
    while pending > 0:
        slot = current & mask
        u = head[slot]
        while u != none:
            nxt = after[u]
            head[slot] = nxt
            if nxt != none:
                before[nxt] = none
            slot_of[u] = none
            pending -= 1
            du = dist[u]
            k = indptr[u]
            end = indptr[u + np.uint32(1)]
            while k < end:
                v = indices[k]
                t = du + weight[k]
                k += np.uint32(1)
                # a node the baseline reaches sooner is never entered: nothing behind it can win
                if t > limit or t + delay > base_time[v] or not t < dist[v]:
                    continue
                if dist[v] == np.inf:
                    touched[n_touched] = v
                    n_touched += 1
                dist[v] = t
                b = np.uint64(t * per_bucket)
                s = np.uint32((b if b > current else current) & mask)
                held = slot_of[v]
                if held == s:
                    continue
                if held == none:
                    pending += 1
                else:
                    p, q = before[v], after[v]
                    if p == none:
                        head[held] = q
                    else:
                        after[p] = q
                    if q != none:
                        before[q] = p
                first = head[s]
                after[v] = first
                before[v] = none
                if first != none:
                    before[first] = v
                head[s] = v
                slot_of[v] = s
            u = head[slot]
        current += np.uint64(1)
    # the strict improvements, then the work space back to "nothing reached"
    n_better = 0
    for i in range(n_touched):
        v = touched[i]
        t = dist[v] + delay
        if t < base_time[v]:
            out_node[n_better] = v
            out_time[n_better] = t
            n_better += 1
        dist[v] = np.inf
    return n_better, n_touched


class PrunedSpace:
    """Work space of :func:`pruned_search` for one graph: node-sized arrays kept between calls.

    A search touches only the nodes it reaches and resets them on the way out, so a call costs
    its own area, not the network's size. One space serves one search at a time.
    """

    def __init__(self, n_nodes: int, ring: int) -> None:
        self.dist = np.full(n_nodes, np.inf)
        self.slot_of = np.full(n_nodes, NONE, dtype=np.uint32)
        self.after = np.empty(n_nodes, dtype=np.uint32)
        self.before = np.empty(n_nodes, dtype=np.uint32)
        self.head = np.full(ring, NONE, dtype=np.uint32)
        self.touched = np.empty(n_nodes, dtype=np.uint32)
        self.out_node = np.empty(n_nodes, dtype=np.int64)
        self.out_time = np.empty(n_nodes)


def pruned_search(
    indptr: NDArray[np.uint32],
    indices: NDArray[np.uint32],
    weight: NDArray[np.float64],
    source: int,
    *,
    base_time: NDArray[np.float64],
    delay: float,
    limit: float,
    delta: float,
    space: PrunedSpace,
) -> tuple[NDArray[np.int64], NDArray[np.float64], int]:
    """Nodes a new source at ``source`` reaches strictly before ``base_time``, and their times.

    Parameters
    ----------
    indptr, indices, weight
        The graph (``uint32`` views from :func:`unsigned_csr`; weights in seconds).
    source
        The new source's node.
    base_time
        Per node, the time to beat, seconds (``inf`` when unreached).
    delay
        Seconds added to every time of the new source (a dispatch delay); the search itself is
        bounded by ``limit`` without it.
    limit
        Search bound, seconds.
    delta
        Bucket width from :func:`bucket_width`; ``space.head`` has its ring size.
    space
        A :class:`PrunedSpace` of this graph, not in use by another search.

    Returns
    -------
    tuple
        ``(nodes, times, searched)``: the improved nodes (in search order), their new times
        (delay included), seconds, and how many nodes the search reached. Nodes the baseline
        reaches no later than the new source are never expanded (no path through them can win).
    """
    if not (limit >= 0.0 and delay <= base_time[source]):
        return np.zeros(0, dtype=np.int64), np.zeros(0), 0
    n_better, searched = _pruned(
        indptr,
        indices,
        weight,
        int(source),
        base_time,
        float(delay),
        float(limit),
        float(delta),
        space.dist,
        space.slot_of,
        space.after,
        space.before,
        space.head,
        space.touched,
        space.out_node,
        space.out_time,
    )
    return space.out_node[:n_better].copy(), space.out_time[:n_better].copy(), int(searched)
