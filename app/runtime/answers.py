"""Cached answers of the read endpoints, valid for one version of the data.

Compliance, coverage and gap answers depend only on the request and on the data (regions,
facilities, population cells, road networks) and the norm catalogue. The database numbers the
data (migration 0007: every commit that changes them bumps ``data_version`` and announces it on
a channel), so an answer is stored under ``(request, data version)`` and served as the bytes it
was, with no database round trip, for as long as that version is current.

Design:

* :class:`DataVersionWatcher` follows the number: a thread holds its own connection, LISTENs on
  the channel and reads the number once it listens, so no bump is missed. While it is not
  listening (database down, connection lost) the version is unknown and nothing is served from
  the cache; it reconnects on its own. Commits made through this process's engine mark the
  version unknown until it is read again, so a client sees its own writes at once, whatever the
  order in which the notification and the next request arrive.
* :class:`AnswerCache` is a bounded LRU of encoded answers; a miss is computed once per key
  (concurrent requests for the same answer wait for the first), never under the cache's lock.
* Answers are cached only for requests on the engine the watcher follows: a session bound to
  an open connection (the tests' transactions) sees changes the version does not count yet.
* A cached answer keeps its gzip encoding beside it, compressed once when it is stored
  (:meth:`Answer.compressed`): a client that accepts gzip gets the few kB of it, and no request
  compresses again.
"""

import asyncio
import gzip
import hashlib
import logging
import threading
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import psycopg
from sqlalchemy import Engine, event, select

from app.db.models import DATA_VERSION_CHANNEL, WROTE_FLAG, DataVersion
from app.runtime._lru import SizedLRU

log = logging.getLogger(__name__)

# how long the listening thread waits for a notification before looking at its stop flag
_POLL_S = 1.0
# pause before reconnecting after the connection failed
_RETRY_S = 2.0
# marks a pooled connection that committed a write, until it is checked in
_COMMITTED = "fplan_committed"
# statements that may write (a CTE may too)
_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "COPY", "WITH", "CREATE", "DROP")


class DataVersionWatcher:
    """The database's current data version, followed with LISTEN/NOTIFY on a thread of its own.

    The version is known only while the thread listens. A commit through ``engine`` forgets it
    (when the connection goes back to the pool, after the commit): the next :meth:`read` sets
    it again, and notifications do not, so a read of this process never precedes its own write.

    Parameters
    ----------
    engine
        The engine whose database is followed.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._version: int | None = None
        self._listening = False
        # bumped by every local commit: a read started before one must not set the version
        self._generation = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        event.listen(engine, "before_cursor_execute", self._on_execute)
        event.listen(engine, "commit", self._on_commit)
        event.listen(engine, "checkin", self._on_checkin)

    @property
    def version(self) -> int | None:
        """The current data version; None while unknown (then nothing is served from cache)."""
        return self._version

    def read(self) -> int:
        """Read the version from the database (blocking); remember it if listening."""
        with self._lock:
            generation = self._generation
        with self.engine.connect() as conn:
            version = int(conn.execute(select(DataVersion.version)).scalar_one())
        with self._lock:
            if self._listening and generation == self._generation:
                self._version = version
        return version

    def _on_execute(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip()[:8].upper().startswith(_WRITES):
            conn.info[WROTE_FLAG] = True

    def _on_commit(self, conn: Any) -> None:
        # a transaction that only read changes nothing: the version stays known
        if conn.info.pop(WROTE_FLAG, False):
            conn.info[_COMMITTED] = True
            self._forget()

    def _on_checkin(self, _dbapi_conn: Any, record: Any) -> None:
        if record.info.pop(_COMMITTED, False):
            self._forget()

    def _forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._version = None

    def _notified(self, version: int) -> None:
        with self._lock:
            if self._version is not None and version > self._version:
                self._version = version

    def _listen(self, listening: bool, version: int | None, generation: int) -> None:
        with self._lock:
            self._listening = listening
            if not listening:
                self._version = None
            elif generation == self._generation:
                self._version = version

    def start(self) -> None:
        """Start following the number (idempotent)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="fplan-data-version", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop following; the version becomes unknown."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=_POLL_S * 3)
            self._thread = None
        self._listen(False, None, 0)

    def _connect(self) -> "psycopg.Connection[Any]":
        args, kwargs = self.engine.dialect.create_connect_args(self.engine.url)
        return psycopg.connect(*args, **{**kwargs, "autocommit": True})

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._connect() as conn:
                    conn.execute(f"LISTEN {DATA_VERSION_CHANNEL}")
                    with self._lock:
                        generation = self._generation
                    row = conn.execute("SELECT version FROM data_version WHERE id = 1").fetchone()
                    self._listen(True, None if row is None else int(row[0]), generation)
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=_POLL_S):
                            self._notified(int(note.payload))
                        # a silent connection may be a dead one
                        conn.execute("SELECT 1")
            except (psycopg.Error, OSError, ValueError) as exc:
                log.warning("data version: not listening (%s); retrying", exc)
            self._listen(False, None, 0)
            self._stop.wait(_RETRY_S)


# bodies shorter than this are sent as they are: gzip's header and a round trip cost more
GZIP_MIN_BYTES = 1024
# zlib's default level: within 4 % of level 9's size on a compliance answer, in 3/4 of the time
GZIP_LEVEL = 6
# the gzip encoding is kept only when it saves at least this share (not for zip-based xlsx)
GZIP_MIN_SAVING = 0.1


def _tag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


@dataclass(frozen=True)
class Answer:
    """An encoded answer: body, media type, entity tag and extra headers.

    ``gzip_body`` is the same body gzip-encoded (RFC 9110 §8.4.1.3), or None when the answer
    has none; :meth:`compressed` adds it.
    """

    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)
    gzip_body: bytes | None = None

    @cached_property
    def etag(self) -> str:
        """The strong entity tag of ``body``."""
        return _tag(self.body)

    @cached_property
    def gzip_etag(self) -> str:
        """The strong entity tag of ``gzip_body``: another encoding is another representation."""
        return _tag(self.gzip_body or b"")

    @property
    def size_bytes(self) -> int:
        """The bytes the answer holds: body and gzip encoding."""
        return len(self.body) + len(self.gzip_body or b"")

    def compressed(self) -> "Answer":
        """This answer with its gzip encoding, when that is worth sending (blocking, CPU).

        Both encodings then name ``Accept-Encoding`` in ``Vary`` (RFC 9110 §12.5.5), so a
        shared cache keeps them apart.
        """
        if self.gzip_body is not None or len(self.body) < GZIP_MIN_BYTES:
            return self
        encoded = gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)
        if len(encoded) > len(self.body) * (1 - GZIP_MIN_SAVING):
            return self
        vary = [v for v in (self.headers.get("Vary"), "Accept-Encoding") if v]
        return replace(self, headers={**self.headers, "Vary": ", ".join(vary)}, gzip_body=encoded)


class AnswerCache:
    """A bounded LRU of answers keyed by request and data version.

    Parameters
    ----------
    watcher
        The data version's source; its engine is the one answers may be cached for.
    max_entries, max_bytes
        Bounds on the answers kept; the least recently used go first.
    """

    def __init__(self, watcher: DataVersionWatcher, *, max_entries: int, max_bytes: int) -> None:
        self.watcher = watcher
        self._answers: SizedLRU[tuple[Hashable, int], Answer] = SizedLRU(
            max_bytes=max_bytes, sizeof=lambda answer: answer.size_bytes, max_entries=max_entries
        )
        self._inflight: dict[tuple[Hashable, int], asyncio.Future[Answer]] = {}

    def serves(self, bind: object) -> bool:
        """Whether answers computed on ``bind`` may be cached (the watched engine only)."""
        return bind is self.watcher.engine

    async def version(self, run_blocking: Callable[[Callable[[], int]], Awaitable[int]]) -> int:
        """The current data version, read with ``run_blocking`` when the watcher has none."""
        current = self.watcher.version
        if current is None:
            current = await run_blocking(self.watcher.read)
        return current

    def get(self, key: Hashable, version: int) -> Answer | None:
        return self._answers.get((key, version))

    def put(self, key: Hashable, version: int, answer: Answer) -> None:
        self._answers.put((key, version), answer)

    async def answer(
        self, key: Hashable, version: int, compute: Callable[[], Awaitable[Answer]]
    ) -> Answer:
        """The cached answer for ``key`` at ``version``, computed once if missing.

        Concurrent callers for the same key wait for the first one's computation; its error, if
        any, is raised to each of them and nothing is stored.
        """
        cached = self.get(key, version)
        if cached is not None:
            return cached
        slot = (key, version)
        pending = self._inflight.get(slot)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._inflight[slot] = future
        try:
            answer = await compute()
        except BaseException as exc:
            future.set_exception(exc)
            # the error reaches the waiting callers; this one raises it itself
            future.exception()
            raise
        else:
            future.set_result(answer)
            if self.watcher.version == version:
                self.put(key, version, answer)
            return answer
        finally:
            del self._inflight[slot]

    def clear(self) -> None:
        self._answers.clear()
