"""Background jobs a client starts and then polls (preparing a city): 202, then progress.

A job runs on the compute pool's long slots (:meth:`ComputeLimiter.start`), with a database
session of its own on the app's engine, and reports its steps as message keys of the catalogue
(``geo.messages``), so each poll words them in the reader's language. Jobs live in this
process's memory: the service runs one process, and a job lost with a restart is simply started
again (every step it runs skips what is already done).

Design: one job per ``(kind, key)`` may run at a time (a second start is a 409 naming the
first); the last job of each key is kept after it ends, so a poll after the end still finds how
it ended.
"""

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.errors import AppError, ConflictError, NotFoundError, Worded
from app.runtime.compute import ComputeLimiter

JobState = Literal["running", "done", "failed"]

logger = logging.getLogger(__name__)

# a job's progress: the message key of the step it is on
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Job:
    """A background job as a poll sees it.

    Attributes
    ----------
    steps
        The message keys of the job's steps, in order.
    step
        The key of the step running (or the last one run); None before the first.
    error
        Why it failed (an :class:`AppError` words itself in the reader's language).
    """

    id: int
    kind: str
    key: str
    state: JobState
    steps: tuple[str, ...]
    step: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    error: AppError | None = None

    @property
    def steps_done(self) -> int:
        """Steps finished: all once done, else those before the running one."""
        if self.state == "done":
            return len(self.steps)
        return self.steps.index(self.step) if self.step in self.steps else 0


class BackgroundJobs:
    """The jobs of this process, at most one running per ``(kind, key)``."""

    def __init__(self, limiter: ComputeLimiter, engine: Engine) -> None:
        self.limiter = limiter
        self.engine = engine
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._last: dict[tuple[str, str], Job] = {}

    def get(self, kind: str, key: str) -> Job:
        """The running or last job of ``(kind, key)``.

        Raises
        ------
        NotFoundError
            None was started in this process.
        """
        with self._lock:
            job = self._last.get((kind, key))
        if job is None:
            raise NotFoundError.worded(f"job.{kind}.none", key=key)
        return job

    def running(self, kind: str, key: str) -> Job | None:
        with self._lock:
            job = self._last.get((kind, key))
        return job if job is not None and job.state == "running" else None

    def _update(self, job: Job, **changes: object) -> None:
        with self._lock:
            current = self._last.get((job.kind, job.key))
            if current is not None and current.id == job.id:
                self._last[(job.kind, job.key)] = replace(current, **changes)  # type: ignore[arg-type]

    def start(
        self,
        kind: str,
        key: str,
        work: Callable[[Session, Progress], None],
        *,
        steps: Sequence[str],
        client: str | None = None,
    ) -> Job:
        """Start ``work(session, progress)`` in the background and return the job at once.

        Raises
        ------
        ConflictError
            A job of the same kind and key is running.
        ComputationBusyError, TooManyComputationsError
            No long compute slot is free, or the client runs its share already.
        """
        with self._lock:
            previous = self._last.get((kind, key))
            if previous is not None and previous.state == "running":
                raise ConflictError.worded(f"job.{kind}.running", key=key)
            job = Job(id=next(self._ids), kind=kind, key=key, state="running", steps=tuple(steps))
            self._last[(kind, key)] = job

        def progress(step: str) -> None:
            self._update(job, step=step)

        def run() -> None:
            try:
                with Session(self.engine, expire_on_commit=False, autoflush=False) as session:
                    work(session, progress)
            except AppError as exc:
                self._update(job, state="failed", error=exc, finished_at=datetime.now(UTC))
                return
            except Exception:
                # anything else is ours to fix: said in general words, the cause logged
                logger.exception("the %s job for %s failed", kind, key)
                error = AppError.worded(f"job.{kind}.failed")
                self._update(job, state="failed", error=error, finished_at=datetime.now(UTC))
                return
            self._update(job, state="done", finished_at=datetime.now(UTC))

        try:
            self.limiter.start(run, what=Worded(f"job.{kind}.what", key=key), client=client)
        except AppError:
            with self._lock:
                if previous is None:
                    del self._last[(kind, key)]
                else:
                    self._last[(kind, key)] = previous
            raise
        return self.get(kind, key)
