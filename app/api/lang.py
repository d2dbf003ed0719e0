"""The reader's language of a request: ``lang=zh|en``, else ``Accept-Language``, else Chinese."""

from typing import Annotated

from fastapi import Depends, Query, Request

from app.errors import InvalidInputError
from geo import messages
from geo.messages import Lang

LANG_HELP = "language of the sentences and labels: zh (default) or en; else Accept-Language"


def request_lang(request: Request) -> Lang:
    """The language a request asks for; a ``lang`` that is not zh or en reads as Chinese.

    Used where refusing is not an option (an error answer); routes take :data:`LangDep`.
    """
    asked = messages.parse_lang(request.query_params.get("lang"))
    return asked or messages.negotiate(request.headers.get("accept-language"))


async def get_lang(
    request: Request,
    lang: Annotated[str | None, Query(description=LANG_HELP, max_length=16)] = None,
) -> Lang:
    """The ``lang`` query parameter (refused unless zh or en), else ``Accept-Language``."""
    if lang is None:
        return messages.negotiate(request.headers.get("accept-language"))
    parsed = messages.parse_lang(lang)
    if parsed is None:
        raise InvalidInputError.worded("error.lang", field="lang", value=lang)
    return parsed


LangDep = Annotated[Lang, Depends(get_lang)]
