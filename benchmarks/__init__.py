"""Benchmark cases of ``fplan bench``: our coverage engine against networkx on the same graphs.

A case is a function ``(BenchOptions) -> record`` registered in :data:`CASES` (in run order);
later issues append theirs with :func:`register_case`. A record is a flat dict with at least
:data:`RECORD_FIELDS`:

``case``, ``nodes``, ``edges`` (directed), ``facilities``
    What was measured.
``ours_s``
    Best of ``repeats`` runs of :func:`geo.coverage.nearest_facility` (drive, 15-minute limit),
    seconds; the drive CSR matrices are built beforehand (in ``build_s``), as the service caches
    them per network.
``networkx_s``
    One run of ``networkx.multi_source_dijkstra_path_length(G, sources, cutoff=900)`` on an
    ``nx.DiGraph`` built from the same CSR travel times (building it is not timed), seconds.
    Both timings run with the garbage collector paused, as ``timeit`` does.
``ratio``
    ``networkx_s / ours_s``.
``max_abs_diff_s``
    Largest travel-time difference over the nodes reached by either, seconds; ``inf`` when one
    reaches a node the other does not (counted in ``reachable_mismatch``).
``build_s``
    From reading (or generating) the network to its drive CSR matrices, facilities snapped,
    seconds.
``peak_rss_mb``
    Peak resident memory of the process after the build and our runs, before networkx is
    touched (``resource.getrusage`` max RSS), MiB; ``peak_rss_total_mb`` includes networkx.
``scipy_s``, ``c_ref_s``, ``vs_scipy``, ``vs_floor`` (search cases)
    The same search by ``scipy.sparse.csgraph.dijkstra(min_only=True, limit=…)`` and by a plain
    C Dial's search compiled with ``gcc -O3`` at benchmark time (:mod:`benchmarks.reference`),
    on the same CSR arrays, best of ``repeats`` runs taken in turn with ours, seconds;
    ``vs_scipy`` = ``scipy_s / ours_s``, ``vs_floor`` = ``ours_s / c_ref_s`` (``None`` and a
    reason in ``c_ref`` when gcc is missing); ``scipy_equal`` / ``c_ref_equal`` say whether the
    times (and the C labels) are bit-equal to ours.
``load_avg_1m``, ``load_avg_5m``, ``load_avg_15m``
    The machine's load averages as the case ended (every case): figures taken under load are
    noisy, ratios within one run less so.

:func:`run_cases` runs each case in a fresh process by default, so each peak is the case's own.
No database is used.
"""

import importlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any, cast

from app.errors import InvalidInputError
from benchmarks.common import RECORD_FIELDS, BenchCase, BenchOptions, Record

__all__ = [
    "CASES",
    "RECORD_FIELDS",
    "BenchCase",
    "BenchOptions",
    "Record",
    "register_case",
    "run_cases",
    "select_cases",
]

CASES: list[BenchCase] = []


def register_case(case: BenchCase) -> BenchCase:
    """Append ``case`` to :data:`CASES`; names are unique."""
    if any(c.name == case.name for c in CASES):
        msg = f"benchmark case {case.name!r} is already registered"
        raise ValueError(msg)
    CASES.append(case)
    return case


def select_cases(
    names: Sequence[str] = (), *, quick: bool = False, e2e: bool = False
) -> list[BenchCase]:
    """Return the named cases in registry order, or all: without heavy ones when ``quick``, with
    the end-to-end (database) ones only when ``e2e``, never the opt-in ones (by name only)."""
    known = {c.name for c in CASES}
    unknown = [n for n in names if n not in known]
    if unknown:
        msg = f"unknown benchmark case(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        raise InvalidInputError(msg, details=[{"field": "case", "msg": msg}])
    if names:
        return [c for c in CASES if c.name in set(names)]
    return [c for c in CASES if not (quick and c.heavy) and (e2e or not c.e2e) and not c.opt_in]


def run_cases(
    cases: Sequence[BenchCase],
    options: BenchOptions,
    *,
    isolate: bool = True,
    on_start: Callable[[BenchCase], None] | None = None,
) -> list[Record]:
    """Run ``cases`` in order and return their records.

    Parameters
    ----------
    cases
        The cases, e.g. from :func:`select_cases`.
    options
        Data folder and repeat count.
    isolate
        Run each case in a fresh (spawned) process, so its ``peak_rss_mb`` is its own; otherwise
        in this process, where the peak only ever grows from case to case.
    on_start
        Called with each case before it runs (progress output).
    """
    records = []
    for case in cases:
        if on_start is not None:
            on_start(case)
        if isolate:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                records.append(pool.submit(_measured, case.run, options).result())
        else:
            records.append(_measured(case.run, options))
    return records


def _case(module: str, name: str, options: BenchOptions, **kwargs: Any) -> Record:
    """Run ``module.name(options, **kwargs)``, importing the module only now (fast ``--list``)."""
    run = getattr(importlib.import_module(module), name)
    return cast(Record, run(options, **kwargs))


def _lazy(module: str, name: str, **kwargs: Any) -> Callable[[BenchOptions], Record]:
    """A case runner that imports its module when it runs (picklable for the spawned process)."""
    return partial(_case, module, name, **kwargs)


def _measured(run: Callable[[BenchOptions], Record], options: BenchOptions) -> Record:
    """``run(options)`` with the machine's load averages added to its record."""
    record = run(options)
    one, five, fifteen = os.getloadavg()
    record.update(load_avg_1m=one, load_avg_5m=five, load_avg_15m=fifteen)
    return record


register_case(
    BenchCase(
        "porto_alegre_drive_15min",
        _lazy("benchmarks.coverage", "porto_alegre_drive_15min"),
        "real OSM, Porto Alegre: facilities = H3 cells with health care",
    )
)
register_case(
    BenchCase(
        "synthetic_jishou_20k_drive_15min",
        _lazy(
            "benchmarks.coverage",
            "synthetic_case",
            case="synthetic_jishou_20k_drive_15min",
            target_nodes=20_000,
            facilities=100,
            area="jishou",
        ),
        "synthetic, Jishou county (~20k nodes), 100 facilities",
    )
)
register_case(
    BenchCase(
        "synthetic_250k_drive_15min",
        _lazy(
            "benchmarks.coverage",
            "synthetic_case",
            case="synthetic_250k_drive_15min",
            target_nodes=250_000,
            facilities=2_000,
            area="hunan",
        ),
        "synthetic, Hunan with 122 county seats (~250k nodes), 2,000 facilities",
    )
)
register_case(
    BenchCase(
        "synthetic_1m_drive_15min",
        _lazy(
            "benchmarks.coverage",
            "synthetic_case",
            case="synthetic_1m_drive_15min",
            target_nodes=1_000_000,
            facilities=2_000,
            area="hunan",
        ),
        "synthetic, Hunan with 122 county seats (~1M nodes), 2,000 facilities",
        heavy=True,
    )
)
register_case(
    BenchCase(
        "incremental_add_site",
        _lazy("benchmarks.optimize", "incremental_add_site"),
        "synthetic ~250k nodes, 2,000 facilities: one new site merged incrementally (issue 6)",
    )
)
register_case(
    BenchCase(
        "mclp_vs_spopt",
        _lazy("benchmarks.optimize", "mclp_vs_spopt"),
        "real OSM, Porto Alegre walk 15 min: MCLP ours (HiGHS) vs spopt (CBC), same matrix",
    )
)
for _name, _run, _what in (
    ("e2e_demo_yongzhou", "demo_yongzhou", "fplan demo, 永州 from empty · 从空城市准备永州"),
    ("e2e_check_cold", "check_cold", "fplan check, 永州, no stored run · 无已存结果"),
    ("e2e_check_reused", "check_reused", "fplan check, 永州, stored run reused · 复用已存结果"),
    (
        "e2e_listing_commands",
        "listing_commands",
        "fplan cities, network list, token list, norms list, --help … · 只查看的命令",
    ),
    ("e2e_report_yongzhou", "report_yongzhou", "fplan report, 永州, A4 PDF · 永州核查报告 PDF"),
    (
        "e2e_scenario_add_site",
        "scenario_add_site",
        "an added site's quick diff over HTTP · 新增站点的快速对比",
    ),
    (
        "e2e_compliance_50_clients",
        "compliance_under_load",
        "cached /compliance, 永州, 50 clients · 50 并发客户端",
    ),
):
    register_case(
        BenchCase(_name, _lazy("benchmarks.e2e", _run), f"database · 数据库: {_what}", e2e=True)
    )
for _name, _what in (
    ("yongzhou_ems_mclp", "永州急救站半径 MCLP k=10 vs spopt · Yongzhou EMS radius MCLP k = 10"),
    ("yongzhou_ems_fleet", "永州急救站与车辆统筹 · Yongzhou EMS stations and fleet (MEXCLP)"),
):
    register_case(
        BenchCase(
            _name, _lazy("benchmarks.optimize", _name), f"database · 数据库: {_what}", e2e=True
        )
    )
register_case(
    BenchCase(
        "province_pbf_import",
        _lazy("benchmarks.pbf_import", "province_pbf_import"),
        "synthetic province PBF (FPLAN_BENCH_PBF_NODES OSM nodes, default 2M): streaming read",
        opt_in=True,
    )
)
