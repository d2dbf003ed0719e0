"""The reference peers of the coverage search: scipy's Dijkstra and a plain C Dial's search.

:func:`c_reference` compiles ``dial_ref.c`` (this package; the same bucket-queue search as
:mod:`geo.access._buckets`, written plainly in C) with ``gcc -O3`` into a temporary folder at
benchmark time and loads it with ``ctypes``; it is the floor our compiled search is measured
against (``vs_floor``). :func:`scipy_search` is ``scipy.sparse.csgraph.dijkstra`` with
``min_only=True`` and the same limit (``vs_scipy``). Both take the same CSR arrays as ours.
"""

import atexit
import ctypes
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

SOURCE = Path(__file__).with_name("dial_ref.c")

# (indptr, indices, weight, sources, labels, limit, delta, ring, offset) -> (time, label)
Search = Callable[..., tuple[NDArray[np.float64], NDArray[np.int64]]]


class CReference:
    """The compiled C search, or why there is none (``search is None``, ``reason`` says why)."""

    def __init__(self, search: Search | None, reason: str) -> None:
        self.search = search
        self.reason = reason


@cache
def c_reference() -> CReference:
    """Compile and load the C reference once per process (a missing gcc is reported, not raised)."""
    gcc = shutil.which("gcc")
    if gcc is None:
        return CReference(None, "gcc not found: no C reference · 未找到 gcc：无 C 参考实现")
    folder = Path(tempfile.mkdtemp(prefix="fplan-dial-"))
    # the library stays loaded until the process ends; its folder goes then
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    library = folder / "dial_ref.so"
    done = subprocess.run(
        [gcc, "-O3", "-shared", "-fPIC", "-o", str(library), str(SOURCE)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return CReference(None, f"gcc failed: {done.stderr.strip()[:500]}")
    lib = ctypes.CDLL(str(library))
    pointer, i64, f64 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double
    lib.dial_search.argtypes = [
        i64, pointer, pointer, pointer, i64, pointer, pointer,
        f64, f64, i64, f64, pointer, pointer, pointer, pointer, pointer, pointer,
    ]  # fmt: skip
    lib.dial_search.restype = None

    def search(  # noqa: PLR0917 (the same arguments as geo.access._buckets.bucket_search)
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
        """The C search on the same arrays; outputs and work space allocated here, as ours does."""
        n = indptr.shape[0] - 1
        ip = np.ascontiguousarray(indptr, dtype=np.int32)
        ix = np.ascontiguousarray(indices, dtype=np.int32)
        w = np.ascontiguousarray(weight, dtype=np.float64)
        src = np.ascontiguousarray(sources, dtype=np.int64)
        lab = np.ascontiguousarray(labels, dtype=np.int64)
        time = np.empty(n)
        label = np.empty(n, dtype=np.int64)
        work = [np.empty(n, dtype=np.int32) for _ in range(3)]
        head = np.empty(ring, dtype=np.int32)
        lib.dial_search(
            n, ip.ctypes.data, ix.ctypes.data, w.ctypes.data, src.shape[0], src.ctypes.data,
            lab.ctypes.data, float(limit), float(delta), int(ring), float(offset),
            time.ctypes.data, label.ctypes.data, *(a.ctypes.data for a in work), head.ctypes.data,
        )  # fmt: skip
        return time, label

    return CReference(search, "gcc -O3")


def scipy_search(
    matrix: "csr_matrix", sources: NDArray[np.int64], limit: float
) -> NDArray[np.float64]:
    """Times from the nearest source within ``limit`` by ``scipy``'s ``dijkstra(min_only=True)``.

    ``matrix`` is the same CSR matrix ours searches (built once, outside any timing). Seconds
    per node, ``inf`` beyond ``limit``; scipy has no tie rule, so no labels.
    """
    from scipy.sparse.csgraph import dijkstra

    return np.asarray(dijkstra(matrix, directed=True, indices=sources, min_only=True, limit=limit))
