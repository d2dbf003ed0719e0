"""Sparse cost-matrix helpers for the services (which do not handle scipy themselves).

A cost matrix is a ``scipy.sparse.csr_array`` of demand x site costs (seconds or metres), stored
pairs = within reach (:data:`geo.access.matrix.CostMatrix`).
"""

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from geo.access.matrix import CostMatrix

__all__ = ["columns", "reach_matrix", "stack_rows"]


def stack_rows(
    parts: Sequence[CostMatrix], rows: Sequence[ArrayLike], shape: tuple[int, int]
) -> CostMatrix:
    """One cost matrix of ``shape`` from row blocks: block ``k``'s row ``r`` is row ``rows[k][r]``.

    Parameters
    ----------
    parts
        Cost matrices with the same number of columns as ``shape``.
    rows
        Per block, the target row of each of its rows.
    shape
        ``(n_demand, n_site)`` of the result; rows no block fills stay empty (nothing in reach).
    """
    data, row_of, col_of = (
        [np.zeros(0)],
        [np.zeros(0, dtype=np.int64)],
        [np.zeros(0, dtype=np.int64)],
    )
    for part, target in zip(parts, rows, strict=True):
        coo = sp.coo_array(part)
        index = np.asarray(target, dtype=np.int64).reshape(-1)
        data.append(np.asarray(coo.data, dtype=np.float64))
        row_of.append(index[np.asarray(coo.row, dtype=np.int64)])
        col_of.append(np.asarray(coo.col, dtype=np.int64))
    return sp.csr_array(
        (np.concatenate(data), (np.concatenate(row_of), np.concatenate(col_of))), shape=shape
    )


def reach_matrix(cost: CostMatrix, radius: ArrayLike) -> CostMatrix:
    """A 0/1 matrix: 1 where a stored cost is within its demand's radius (same unit)."""
    coo = sp.coo_array(cost)
    limit = np.asarray(radius, dtype=np.float64).reshape(-1)
    keep = np.asarray(coo.data, dtype=np.float64) <= limit[coo.row]
    return sp.csr_array(
        (np.ones(int(keep.sum())), (coo.row[keep], coo.col[keep])), shape=cost.shape
    )


def columns(matrix: CostMatrix, js: Sequence[int]) -> list[NDArray[np.bool_]]:
    """Per column ``j`` of ``js``: per demand, whether it stores a pair (one conversion)."""
    csc = sp.csc_array(matrix)
    out = []
    for j in js:
        mask = np.zeros(matrix.shape[0], dtype=np.bool_)
        mask[csc.indices[csc.indptr[j] : csc.indptr[j + 1]]] = True
        out.append(mask)
    return out
