"""Province-scale PBF import: generate a synthetic extract, time the streaming read and its peak.

The extract (:mod:`tools.synthetic_pbf`: a street grid among buildings, most nodes to skip) is
written to a temporary folder by a child process, so the case's ``peak_rss_mb`` is the read's
alone. ``FPLAN_BENCH_PBF_NODES`` sets its OSM node count (default :data:`DEFAULT_NODES`; the
issue's province figure is 20 M). The record adds ``osm_nodes``, ``osm_ways``, ``file_mb``,
``generate_s``, ``read_s`` and the read's counts (``highway_ways``, ``kept_ways``,
``node_refs``, ``needed_nodes``, ``located_nodes``); ``nodes`` and ``edges`` are the network
kept (mode ``all``, as ``fplan network import`` reads).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.errors import InvalidInputError
from benchmarks.common import BenchOptions, Record, peak_rss_mb
from geo.network.osm import PbfTally, read_pbf
from tools.synthetic_pbf import spec_for_nodes

DEFAULT_NODES = 2_000_000


def pbf_nodes_wanted() -> int:
    """OSM nodes of the generated extract: ``FPLAN_BENCH_PBF_NODES`` or :data:`DEFAULT_NODES`."""
    given = os.environ.get("FPLAN_BENCH_PBF_NODES", "").replace("_", "")
    if not given:
        return DEFAULT_NODES
    if not given.isdigit() or int(given) < 1:
        msg = f"FPLAN_BENCH_PBF_NODES must be a positive whole number, got {given!r}"
        raise InvalidInputError(msg, details=[{"field": "FPLAN_BENCH_PBF_NODES", "msg": msg}])
    return int(given)


def province_pbf_import(options: BenchOptions) -> Record:
    """Write a synthetic extract of about ``FPLAN_BENCH_PBF_NODES`` nodes and read it."""
    del options  # no shared data: the extract is generated
    spec = spec_for_nodes(pbf_nodes_wanted())
    with tempfile.TemporaryDirectory(prefix="fplan-bench-pbf-") as folder:
        path = Path(folder) / "province.osm.pbf"
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tools.synthetic_pbf",
                str(path),
                "--nodes",
                str(spec.total_nodes),
            ],
            check=True,
            capture_output=True,
        )
        generate_s = time.perf_counter() - start
        tally = PbfTally()
        start = time.perf_counter()
        net = read_pbf(path, mode="all", tally=tally)
        read_s = time.perf_counter() - start
        file_mb = path.stat().st_size / 1e6
    return {
        "case": "province_pbf_import",
        "synthetic": True,
        "nodes": int(net.n_nodes),
        "edges": int(net.n_edges),
        "facilities": 0,
        "ours_s": read_s,
        "networkx_s": None,
        "ratio": None,
        "max_abs_diff_s": None,
        "build_s": read_s,
        "peak_rss_mb": peak_rss_mb(),
        "read_s": read_s,
        "generate_s": generate_s,
        "osm_nodes": spec.total_nodes,
        "osm_ways": spec.total_ways,
        "file_mb": file_mb,
        **vars(tally),
    }
