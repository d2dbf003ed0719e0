"""Domain errors and their single mapping to HTTP status codes.

The data and service layers raise these; only :func:`register_error_handlers` knows HTTP.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError


class AppError(Exception):
    """Base of every error the service reports to a client."""

    status_code = 500
    code = "internal_error"
    # extra response headers (e.g. WWW-Authenticate on a 401, Retry-After on a 503)
    headers: Mapping[str, str] | None = None

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class ConfigurationError(AppError):
    """The service is missing something it needs to answer (data directory, network …)."""

    status_code = 503
    code = "not_configured"


class AuthenticationError(AppError):
    """No token, or one that is unknown or revoked: the client must (re)authenticate."""

    status_code = 401
    code = "unauthorized"
    # RFC 6750 §3: a 401 names the scheme the client should use
    headers = MappingProxyType({"WWW-Authenticate": 'Bearer realm="fplan"'})


class PermissionDeniedError(AppError):
    """A valid token whose role may not do this."""

    status_code = 403
    code = "forbidden"


class NotFoundError(AppError):
    status_code = 404
    code = "not_found"


class InvalidInputError(AppError):
    """Input that parses but breaks a rule: names the field or row in ``details``."""

    status_code = 422
    code = "invalid_input"


class ConflictError(AppError):
    status_code = 409
    code = "conflict"


class PreconditionFailedError(AppError):
    status_code = 412
    code = "precondition_failed"


class PayloadTooLargeError(AppError):
    status_code = 413
    code = "payload_too_large"


class DatabaseUnavailableError(AppError):
    status_code = 503
    code = "database_unavailable"


class ComputationTimeoutError(AppError):
    status_code = 504
    code = "computation_timeout"


class ComputationBusyError(AppError):
    """Every compute slot is taken: refused at once rather than queued behind them."""

    status_code = 503
    code = "computation_busy"
    headers = MappingProxyType({"Retry-After": "5"})


def _body(code: str, message: str, details: list[dict[str, Any]]) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _jsonable_errors(errors: list[Any]) -> list[dict[str, Any]]:
    # pydantic's ctx may hold exception objects, which JSON cannot carry
    out = []
    for err in errors:
        item = {k: v for k, v in dict(err).items() if k in ("loc", "msg", "type")}
        item["field"] = ".".join(
            str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path")
        )
        out.append(item)
    return out


def register_error_handlers(app: FastAPI) -> None:
    """Attach the handlers that turn domain and database errors into JSON responses."""

    @app.exception_handler(AppError)
    def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            _body(exc.code, exc.message, exc.details),
            status_code=exc.status_code,
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _jsonable_errors(list(exc.errors()))
        fields = ", ".join(sorted({d["field"] for d in details if d["field"]})) or "request"
        return JSONResponse(_body("invalid_input", f"invalid {fields}", details), status_code=422)

    @app.exception_handler(OperationalError)
    def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        msg = "the database is unreachable; try again shortly"
        return JSONResponse(_body("database_unavailable", msg, []), status_code=503)

    @app.exception_handler(DBAPIError)
    def _db_error(_: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            msg = "the database connection was lost; try again shortly"
            return JSONResponse(_body("database_unavailable", msg, []), status_code=503)
        msg = "the database refused the request"
        return JSONResponse(_body("database_error", msg, []), status_code=500)
