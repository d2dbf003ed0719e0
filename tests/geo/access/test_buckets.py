"""The bucket-queue search (geo.access._buckets) against references, hand-built and random graphs.

Random graphs use small integer weights (zeros included), so every path sum is exact and the tie
rule can be checked against a brute force: per source one networkx Dijkstra, the time is the
minimum over sources, the label the lowest source index reaching that minimum.
"""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.access import _buckets
from geo.access._buckets import MAX_RING, bucket_search, bucket_width, warm_up

INF = np.inf


def csr(n: int, edges: list[tuple[int, int, float]]) -> csr_matrix:
    """A CSR matrix that keeps parallel edges apart (the search must take the lightest)."""
    tails = np.asarray([e[0] for e in edges], dtype=np.int64)
    heads = np.asarray([e[1] for e in edges], dtype=np.int32)
    weights = np.asarray([e[2] for e in edges], dtype=float)
    order = np.lexsort((heads, tails))
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(tails, minlength=n), out=indptr[1:])
    return csr_matrix((weights[order], heads[order], indptr), shape=(n, n))


def search(
    matrix: csr_matrix,
    sources: list[int],
    labels: list[int],
    *,
    limit: float = INF,
    delta: float | None = None,
    offset: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    width, ring = bucket_width(matrix.data)
    if delta is not None:
        width = delta
        largest = float(matrix.data.max()) if matrix.data.size else 0.0
        ring = 1 << (int(largest / delta) + 1).bit_length()
    return bucket_search(
        matrix.indptr,
        matrix.indices,
        matrix.data,
        np.asarray(sources, dtype=np.int64),
        np.asarray(labels, dtype=np.int64),
        limit,
        width,
        ring,
        offset,
    )


def brute_force(
    n: int, edges: list[tuple[int, int, float]], sources: list[int], limit: float
) -> tuple[np.ndarray, np.ndarray]:
    """Times and lowest labels from one networkx Dijkstra per source (label = position)."""
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    G.add_weighted_edges_from(edges)
    time = np.full(n, INF)
    label = np.full(n, -1, dtype=np.int64)
    for index, source in enumerate(sources):
        lengths = nx.single_source_dijkstra_path_length(G, source, cutoff=limit)
        for node, t in lengths.items():
            if t < time[node]:
                time[node], label[node] = t, index
    return time, label


def test_one_way_chain_with_limit_and_offset() -> None:
    # 0 -> 1 -> 2 -> 3, 10 s each; nothing leads back
    matrix = csr(4, [(0, 1, 10.0), (1, 2, 10.0), (2, 3, 10.0)])
    time, label = search(matrix, [1], [0], limit=10.0, offset=60.0)
    # node 2 is exactly at the limit: reached; the offset is added to reached nodes only
    assert time.tolist() == [INF, 60.0, 70.0, INF]
    assert label.tolist() == [-1, 0, 0, -1]


def test_equal_times_go_to_the_lowest_label_along_every_shortest_path() -> None:
    # two sources 4 s from node 2 by different roads; 2 -> 3 carries the tie on
    matrix = csr(4, [(0, 2, 4.0), (1, 2, 4.0), (2, 3, 1.0)])
    time, label = search(matrix, [0, 1], [5, 2])
    assert time.tolist() == [0.0, 0.0, 4.0, 5.0]
    assert label.tolist() == [5, 2, 2, 2]


def test_zero_length_edges_inside_a_bucket_pass_the_lower_label_on() -> None:
    # 0 reaches 2 at 3 s; 1 reaches 3 at 3 s and 3 -> 2 costs nothing: 2 takes label 0 (lower)
    # only after re-expansion within the same bucket
    matrix = csr(5, [(0, 2, 3.0), (1, 3, 3.0), (3, 2, 0.0), (2, 4, 1.0)])
    time, label = search(matrix, [1, 0], [1, 0])
    assert time.tolist() == [0.0, 0.0, 3.0, 3.0, 4.0]
    assert label.tolist() == [0, 1, 0, 1, 0]


def test_no_source_and_unreachable_nodes() -> None:
    matrix = csr(3, [(0, 1, 1.0)])
    time, label = search(matrix, [], [])
    assert np.isinf(time).all()
    assert (label == -1).all()
    time, label = search(matrix, [1], [0])
    assert time.tolist() == [INF, 0.0, INF]


def test_bucket_width_and_ring() -> None:
    width, ring = bucket_width(np.array([0.0, 2.0, 0.5, 30.0]))
    assert width == 0.5
    assert ring >= 30.0 / 0.5 + 1
    assert ring & (ring - 1) == 0
    # a tiny edge beside a huge one: the ring stays bounded, the width grows
    width, ring = bucket_width(np.array([1e-9, 1e6]))
    assert ring <= MAX_RING
    assert width > 1e-9
    assert bucket_width(np.array([0.0, 0.0])) == (1.0, 2)


graphs = st.integers(min_value=1, max_value=25).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, n - 1),
                st.integers(0, 9).map(float),
            ),
            max_size=4 * n,
        ),
        st.lists(st.integers(0, n - 1), min_size=1, max_size=5, unique=True),
        st.sampled_from([INF, 0.0, 5.0, 12.0]),
        st.sampled_from([None, 0.25, 3.0, 50.0]),
    )
)


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_random_graphs_equal_the_brute_force(
    case: tuple[int, list[tuple[int, int, float]], list[int], float, float | None],
) -> None:
    n, edges, sources, limit, delta = case
    time, label = search(
        csr(n, edges), sources, list(range(len(sources))), limit=limit, delta=delta
    )
    want_time, want_label = brute_force(n, edges, sources, limit)
    assert time.tolist() == want_time.tolist()
    assert label.tolist() == want_label.tolist()


@pytest.mark.parametrize("seed", range(5))
def test_random_real_weights_equal_scipy_exactly(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 2000, 8000
    matrix = csr(
        n,
        list(
            zip(
                rng.integers(0, n, m).tolist(),
                rng.integers(0, n, m).tolist(),
                rng.exponential(20.0, m).tolist(),
                strict=True,
            )
        ),
    )
    sources = np.unique(rng.integers(0, n, 30)).tolist()
    time, label = search(matrix, sources, list(range(len(sources))), limit=60.0)
    want = dijkstra(matrix, directed=True, indices=sources, min_only=True, limit=60.0)
    assert np.array_equal(time, want)
    assert ((label >= 0) == np.isfinite(want)).all()


def _dispatcher() -> Any:
    """The numba dispatcher behind the search (made at its first call)."""
    cells = [cell.cell_contents for cell in _buckets._search.__closure__ or ()]
    return next(value for value in cells if hasattr(value, "signatures"))


def test_the_warm_up_in_a_thread_loads_the_search_every_call_uses() -> None:
    # the warm-up and a search start together: one dispatcher, one signature (the warm-up's
    # types are those of a real call), and the search's answer is the usual one
    matrix = csr(4, [(0, 1, 10.0), (1, 2, 10.0), (2, 3, 10.0)])
    with ThreadPoolExecutor(max_workers=2) as pool:
        warm = pool.submit(warm_up)
        searched = pool.submit(search, matrix, [1], [0], limit=10.0, offset=60.0)
        warm.result()
        time, label = searched.result()
    assert time.tolist() == [INF, 60.0, 70.0, INF]
    assert label.tolist() == [-1, 0, 0, -1]
    assert len(_dispatcher().signatures) == 1
