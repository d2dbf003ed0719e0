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

:func:`run_cases` runs each case in a fresh process by default, so each peak is the case's own.
No database is used.
"""

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial

from app.errors import InvalidInputError
from benchmarks.common import RECORD_FIELDS, BenchCase, BenchOptions, Record
from benchmarks.coverage import porto_alegre_drive_15min, synthetic_case
from benchmarks.optimize import incremental_add_site, mclp_vs_spopt

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


def select_cases(names: Sequence[str] = (), *, quick: bool = False) -> list[BenchCase]:
    """Return the named cases in registry order, or all (without heavy ones when ``quick``)."""
    known = {c.name for c in CASES}
    unknown = [n for n in names if n not in known]
    if unknown:
        msg = f"unknown benchmark case(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        raise InvalidInputError(msg, details=[{"field": "case", "msg": msg}])
    if names:
        return [c for c in CASES if c.name in set(names)]
    return [c for c in CASES if not (quick and c.heavy)]


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
                records.append(pool.submit(case.run, options).result())
        else:
            records.append(case.run(options))
    return records


register_case(
    BenchCase(
        "porto_alegre_drive_15min",
        porto_alegre_drive_15min,
        "real OSM, Porto Alegre: facilities = H3 cells with health care",
    )
)
register_case(
    BenchCase(
        "synthetic_jishou_20k_drive_15min",
        partial(
            synthetic_case,
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
        partial(
            synthetic_case,
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
        partial(
            synthetic_case,
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
        incremental_add_site,
        "synthetic ~250k nodes, 2,000 facilities: one new site merged incrementally (issue 6)",
    )
)
register_case(
    BenchCase(
        "mclp_vs_spopt",
        mclp_vs_spopt,
        "real OSM, Porto Alegre walk 15 min: MCLP ours (HiGHS) vs spopt (CBC), same matrix",
    )
)
