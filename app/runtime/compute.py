"""Long computations (compliance, gaps, coverage, optimisation): admitted or refused at once.

Design: a fixed pool of ``workers`` threads runs the computations, and a job is admitted only
when a slot is free; nothing ever queues. A request thread therefore waits only for its own
running job, never for a slot, and a busy service answers at once:

* every slot taken: 503 with ``Retry-After`` (:class:`ComputationBusyError`);
* the caller (a token, or an address without one) already has ``per_client`` computations
  running: 429 with ``Retry-After`` (:class:`TooManyComputationsError`), so one client cannot
  take every slot;
* long jobs (optimisations, whose solver may run for minutes) hold at most ``long_workers``
  slots, so at least one slot stays free for the reads (compliance, gaps, coverage) of everyone
  else;
* a job that started but did not finish in ``timeout_s`` gets 504
  (:class:`ComputationTimeoutError`). Python cannot stop a thread, so each computation bounds
  itself below the deadline before it starts (an optimisation's solver time limit is checked
  against it: ``app.api.routes.optimize``), and a timed-out *long* job is stopped
  cooperatively: its cancel flag is set, and the job's next :func:`checkpoint` (between its
  stages: candidates, cost matrix, solve, save) raises :class:`ComputationCancelledError`, so
  it frees its slot and writes nothing. A late job keeps its slot until it stops or ends, so the
  admission count is always the work really running. A compliance run is not cancelled: it
  finishes late and is stored as usual, so the client's retry answers from it;
* a job opens its own database session on the request session's bind (the engine in service,
  the test's connection in tests) and closes it itself, so a job that outlives its request never
  touches a session the request has closed.
"""

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from app.errors import (
    ComputationBusyError,
    ComputationTimeoutError,
    TooManyComputationsError,
    Worded,
)

P = ParamSpec("P")
T = TypeVar("T")

# the cancel flag of the job running on this worker thread (None outside a cancellable job)
_current = threading.local()


class ComputationCancelledError(Exception):
    """A long job passed its deadline (its request got 504) and stopped at a checkpoint."""


def checkpoint() -> None:
    """Stop the running job here if its request has timed out (a no-op anywhere else).

    Raises
    ------
    ComputationCancelledError
        The job is a long one whose deadline passed: it must write nothing more.
    """
    flag: threading.Event | None = getattr(_current, "cancel", None)
    if flag is not None and flag.is_set():
        msg = "the computation passed its deadline and was stopped"
        raise ComputationCancelledError(msg)


class ComputeLimiter:
    """A bounded pool of computation threads that admits a job only into a free slot.

    Parameters
    ----------
    workers
        Computations that may run at once.
    timeout_s
        Wall-clock seconds a request waits for its running job.
    per_client
        Computations one client (token or address) may have running at once.
    long_workers
        Slots long jobs may hold at once; default half the slots (at least 1), so slots stay
        for the short ones.
    """

    def __init__(
        self,
        *,
        workers: int,
        timeout_s: float,
        per_client: int | None = None,
        long_workers: int | None = None,
    ) -> None:
        self.workers = workers
        self.timeout_s = timeout_s
        self.per_client = per_client
        self.long_workers = long_workers if long_workers is not None else max(1, workers // 2)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fplan-compute")
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._running = 0
        self._long = 0
        self._clients: Counter[str] = Counter()

    def _admit(self, what: str, client: str | None, long: bool) -> None:
        """Take a slot for the job, or raise at once (the caller holds ``_lock``)."""
        if self._running >= self.workers:
            raise ComputationBusyError.worded("error.compute.busy", what=what, slots=self.workers)
        if long and self._long >= self.long_workers:
            raise ComputationBusyError.worded("error.compute.long_busy", what=what, n=self._long)
        if client is not None and self.per_client is not None:
            if self._clients[client] >= self.per_client:
                raise TooManyComputationsError.worded(
                    "error.compute.per_client", what=what, n=self._clients[client]
                )
            self._clients[client] += 1
        self._running += 1
        self._long += int(long)

    def _release(self, client: str | None, long: bool) -> None:
        with self._lock:
            self._running -= 1
            self._long -= int(long)
            if client is not None and self.per_client is not None:
                self._clients[client] -= 1
                if self._clients[client] <= 0:
                    del self._clients[client]
            if not self._running:
                self._idle.notify_all()

    def run(
        self, job: Callable[[], T], *, what: str, client: str | None = None, long: bool = False
    ) -> T:
        """Run ``job`` on a free worker and return its result, or raise at once when none is.

        Parameters
        ----------
        job
            The computation.
        what
            How errors name it: a :class:`app.errors.Worded` sentence, said in the reader's
            language.
        client
            Who asks (``token:<id>`` or ``address:<ip>``); None: not limited per client.
        long
            An optimisation or the like: counts against ``long_workers``.

        Raises
        ------
        ComputationBusyError
            No slot (or no long slot) was free; the job never started.
        TooManyComputationsError
            The client already has ``per_client`` computations running.
        ComputationTimeoutError
            The job did not finish in ``timeout_s``; a long job then stops at its next
            :func:`checkpoint`, any other ends in the background, keeping its slot.
        """
        with self._lock:
            self._admit(what, client, long)
        # a long job is stopped at its next checkpoint once its request has timed out
        cancel = threading.Event() if long else None

        def cancellable() -> T:
            _current.cancel = cancel
            try:
                return job()
            finally:
                _current.cancel = None

        try:
            future: Future[T] = self._pool.submit(cancellable)
        except RuntimeError:
            # shut down: the service is stopping
            self._release(client, long)
            raise ComputationBusyError.worded("error.compute.stopping", what=what) from None
        future.add_done_callback(lambda _: self._release(client, long))
        try:
            return future.result(timeout=self.timeout_s)
        except FutureTimeoutError:
            if cancel is not None:
                cancel.set()
                raise ComputationTimeoutError.worded(
                    "error.compute.stopped", what=what, timeout_s=self.timeout_s
                ) from None
            raise ComputationTimeoutError.worded(
                "error.compute.goes_on", what=what, timeout_s=self.timeout_s
            ) from None

    def start(self, job: Callable[[], T], *, what: str, client: str | None = None) -> "Future[T]":
        """Start ``job`` in a free long slot and return at once: a background job (no deadline).

        It holds a long slot until it ends, so the reads of everyone else keep theirs.

        Raises
        ------
        ComputationBusyError
            No long slot was free; the job never started.
        TooManyComputationsError
            The client already has ``per_client`` computations running.
        """
        with self._lock:
            self._admit(what, client, True)
        try:
            future: Future[T] = self._pool.submit(job)
        except RuntimeError:
            self._release(client, True)
            raise ComputationBusyError.worded("error.compute.stopping", what=what) from None
        future.add_done_callback(lambda _: self._release(client, True))
        return future

    @property
    def busy(self) -> int:
        """Jobs admitted and not yet finished."""
        with self._lock:
            return self._running

    def wait_idle(self, timeout_s: float) -> bool:
        """Block until no job is left (timed-out ones included); False if ``timeout_s`` passed."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._running, timeout=timeout_s)

    def shutdown(self) -> None:
        """Stop taking new jobs; running ones finish on their own."""
        self._pool.shutdown(wait=False, cancel_futures=True)


class Compute:
    """A request's handle on the limiter: runs ``fn(session, …)`` with a session of its own.

    ``client`` is who asks (``token:<id>``, or ``address:<ip>`` without a token), for the
    limiter's per-client limit.
    """

    def __init__(
        self, limiter: ComputeLimiter, bind: Engine | Connection, *, client: str | None = None
    ) -> None:
        self.limiter = limiter
        self.bind = bind
        self.client = client

    def _job(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> Callable[[], T]:
        def job() -> T:
            # create_savepoint: inside a caller's open transaction (tests) commits are savepoints
            with Session(
                bind=self.bind,
                expire_on_commit=False,
                autoflush=False,
                join_transaction_mode="create_savepoint",
            ) as session:
                return fn(session, *args, **kwargs)

        return job

    def __call__(
        self, fn: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn`` with a fresh session first, in a free slot under the deadline."""
        what = Worded("error.compute.what")
        job = self._job(fn, *args, **kwargs)
        return self.limiter.run(job, what=what, client=self.client)

    def long(
        self, fn: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """As a call, for a long job (an optimisation): it may hold only the long slots."""
        what = Worded("error.compute.what")
        job = self._job(fn, *args, **kwargs)
        return self.limiter.run(job, what=what, client=self.client, long=True)
