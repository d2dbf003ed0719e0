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
        ``reachable_mismatch``, ``ours_runs``, ``networkx_runs`` and ``peak_rss_total_mb``.
    """
    import networkx as nx

    from geo.access.coverage import nearest_facility

    # ours: best of a few runs on the cached CSR matrices
    ours_times = []
    with gc_paused():
        for _ in range(max(1, repeats)):
            start = time.perf_counter()
            ours = nearest_facility(net, sources, mode="drive", limit_s=limit_s)
            ours_times.append(time.perf_counter() - start)
    ours_s = min(ours_times)
    rss_mb = peak_rss_mb()

    # networkx on the same weights; patients travel *to* the facility, so nodes are reached from
    # the facilities over the transposed graph, as nearest_facility does by default
    matrix = net.mode_graph("drive").backward
    delay_s = net.default_model("drive").dispatch_delay_s
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
        "ours_runs": len(ours_times),
        "networkx_runs": 1,
        "peak_rss_total_mb": peak_rss_mb(),
    }


def porto_alegre_drive_15min(options: BenchOptions) -> Record:
    """Real OSM (Porto Alegre), facilities = H3 cells with health care, snapped to the drive net."""
    import pandas as pd

    from geo.network.readers import read_network
    from geo.network.snap import snap_points

    folder = options.data_dir / "porto_alegre"
    start = time.perf_counter()
    net = read_network(folder / "poa_osm.pbf", mode="drive")
    cells = pd.read_csv(folder / "poa_hexgrid.csv")
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
    from geo.synthetic.roads import build_synthetic_network

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
