"""The benchmark's peers: the C reference (compiled here with gcc) and scipy equal our search.

Random graphs as in ``tests/geo/access/test_buckets.py``: small integer weights (zeros included), so
every path sum is exact and the labels (lowest source among equal times) must agree too.
"""

import numpy as np
import pytest
from hypothesis import given, settings

from benchmarks.reference import c_reference, scipy_search
from geo.access._buckets import bucket_search, bucket_width
from tests.geo.access.test_buckets import csr, graphs


def test_gcc_builds_the_reference() -> None:
    # gcc is part of the development machine and of CI (Debian): the floor must be measured
    reference = c_reference()
    assert reference.search is not None, reference.reason
    assert reference.reason == "gcc -O3"


@settings(max_examples=200, deadline=None)
@given(graphs)
def test_random_graphs_equal_the_c_reference_and_scipy(
    case: tuple[int, list[tuple[int, int, float]], list[int], float, float | None],
) -> None:
    n, edges, sources, limit, _ = case
    matrix = csr(n, edges)
    delta, ring = bucket_width(matrix.data)
    nodes = np.asarray(sources, dtype=np.int64)
    labels = np.arange(len(sources), dtype=np.int64)[::-1].copy()
    args = (matrix.indptr, matrix.indices, matrix.data, nodes, labels, limit, delta, ring, 30.0)
    ours_time, ours_label = bucket_search(*args)
    search = c_reference().search
    assert search is not None
    c_time, c_label = search(*args)
    assert ours_time.tolist() == c_time.tolist()
    assert ours_label.tolist() == c_label.tolist()
    reached = np.isfinite(ours_time)
    want = scipy_search(matrix, nodes, limit) + 30.0
    assert ours_time.tolist() == want.tolist()
    assert (ours_label >= 0).tolist() == reached.tolist()


@pytest.mark.parametrize("seed", range(3))
def test_real_weights_equal_the_c_reference_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 3000, 12000
    edges = list(
        zip(
            rng.integers(0, n, m).tolist(),
            rng.integers(0, n, m).tolist(),
            rng.exponential(20.0, m).tolist(),
            strict=True,
        )
    )
    matrix = csr(n, edges)
    delta, ring = bucket_width(matrix.data)
    nodes = np.unique(rng.integers(0, n, 40)).astype(np.int64)
    labels = np.arange(nodes.shape[0], dtype=np.int64)
    args = (matrix.indptr, matrix.indices, matrix.data, nodes, labels, 90.0, delta, ring, 0.0)
    ours_time, ours_label = bucket_search(*args)
    search = c_reference().search
    assert search is not None
    c_time, c_label = search(*args)
    assert np.array_equal(ours_time, c_time)
    assert np.array_equal(ours_label, c_label)
    assert np.array_equal(ours_time, scipy_search(matrix, nodes, 90.0))
    assert np.isfinite(ours_time).sum() > 100


def test_without_gcc_the_record_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks.coverage import compare_coverage
    from geo.network import network_from_arrays

    # a machine without a compiler: nothing named gcc on the PATH
    monkeypatch.setenv("PATH", "/nonexistent")
    c_reference.cache_clear()
    try:
        reference = c_reference()
        assert reference.search is None
        assert reference.reason.startswith("gcc not found")
        net = network_from_arrays(
            np.arange(4) * 500.0, np.zeros(4), [0, 1, 2], [1, 2, 3], ["residential"] * 3,
            crs="EPSG:32649",
        )  # fmt: skip
        net.mode_graph("drive")
        record = compare_coverage(net, np.array([0]), case="line", build_s=0.0, repeats=1)
    finally:
        c_reference.cache_clear()
    assert record["c_ref_s"] is None
    assert record["vs_floor"] is None
    assert record["c_ref"] == reference.reason
    assert "c_ref_equal" not in record
    assert record["scipy_equal"] is True
    assert isinstance(record["vs_scipy"], float)
