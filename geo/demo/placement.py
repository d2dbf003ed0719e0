"""Placement helpers of the demo generator: apportionment, weighted k-means, points in cells."""

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

# Lloyd iterations of the weighted k-means; sites snap to cells, so a rough optimum is enough
KMEANS_ITERATIONS = 8
# random tries per facility to land strictly inside a polygon cell before falling back
POINT_TRIES = 16


def apportion(total: int, weights: NDArray[np.float64]) -> NDArray[np.int64]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder).

    Parameters
    ----------
    total
        The count to split; nothing is split when it is not positive.
    weights
        Non-negative weight per share; when all are zero the split is even.

    Returns
    -------
    numpy.ndarray
        One non-negative integer per weight, summing to ``max(total, 0)``; ties in the remainder
        go to the lower index, so the result is deterministic.
    """
    n = weights.shape[0]
    out = np.zeros(n, dtype=np.int64)
    if total <= 0 or n == 0:
        return out
    w = np.clip(np.nan_to_num(weights.astype(np.float64), nan=0.0), 0.0, None)
    if w.sum() <= 0:
        w = np.ones(n)
    exact: NDArray[np.float64] = total * w / w.sum()
    out = np.floor(exact).astype(np.int64)
    left = int(total - out.sum())
    order = np.lexsort((np.arange(n), -(exact - out)))
    out[order[:left]] += 1
    return out


def weighted_kmeans_sites(
    xy: NDArray[np.float64],
    weight: NDArray[np.float64],
    k: int,
    *,
    fixed_xy: NDArray[np.float64],
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Choose ``k`` distinct cells that spread facilities over a weighted point cloud.

    A population-weighted k-means (k-means++ start, a few Lloyd steps) clusters the cells; each
    cluster's site is its most populous cell, where a facility of that catchment usually stands.
    Centres at ``fixed_xy`` (facilities that already exist) take part but do not move, so new
    sites fill the gaps between them.

    Parameters
    ----------
    xy
        Cell coordinates, shape (n, 2), metres.
    weight
        Residents per cell, shape (n,), positive.
    k
        Number of sites wanted.
    fixed_xy
        Existing facilities, shape (m, 2), metres; may be empty.
    rng
        Source of randomness (the k-means++ start).

    Returns
    -------
    sites, catchment
        Index into ``xy`` of each site, and the residents of its cluster. When ``k`` exceeds the
        number of cells every cell is used, most populous first, and then again in that order.
    """
    n = xy.shape[0]
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    if k >= n:
        return _every_cell(weight, k)
    centres = _kmeans_pp(xy, weight, k, fixed_xy=fixed_xy, rng=rng)
    m = fixed_xy.shape[0]
    labels = np.zeros(n, dtype=np.int64)
    wx, wy = weight * xy[:, 0], weight * xy[:, 1]
    for _ in range(KMEANS_ITERATIONS):
        labels = cKDTree(centres).query(xy)[1].astype(np.int64)
        mass = np.bincount(labels, weights=weight, minlength=centres.shape[0])
        sx = np.bincount(labels, weights=wx, minlength=centres.shape[0])
        sy = np.bincount(labels, weights=wy, minlength=centres.shape[0])
        moved = mass > 0
        moved[:m] = False
        updated = centres.copy()
        updated[moved, 0] = sx[moved] / mass[moved]
        updated[moved, 1] = sy[moved] / mass[moved]
        if np.allclose(updated, centres):
            break
        centres = updated
    labels = cKDTree(centres).query(xy)[1].astype(np.int64)
    mass = np.bincount(labels, weights=weight, minlength=centres.shape[0])
    return _snap_clusters(xy, weight, labels, centres, m), mass[m:].astype(np.float64)


def _every_cell(
    weight: NDArray[np.float64], k: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    n = weight.shape[0]
    order = np.lexsort((np.arange(n), -weight))
    sites = order[np.arange(k) % n].astype(np.int64)
    repeats = np.bincount(sites, minlength=n)
    return sites, weight[sites] / repeats[sites]


def _kmeans_pp(
    xy: NDArray[np.float64],
    weight: NDArray[np.float64],
    k: int,
    *,
    fixed_xy: NDArray[np.float64],
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    n = xy.shape[0]
    d2 = cKDTree(fixed_xy).query(xy)[0] ** 2 if fixed_xy.shape[0] else np.full(n, np.inf)
    chosen = np.zeros(n, dtype=np.bool_)
    picks = np.zeros(k, dtype=np.int64)
    # contiguous coordinates and buffers reused by every pick (k picks of O(n) work each)
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    p_buf, dx2, dy2 = np.empty(n), np.empty(n), np.empty(n)
    for j in range(k):
        # a chosen cell has d2 == 0, so it cannot be drawn again
        p = weight if j == 0 and not fixed_xy.shape[0] else np.multiply(weight, d2, out=p_buf)
        total = p.sum()
        if total > 0:
            i = int(np.searchsorted(np.cumsum(p), rng.random() * total, side="right"))
            i = min(i, n - 1)
        else:
            # every remaining cell sits on a centre: take the most populous unused one
            i = int(np.argmax(np.where(chosen, -np.inf, weight)))
        chosen[i] = True
        picks[j] = i
        # squared distance to the new centre: dx² + dy², as ((xy - xy[i]) ** 2).sum(axis=1)
        np.subtract(x, x[i], out=dx2)
        np.multiply(dx2, dx2, out=dx2)
        np.subtract(y, y[i], out=dy2)
        np.multiply(dy2, dy2, out=dy2)
        np.minimum(d2, np.add(dx2, dy2, out=dx2), out=d2)
    return np.vstack([fixed_xy.reshape(-1, 2), xy[picks]])


def _snap_clusters(
    xy: NDArray[np.float64],
    weight: NDArray[np.float64],
    labels: NDArray[np.int64],
    centres: NDArray[np.float64],
    m: int,
) -> NDArray[np.int64]:
    k = centres.shape[0] - m
    sites = np.full(k, -1, dtype=np.int64)
    # the most populous cell of each cluster
    order = np.lexsort((np.arange(labels.shape[0]), -weight, labels))
    first_label, first_pos = np.unique(labels[order], return_index=True)
    for label, pos in zip(first_label, first_pos, strict=True):
        if label >= m:
            sites[label - m] = order[pos]
    used = np.zeros(xy.shape[0], dtype=np.bool_)
    used[sites[sites >= 0]] = True
    # an empty cluster takes the free cell nearest its centre
    for j in np.flatnonzero(sites < 0):
        d2 = ((xy - centres[m + j]) ** 2).sum(axis=1)
        d2[used] = np.inf
        i = int(np.argmin(d2))
        sites[j] = i
        used[i] = True
    return sites


def densest_sites(
    density: NDArray[np.float64],
    weight: NDArray[np.float64],
    k: int,
    *,
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Choose ``k`` cells among the densest: the densest first, the rest drawn by residents.

    Parameters
    ----------
    density
        Residents per km² of each candidate cell (or residents, for point cells).
    weight
        Residents per cell, the draw's weights.
    k
        Number of sites.
    rng
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        Index of each site into the candidates, distinct while there are enough candidates; the
        pool is the ``max(2 k, 5)`` densest cells (hospitals cluster in the urban core).
    """
    n = density.shape[0]
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((np.arange(n), -weight, -density))
    pool = order[: max(2 * k, 5)]
    out = [int(pool[0])]
    rest = pool[1:]
    while len(out) < k and rest.size:
        p = weight[rest] + 1e-9
        take = min(k - len(out), rest.size)
        drawn = rng.choice(rest.size, size=take, replace=False, p=p / p.sum())
        out.extend(int(i) for i in rest[drawn])
        rest = np.delete(rest, drawn)
    # fewer candidates than hospitals: reuse cells, densest first
    while len(out) < k:
        out.append(int(pool[(len(out)) % pool.size]))
    return np.asarray(out[:k], dtype=np.int64)


def points_in_cells(geoms: NDArray[np.object_], *, rng: np.random.Generator) -> NDArray[np.object_]:
    """A random point strictly inside each polygon cell; a point cell is its own point.

    Parameters
    ----------
    geoms
        One shapely geometry per facility (its cell), metric CRS.
    rng
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        Shapely points, one per geometry; a polygon where no random try lands inside (a sliver)
        gets :func:`shapely.point_on_surface`.
    """
    n = geoms.shape[0]
    out = np.empty(n, dtype=object)
    if n == 0:
        return out
    areal = shapely.area(geoms) > 0
    out[~areal] = shapely.point_on_surface(geoms[~areal])
    poly = geoms[areal]
    if poly.size:
        bounds = shapely.bounds(poly)
        u = rng.random((poly.size, POINT_TRIES, 2))
        x = bounds[:, [0]] + u[:, :, 0] * (bounds[:, [2]] - bounds[:, [0]])
        y = bounds[:, [1]] + u[:, :, 1] * (bounds[:, [3]] - bounds[:, [1]])
        inside = shapely.contains_xy(np.repeat(poly, POINT_TRIES), x.ravel(), y.ravel()).reshape(
            poly.size, POINT_TRIES
        )
        hit = inside.any(axis=1)
        first = inside.argmax(axis=1)
        rows = np.arange(poly.size)
        pts = shapely.points(x[rows, first], y[rows, first])
        pts[~hit] = shapely.point_on_surface(poly[~hit])
        out[areal] = pts
    return out
