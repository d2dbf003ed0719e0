"""HTTP answers for errors: the service's, ``geo``'s, validation's, the framework's, the database's.

Every error answer has the body ``{"error": {"code", "message", "details"}}``
(:class:`app.schemas.errors.ErrorResponse`). The status code of a service error comes from its
class (:mod:`app.errors`), so the data and service layers never raise ``HTTPException``; the
status code of an error raised by the pure ``geo`` package comes from one table,
:data:`GEO_STATUS_CODES` (the most specific class listed wins), so services need not translate
them one by one.
"""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.lang import request_lang
from app.errors import AppError, localized_message
from geo import messages
from geo.errors import (
    CatalogueError,
    GeoError,
    InputError,
    LocationInfeasibleError,
    LocationSolverError,
)
from geo.messages.pydantic import problem_field, pydantic_text

# every geo error → (HTTP status, error code); a class not listed takes its nearest listed base
GEO_STATUS_CODES: dict[type[GeoError], tuple[int, str]] = {
    # bad input the caller can fix
    InputError: (422, "invalid_input"),
    # no set of sites satisfies the request (a demand no candidate reaches, too few sites)
    LocationInfeasibleError: (422, "infeasible"),
    # the solver found no solution within the time allowed
    LocationSolverError: (504, "computation_timeout"),
    # a defective norm catalogue: the service cannot answer until it is fixed
    CatalogueError: (503, "not_configured"),
    # anything else the computation refuses is ours to fix
    GeoError: (500, "computation_error"),
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


def _body(code: str, message: str, details: list[dict[str, Any]]) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _jsonable_errors(errors: list[Any], lang: messages.Lang) -> list[dict[str, Any]]:
    # pydantic's type and loc kept for machines; its English msg worded in the reader's language
    # (its ctx may hold exception objects, which JSON cannot carry)
    out = []
    for err in errors:
        item = {k: v for k, v in dict(err).items() if k in ("loc", "type")}
        item["field"] = problem_field(err)
        item["msg"] = pydantic_text(err, lang)
        out.append(item)
    return out


def geo_status(exc: GeoError) -> tuple[int, str]:
    """The HTTP status and error code of a ``geo`` error, from :data:`GEO_STATUS_CODES`."""
    for cls in type(exc).__mro__:
        if cls in GEO_STATUS_CODES:
            return GEO_STATUS_CODES[cls]
    return GEO_STATUS_CODES[GeoError]


def register_error_handlers(app: FastAPI) -> None:
    """Attach the handlers that turn domain and database errors into JSON responses."""

    @app.exception_handler(AppError)
    def _app_error(request: Request, exc: AppError) -> JSONResponse:
        lang = request_lang(request)
        return JSONResponse(
            _body(exc.code, exc.localized(lang), exc.localized_details(lang)),
            status_code=exc.status_code,
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(GeoError)
    def _geo_error(request: Request, exc: GeoError) -> JSONResponse:
        status, code = geo_status(exc)
        lang = request_lang(request)
        if exc.key is not None:
            # worded from the catalogue: the reader's language, naming the input at fault
            message = exc.localized(lang)
            details = [{"field": exc.field, "msg": message}]
            return JSONResponse(_body(code, message, details), status_code=status)
        detail = str(exc)
        message = localized_message(code, detail, lang)
        return JSONResponse(_body(code, message, [{"msg": detail}]), status_code=status)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # the framework's own refusals (unparsable body, unknown path, wrong method) in our shape,
        # worded by status: the framework's detail is English
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        lang = request_lang(request)
        key = f"error.http.{exc.status_code}"
        if messages.has(key, lang):
            message = messages.text(key, lang, method=request.method, path=request.url.path)
        else:
            message = messages.text("error.http.other", lang, status=exc.status_code)
        return JSONResponse(
            _body(code, message, []), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = request_lang(request)
        details = _jsonable_errors(list(exc.errors()), lang)
        named = sorted({d["field"] for d in details if d["field"]})
        if named:
            fields = messages.text("pydantic.comma", lang).join(named)
            message = messages.text("error.invalid_fields", lang, fields=fields)
        else:
            message = messages.text("error.invalid_request", lang)
        return JSONResponse(_body("invalid_input", message, details), status_code=422)

    @app.exception_handler(OperationalError)
    def _db_down(request: Request, exc: OperationalError) -> JSONResponse:
        msg = messages.text("error.db.unreachable", request_lang(request))
        return JSONResponse(_body("database_unavailable", msg, []), status_code=503)

    @app.exception_handler(DBAPIError)
    def _db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        lang = request_lang(request)
        if exc.connection_invalidated:
            msg = messages.text("error.db.lost", lang)
            return JSONResponse(_body("database_unavailable", msg, []), status_code=503)
        msg = messages.text("error.db.refused", lang)
        return JSONResponse(_body("database_error", msg, []), status_code=500)
