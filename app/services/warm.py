"""Code a computing command will need, loaded while it does other work (reads, writes, imports).

Loading is not computing: what is loaded here a later call would load the same, so a warm-up
changes no answer, only when the wait is paid.
"""

import logging
import threading

_log = logging.getLogger(__name__)


def load_search() -> None:
    """Load the compiled coverage search now (numba's import and its machine code, ~0.4 s).

    From numba's disk cache, or compiled once; see :func:`geo.access._buckets.warm_up`.
    """
    from geo.access._buckets import warm_up

    try:
        warm_up()
    except Exception:
        # a load that failed here (two threads importing one module can meet in Python's import
        # locks) is done again by the first search, which fails loudly if it must
        _log.debug("search warm-up failed; the first search loads the code", exc_info=True)


def start_search_warm_up() -> threading.Thread:
    """:func:`load_search` in a thread, started now; returns the thread.

    A command about to evaluate (a ``fplan check`` with no stored run) starts it before its
    imports and database reads, which it then overlaps instead of delaying the first search.
    Not a daemon: a command that ends early (a refused input) waits for the load to finish
    rather than tear the interpreter down under a thread inside LLVM.
    """
    # the module (numpy only) is imported here, so the thread imports nothing but numba
    import geo.access._buckets  # noqa: F401 (imported for the thread)

    thread = threading.Thread(target=load_search, name="fplan-warm-up")
    thread.start()
    return thread
