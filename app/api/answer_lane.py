"""Repeated reads of cached answers, served before routing.

A cached answer (:mod:`app.api.answers`) is the same bytes for every request with the same path,
query string and ``Accept-Language``, as long as the data version and the norm catalogues stay
as they were. For such an answer the framework's routing and the route's twenty-odd
dependencies are most of the server's work (about 0.3 of the 0.4 ms of CPU the application
spends on a cached compliance answer of Yongzhou), so :class:`AnswerLaneMiddleware` answers a
request already answered from the cache straight from the cache:

* only a GET without an ``Authorization`` header, and only while reads need no token (a token
  is checked against the database, on the full path);
* never while the app has dependency overrides (the tests' sessions in a transaction);
* an entry names the answer's cache key and data version, and the catalogue set the answer
  rests on; it is used only while the watcher's version is that version, the loaded catalogues
  are that set and the cache still holds the answer. Anything else takes the full path, which
  records the entry again (:func:`app.api.answers.cached_response`).

The response is the one the full path gives (:func:`app.api.answers.respond`): the same body,
encoding, ``ETag``, ``Vary`` and ``X-Data-Version``, and 304 for a matching ``If-None-Match``.
"""

from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING

from starlette.requests import Request

from app.api.answers import respond
from app.api.middleware import ASGIApp, Receive, Scope, Send
from app.runtime.answers import Answer, AnswerCache
from app.services.norms import CatalogueStore
from app.settings import Settings
from geo.errors import CatalogueError

if TYPE_CHECKING:
    from fastapi import FastAPI

# what makes two requests the same read: path, query string and Accept-Language
Signature = tuple[str, bytes, bytes | None]


def request_signature(scope: Scope) -> Signature | None:
    """The read a request asks for; None for one the lane never answers (not a GET, a token)."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    language = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            return None
        if name == b"accept-language":
            language = value
    return scope["path"], scope["query_string"], language


class AnswerLane:
    """Which cached answer each recent read was given, bounded to ``max_entries`` reads.

    Parameters
    ----------
    app
        The application (its dependency overrides turn the lane off).
    answers
        The answer cache and its data version watcher.
    catalogues
        The norm catalogues the routes load.
    settings
        The app's settings (reads that need a token never take the lane).
    max_entries
        Reads remembered at most; the least recently used go first.
    """

    def __init__(
        self,
        app: "FastAPI",
        answers: AnswerCache,
        catalogues: CatalogueStore,
        settings: Settings,
        *,
        max_entries: int,
    ) -> None:
        self.app = app
        self.answers = answers
        self.catalogues = catalogues
        self.settings = settings
        self.max_entries = max_entries
        # read -> (cache key, data version, catalogue set key or None); event loop only
        self._entries: OrderedDict[Signature, tuple[Hashable, int, str | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def _open(self) -> bool:
        return not self.settings.auth_required_for_reads and not self.app.dependency_overrides

    def remember(
        self, scope: Scope, key: Hashable, version: int, catalogues_key: str | None
    ) -> None:
        """Note that the read of ``scope`` was answered with ``key`` at ``version``."""
        signature = request_signature(scope)
        if signature is None or self.max_entries == 0 or not self._open():
            return
        self._entries[signature] = (key, version, catalogues_key)
        self._entries.move_to_end(signature)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def find(self, scope: Scope) -> tuple[Answer, int] | None:
        """The cached answer and its version for the read of ``scope``, if still current."""
        signature = request_signature(scope)
        if signature is None or not self._open():
            return None
        entry = self._entries.get(signature)
        if entry is None:
            return None
        key, version, catalogues_key = entry
        if self.answers.watcher.version != version or not self._loaded(catalogues_key):
            return None
        answer = self.answers.get(key, version)
        if answer is None:
            return None
        self._entries.move_to_end(signature)
        return answer, version

    def _loaded(self, catalogues_key: str | None) -> bool:
        """Whether the catalogue set of that key is the one loaded (True when none is named)."""
        if catalogues_key is None:
            return True
        try:
            return self.catalogues.load(self.settings).key == catalogues_key
        except (CatalogueError, OSError):
            # the full path reports the defect
            return False


class AnswerLaneMiddleware:
    """ASGI middleware answering repeated cached reads from :class:`AnswerLane`."""

    def __init__(self, app: ASGIApp, *, lane: AnswerLane) -> None:
        self.app = app
        self.lane = lane

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.lane.find(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        answer, version = found
        response = respond(answer, Request(scope), version)
        await response(scope, receive, send)
