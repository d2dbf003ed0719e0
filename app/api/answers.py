"""Serving read answers from the data-versioned cache (:mod:`app.runtime.answers`).

A route builds a key from its parameters and gives a blocking function that computes and
encodes the answer; :func:`cached_response` serves the cached bytes for the current data
version, or runs the function on the thread pool once and caches it. Answers carry an ``ETag``
and ``X-Data-Version``; a matching ``If-None-Match`` gets 304 without a body.
"""

from collections.abc import Callable, Hashable
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from app.api.deps import SessionDep
from app.runtime.answers import Answer, AnswerCache
from app.services._locking import none_match
from app.services.norms import NormCatalogues

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


def _response(answer: Answer, request: Request, version: int | None) -> Response:
    headers = {**answer.headers, "ETag": answer.etag, "Cache-Control": "no-cache"}
    if version is not None:
        headers["X-Data-Version"] = str(version)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and none_match(if_none_match, answer.etag):
        return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type=answer.media_type, headers=headers)


async def cached_response(
    request: Request,
    answers: AnswerCache | None,
    key: Hashable | None,
    compute: Callable[[], Answer],
) -> Response:
    """The answer for ``key`` at the current data version; ``compute`` runs only on a miss.

    ``key`` None: an answer that is never cached (a scenario's, which follows its changes and
    its reader), computed every time.
    """
    if answers is None or key is None:
        return _response(await run_in_threadpool(compute), request, None)
    version = await answers.version(run_in_threadpool)
    answer = await answers.answer(key, version, lambda: run_in_threadpool(compute))
    return _response(answer, request, version)


def catalogues_key(norms: NormCatalogues) -> str:
    """A short content hash of the loaded catalogues, computed once per loaded set."""
    return norms.key
