"""The OpenAPI description of error answers, derived from each route's dependencies.

Every 4xx/5xx answer carries :class:`~app.schemas.errors.ErrorResponse`. Which codes a route may
answer follows from what it depends on, so a route added later is described without listing its
errors by hand: a token check gives 401 (and 403 for a role), a body 413, a path parameter 404,
an ``If-Match`` header 409/412 (and 428 on a PATCH, which must send one), a computation
429/503/504, the database 503; every parameter 422.
"""

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from app.api.deps import RequireRole, check_read_access, get_compute, get_session
from app.schemas.errors import ErrorResponse

_DESCRIPTIONS = {
    400: "malformed request",
    401: "no API token where one is needed, or an unknown or revoked one",
    403: "the token's role may not do this",
    404: "not found",
    409: "conflict: changed by someone else, a duplicate, or a city not prepared",
    412: "If-Match names an older version",
    428: "a partial update without If-Match or version",
    429: "the caller already has as many computations running as one client may",
    413: "request body over the size limit",
    422: "invalid parameter, body or row: `details` names each",
    503: "the database is unreachable, or every computation slot is busy",
    504: "the computation did not finish in time",
}


def _calls(dependant: Dependant) -> Iterator[Any]:
    """Every dependency callable under ``dependant``, depth first."""
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def api_routes(app: FastAPI) -> Iterator[RouteContext]:
    """Every API route of ``app`` with its effective path, routers included."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def error_codes(route: RouteContext | APIRoute) -> set[int]:
    """The error statuses ``route`` may answer, from its parameters and dependencies."""
    dependant: Dependant = route.dependant
    calls = list(_calls(dependant))
    codes = {422}
    if any(c is check_read_access or isinstance(c, RequireRole) for c in calls):
        codes |= {401}
    if any(isinstance(c, RequireRole) for c in calls):
        codes |= {403}
    if any(c is get_session for c in calls):
        codes |= {503}
    if any(c is get_compute for c in calls):
        codes |= {429, 503, 504}
    if dependant.body_params:
        codes |= {400, 413}
    if dependant.path_params:
        codes |= {404}
    if any(p.alias.lower() == "if-match" for p in dependant.header_params):
        codes |= {409, 412}
        original = route.original_route if isinstance(route, RouteContext) else route
        if "PATCH" in getattr(original, "methods", ()):
            codes |= {428}
    return codes


def _with_errors(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    model = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(model.pop("$defs", {}))
    components["ErrorResponse"] = model
    ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for route in api_routes(app):
        if not route.include_in_schema or route.path_format not in schema["paths"]:
            continue
        codes = error_codes(route)
        for method in route.methods or ():
            operation = schema["paths"][route.path_format].get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for code in codes | {int(c) for c in responses if c.isdigit() and int(c) >= 400}:
                entry = responses.setdefault(
                    str(code), {"description": _DESCRIPTIONS.get(code, "error")}
                )
                entry["content"] = {"application/json": {"schema": ref}}
    # FastAPI's own 422 body is replaced by ours everywhere
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe the error answers of every route."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_errors(app)
        return app.openapi_schema

    # FastAPI's documented way to extend the schema: replace the method
    app.openapi = openapi  # type: ignore[method-assign]
