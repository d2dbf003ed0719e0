"""Serving read answers from the data-versioned cache (:mod:`app.runtime.answers`).

A route builds a key from its parameters and gives a blocking function that computes and
encodes the answer; :func:`cached_response` serves the cached bytes for the current data
version, or runs the function on the thread pool once and caches it. Answers carry an ``ETag``
and ``X-Data-Version``; a matching ``If-None-Match`` gets 304 without a body.

A cached answer is compressed once when it is stored: a request whose ``Accept-Encoding``
accepts gzip (every browser's does) gets the stored gzip bytes, ``Content-Encoding: gzip`` and
that encoding's own ``ETag``; the others get the identity body. Both carry ``Vary:
Accept-Encoding``. An answer that is never cached is sent as it is.
"""

from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from app.api.deps import SessionDep
from app.runtime.answers import Answer, AnswerCache
from app.services._locking import none_match
from app.services.norms import NormCatalogues

if TYPE_CHECKING:
    from app.api.answer_lane import AnswerLane

JSON = "application/json"


async def get_answers(request: Request, session: SessionDep) -> AnswerCache | None:
    """The app's answer cache, or None when this request's session cannot use it."""
    cache: AnswerCache | None = getattr(request.app.state, "answers", None)
    if cache is None or not cache.serves(session.get_bind()):
        return None
    return cache


AnswersDep = Annotated[AnswerCache | None, Depends(get_answers)]


def json_answer(model: BaseModel, headers: dict[str, str] | None = None) -> Answer:
    """``model`` encoded as FastAPI would for a response model (aliases, JSON mode)."""
    return Answer(model.model_dump_json(by_alias=True).encode(), JSON, headers or {})


@lru_cache(maxsize=64)
def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` value accepts gzip (RFC 9110 §12.5.3).

    ``gzip`` (or its alias ``x-gzip``) with a weight above zero, else ``*`` with one; no header
    asks for no encoding. A malformed weight reads as zero (the identity body is always safe).
    """
    if not accept_encoding:
        return False
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, _, parameters = item.partition(";")
        weight = 1.0
        name, _, value = parameters.partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        weights[coding.strip().lower()] = weight
    for coding in ("gzip", "x-gzip", "*"):
        if coding in weights:
            return weights[coding] > 0
    return False


def respond(answer: Answer, request: Request, version: int | None) -> Response:
    """The response carrying ``answer``: gzip when accepted, 304 for a matching tag."""
    body, etag, headers = answer.body, answer.etag, dict(answer.headers)
    if answer.gzip_body is not None and accepts_gzip(request.headers.get("accept-encoding")):
        body, etag = answer.gzip_body, answer.gzip_etag
        headers["Content-Encoding"] = "gzip"
    headers.update({"ETag": etag, "Cache-Control": "no-cache"})
    if version is not None:
        headers["X-Data-Version"] = str(version)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and none_match(if_none_match, etag):
        headers.pop("Content-Encoding", None)
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=answer.media_type, headers=headers)


async def cached_response(
    request: Request,
    answers: AnswerCache | None,
    key: Hashable | None,
    compute: Callable[[], Answer],
    *,
    catalogues: NormCatalogues | None = None,
) -> Response:
    """The answer for ``key`` at the current data version; ``compute`` runs only on a miss.

    ``key`` None: an answer that is never cached (a scenario's, which follows its changes and
    its reader), computed every time. ``catalogues``: the norm catalogues the answer rests on,
    if any; a repeat of the request is answered before routing only while they are loaded
    (:mod:`app.api.answer_lane`).
    """
    if answers is None or key is None:
        return respond(await run_in_threadpool(compute), request, None)
    version = await answers.version(run_in_threadpool)
    # compressed on the thread pool with the computation, once per stored answer
    answer = await answers.answer(
        key, version, lambda: run_in_threadpool(lambda: compute().compressed())
    )
    lane: AnswerLane | None = getattr(request.app.state, "answer_lane", None)
    if lane is not None and answers.watcher.version == version:
        lane.remember(request.scope, key, version, catalogues.key if catalogues else None)
    return respond(answer, request, version)


def catalogues_key(norms: NormCatalogues) -> str:
    """A short content hash of the loaded catalogues, computed once per loaded set."""
    return norms.key
