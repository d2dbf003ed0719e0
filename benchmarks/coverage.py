"""Coverage cases of ``fplan bench``: our 15-minute drive search against networkx, same graphs.

See :mod:`benchmarks` for the record's fields. No database is used.
"""

import math
import time

import numpy as np
from numpy.typing import NDArray

from benchmarks.common import (
    COVERAGE_LIMIT_S,
    HUNAN_CRS,
    BenchOptions,
    Record,
    gc_paused,
    hunan_province_and_seats,
    jishou_county,
    peak_rss_mb,
    synthetic_facilities,
)
from benchmarks.reference import c_reference, scipy_search
from geo.network import Network


def compare_coverage(
    net: Network,
    sources: NDArray[np.int64],
    *,
    case: str,
    build_s: float,
    repeats: int,
    limit_s: float = COVERAGE_LIMIT_S,
) -> Record:
    """Time our drive coverage and networkx's on the same CSR graph, and compare the times.

    Parameters
    ----------
    net
        The network, its drive graph already built (so ``build_s`` holds that cost).
    sources
        Facility node indices.
    case
        Record name.
    build_s
        Seconds the caller spent building the network.
    repeats
        Runs of our search; the best is reported.
    limit_s
        Coverage limit, seconds.

    Returns
    -------
    Record
        The fields of :data:`RECORD_FIELDS` plus ``synthetic``, ``reached_nodes``,
        ``reachable_mismatch``, ``ours_runs``, ``networkx_runs``, ``peak_rss_total_mb``, and
        the peers (:mod:`benchmarks.reference`, same arrays, runs taken in turn with ours):
        ``scipy_s``, ``c_ref_s`` (best of ``repeats``), ``vs_scipy``, ``vs_floor``, their
        medians, ``scipy_equal`` and ``c_ref_equal`` (bit-equal times; labels too for C) and
        ``c_ref`` (how the C reference was built, or why there is none).
    """
    import networkx as nx

    from geo.access._buckets import bucket_width
    from geo.access.coverage import nearest_facility

    # the peers search the very arrays ours does, from the same distinct sources
    matrix = net.mode_graph("drive").backward
    delay_s = net.default_model("drive").dispatch_delay_s
    nodes, first = np.unique(sources, return_index=True)
    nodes, first = nodes.astype(np.int64), first.astype(np.int64)
    search_limit = limit_s - delay_s
    delta, ring = bucket_width(matrix.data)
    c_ref = c_reference()

    # ours, scipy and the C floor taken in turn, so a burst of load hits all three alike
    runs: dict[str, list[float]] = {"ours": [], "scipy": [], "c_ref": []}
    with gc_paused():
        for _ in range(max(1, repeats)):
            start = time.perf_counter()
            ours = nearest_facility(net, sources, mode="drive", limit_s=limit_s)
            runs["ours"].append(time.perf_counter() - start)
            start = time.perf_counter()
            scipy_time = scipy_search(matrix, nodes, search_limit)
            runs["scipy"].append(time.perf_counter() - start)
            if c_ref.search is not None:
                start = time.perf_counter()
                c_time, c_label = c_ref.search(
                    matrix.indptr, matrix.indices, matrix.data, nodes, first,
                    search_limit, delta, ring, delay_s,
                )  # fmt: skip
                runs["c_ref"].append(time.perf_counter() - start)
    ours_s = min(runs["ours"])
    rss_mb = peak_rss_mb()
    peers = _peer_fields(runs, ours_s)
    peers["scipy_equal"] = bool(np.array_equal(ours.travel_time_s, scipy_time + delay_s))
    peers["c_ref"] = c_ref.reason
    if c_ref.search is not None:
        peers["c_ref_equal"] = bool(
            np.array_equal(ours.travel_time_s, c_time) and np.array_equal(ours.facility, c_label)
        )

    # networkx on the same weights; patients travel *to* the facility, so nodes are reached from
    # the facilities over the transposed graph, as nearest_facility does by default
    tail = np.repeat(np.arange(net.n_nodes), np.diff(matrix.indptr))
    G = nx.DiGraph()
    G.add_nodes_from(range(net.n_nodes))
    G.add_weighted_edges_from(
        zip(tail.tolist(), matrix.indices.tolist(), matrix.data.tolist(), strict=True),
        weight="travel_time_s",
    )
    source_set = set(np.unique(sources).tolist())
    with gc_paused():
        start = time.perf_counter()
        lengths = nx.multi_source_dijkstra_path_length(
            G, source_set, cutoff=limit_s - delay_s, weight="travel_time_s"
        )
        networkx_s = time.perf_counter() - start
    del G

    theirs = np.full(net.n_nodes, np.inf)
    theirs[np.fromiter(lengths.keys(), dtype=np.int64, count=len(lengths))] = np.fromiter(
        lengths.values(), dtype=np.float64, count=len(lengths)
    )
    theirs += delay_s
    ours_reached = np.isfinite(ours.travel_time_s)
    mismatch = int((ours_reached != np.isfinite(theirs)).sum())
    both = ours_reached & np.isfinite(theirs)
    diff = np.abs(ours.travel_time_s[both] - theirs[both])
    max_abs_diff_s = math.inf if mismatch else float(diff.max(initial=0.0))
    return {
        "case": case,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "facilities": int(np.asarray(sources).shape[0]),
        "ours_s": ours_s,
        "networkx_s": networkx_s,
        "ratio": networkx_s / ours_s if ours_s > 0 else math.inf,
        "max_abs_diff_s": max_abs_diff_s,
        "build_s": build_s,
        "peak_rss_mb": rss_mb,
        "synthetic": net.synthetic,
        "reached_nodes": int(ours_reached.sum()),
        "reachable_mismatch": mismatch,
        "ours_runs": len(runs["ours"]),
        "networkx_runs": 1,
        "peak_rss_total_mb": peak_rss_mb(),
        **peers,
    }


def _peer_fields(runs: dict[str, list[float]], ours_s: float) -> Record:
    """Best and median seconds of each search, and the ratios (``None`` without a C reference).

    ``vs_scipy`` = ``scipy_s / ours_s`` (above 1: ours is faster); ``vs_floor`` =
    ``ours_s / c_ref_s`` (1 is the plain C search; above 1: ours is slower), best runs each.
    """
    scipy_s = min(runs["scipy"])
    c_ref_s = min(runs["c_ref"]) if runs["c_ref"] else None
    return {
        "scipy_s": scipy_s,
        "c_ref_s": c_ref_s,
        "vs_scipy": scipy_s / ours_s if ours_s > 0 else math.inf,
        "vs_floor": None if c_ref_s is None else (ours_s / c_ref_s if c_ref_s > 0 else math.inf),
        "ours_median_s": float(np.median(runs["ours"])),
        "scipy_median_s": float(np.median(runs["scipy"])),
        "c_ref_median_s": float(np.median(runs["c_ref"])) if runs["c_ref"] else None,
    }


def porto_alegre_drive_15min(options: BenchOptions) -> Record:
    """Real OSM (Porto Alegre), facilities = H3 cells with health care, snapped to the drive net."""
    from geo.network.readers import read_network
    from geo.network.snap import snap_points
    from geo.population.points import read_points

    folder = options.data_dir / "porto_alegre"
    start = time.perf_counter()
    net = read_network(folder / "poa_osm.pbf", mode="drive")
    cells = read_points(folder / "poa_hexgrid.csv", weight_column="population")
    health = cells[cells["healthcare"] > 0]
    snapped = snap_points(net, health["lon"].to_numpy(), health["lat"].to_numpy(), mode="drive")
    net.mode_graph("drive")
    build_s = time.perf_counter() - start
    return compare_coverage(
        net,
        snapped.node[snapped.on_network],
        case="porto_alegre_drive_15min",
        build_s=build_s,
        repeats=options.repeats,
    )


def synthetic_case(
    options: BenchOptions,
    *,
    case: str,
    target_nodes: int,
    facilities: int,
    area: str,
) -> Record:
    """Coverage on a labelled synthetic network of about ``target_nodes`` nodes.

    ``area="hunan"`` fills the province around its 122 county seats weighted by census people;
    ``area="jishou"`` fills Jishou county around the generator's default seats.
    """
    from geo.synthetic import build_synthetic_network

    if area == "hunan":
        boundary, seats = hunan_province_and_seats(options.data_dir)
    elif area == "jishou":
        boundary, seats = jishou_county(options.data_dir), None
    else:
        msg = f"unknown synthetic area {area!r}; expected 'hunan' or 'jishou'"
        raise ValueError(msg)
    start = time.perf_counter()
    net = build_synthetic_network(
        boundary, crs=HUNAN_CRS, target_nodes=target_nodes, seats=seats, seed=0
    )
    sources = synthetic_facilities(net, facilities)
    net.mode_graph("drive")
    build_s = time.perf_counter() - start
    return compare_coverage(net, sources, case=case, build_s=build_s, repeats=options.repeats)
