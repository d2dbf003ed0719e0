"""Body-size limits (413) before a request reaches a route.

A request that declares a ``Content-Length`` over its limit is refused without reading the body;
one without (chunked) is read up to the limit and refused as soon as it passes it, then replayed
to the app. Uploads (paths ending in ``/import``) have ``max_upload_bytes``; every other request
``max_body_bytes``.
"""

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from geo import messages
from geo.messages import Lang

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UPLOAD_SUFFIX = "/import"


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "details": []}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # the rest of the body is not read: the connection cannot be reused
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _reader(scope: Scope) -> Lang:
    """The language the request asks for (``lang=``, else Accept-Language), as
    :func:`app.api.lang.request_lang` reads it once the request has reached the app."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    asked = messages.parse_lang(next(iter(query.get("lang", [])), None))
    header = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
    return asked or messages.negotiate(header)


class _TooLargeError(Exception):
    """The body passed its limit while being read."""


class _GoneError(Exception):
    """The client disconnected before the body ended."""


async def _read_within(receive: Receive, limit: int) -> bytes:
    """The whole body, read chunk by chunk; stop as soon as it passes ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _GoneError
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLargeError
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class BodySizeLimitMiddleware:
    """ASGI middleware answering 413 for bodies over the limit of their path."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def limit_for(self, path: str) -> int:
        return self.max_upload_bytes if path.endswith(UPLOAD_SUFFIX) else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        reader = _reader(scope)
        too_large = messages.text("error.body.too_large", reader, limit=limit)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and not declared.isdigit():
            said = messages.text("error.body.length", reader)
            await _refuse(send, 400, "invalid_input", said)
            return
        if declared is not None and int(declared) > limit:
            await _refuse(send, 413, "payload_too_large", too_large)
            return
        # a declared length is enforced by the server; a body-less method has nothing to count
        if declared is not None or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return

        # no declared length (chunked): read up to the limit, then replay it to the app
        try:
            body = await _read_within(receive, limit)
        except _TooLargeError:
            await _refuse(send, 413, "payload_too_large", too_large)
            return
        except _GoneError:
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
