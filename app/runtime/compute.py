"""Long computations (compliance, gaps, coverage, optimisation) under a deadline.

Design: a fixed pool of ``workers`` threads runs the computations; a request submits its job and
waits at most ``timeout_s``. Python cannot kill a thread, so the guarantees are:

* a job still queued when its deadline passes is cancelled and never runs: the request gets 503
  (:class:`ComputationBusyError`, every worker was busy the whole time);
* a job that started but did not finish gets 504 (:class:`ComputationTimeoutError`); it runs on
  to its end in the background, so at most ``workers`` computations ever run at once, timed out
  or not, and work cannot pile up behind a slow one. A compliance run that finishes late is
  stored as usual, so the client's retry answers from it;
* a job opens its own database session on the request session's bind (the engine in service,
  the test's connection in tests) and closes it itself, so a job that outlives its request never
  touches a session the request has closed.
"""

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from app.errors import ComputationBusyError, ComputationTimeoutError

P = ParamSpec("P")
T = TypeVar("T")


class ComputeLimiter:
    """A bounded pool of computation threads with a per-job deadline.

    Parameters
    ----------
    workers
        Computations that may run at once.
    timeout_s
        Wall-clock seconds a request waits for its job, queueing included.
    """

    def __init__(self, *, workers: int, timeout_s: float) -> None:
        self.workers = workers
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fplan-compute")
        self._lock = threading.Lock()
        self._running: set[Future[Any]] = set()
        self._idle = threading.Condition(self._lock)

    def run(self, job: Callable[[], T], *, what: str) -> T:
        """Run ``job`` on a worker and return its result, or raise when the deadline passes.

        Raises
        ------
        ComputationBusyError
            Every worker stayed busy until the deadline; the job never started.
        ComputationTimeoutError
            The job started but did not finish in ``timeout_s``; it finishes in the background.
        """
        future = self._pool.submit(job)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._forget)
        try:
            return future.result(timeout=self.timeout_s)
        except FutureTimeoutError:
            if future.cancel():
                msg = (
                    f"{what} could not start: all {self.workers} computation slots stayed busy "
                    f"for {self.timeout_s:g} s; try again shortly"
                )
                raise ComputationBusyError(msg) from None
            msg = (
                f"{what} did not finish within {self.timeout_s:g} s; it goes on in the "
                "background (stored results are reused), so try again in a minute"
            )
            raise ComputationTimeoutError(msg) from None

    def _forget(self, future: Future[T]) -> None:
        with self._lock:
            self._running.discard(future)
            if not self._running:
                self._idle.notify_all()

    @property
    def busy(self) -> int:
        """Jobs submitted and not yet finished (running or queued)."""
        with self._lock:
            return len(self._running)

    def wait_idle(self, timeout_s: float) -> bool:
        """Block until no job is left (timed-out ones included); False if ``timeout_s`` passed."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._running, timeout=timeout_s)

    def shutdown(self) -> None:
        """Drop queued jobs and stop taking new ones; running ones finish on their own."""
        self._pool.shutdown(wait=False, cancel_futures=True)


class Compute:
    """A request's handle on the limiter: runs ``fn(session, …)`` with a session of its own."""

    def __init__(self, limiter: ComputeLimiter, bind: Engine | Connection) -> None:
        self.limiter = limiter
        self.bind = bind

    def __call__(
        self, fn: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn`` with a fresh session first, under the limiter's deadline."""

        def job() -> T:
            # create_savepoint: inside a caller's open transaction (tests) commits are savepoints
            with Session(
                bind=self.bind,
                expire_on_commit=False,
                autoflush=False,
                join_transaction_mode="create_savepoint",
            ) as session:
                return fn(session, *args, **kwargs)

        return self.limiter.run(job, what=f"the computation ({getattr(fn, '__name__', 'job')})")
