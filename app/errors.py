"""Domain errors and their single mapping to HTTP status codes.

The data and service layers raise these; each class carries its status code, and only
:func:`app.api.errors.register_error_handlers` turns them into HTTP answers. Nothing here imports
a web framework, so scripts and ``geo``-side callers may raise and catch them.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


class AppError(Exception):
    """Base of every error the service reports to a client."""

    status_code = 500
    code = "internal_error"
    # extra response headers (e.g. WWW-Authenticate on a 401, Retry-After on a 503)
    headers: Mapping[str, str] | None = None

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        key: str | None = None,
        fields: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        # the message in the catalogue (geo.messages), for a reader of another language
        self.key = key
        self.fields = dict(fields or {})

    def localized(self, lang: str) -> str:
        """The message in ``lang`` (``zh`` or ``en``): the catalogue's sentence where the error
        names one, else the code's headline in Chinese before the English message."""
        from geo import messages

        if lang == "en":
            return self.message
        if self.key is not None and messages.has(self.key, "zh"):
            return messages.text(self.key, "zh", **self.fields)
        return localized_message(self.code, self.message, lang)


def localized_message(code: str, message: str, lang: str) -> str:
    """An error message for a reader of ``lang``: Chinese puts the code's headline first."""
    from geo import messages

    if lang == "en":
        return message
    headline = messages.text(f"error.{code}", "zh") if messages.has(f"error.{code}", "zh") else ""
    return f"{headline}：{message}" if headline else message


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


class PreconditionRequiredError(AppError):
    """A change that must name the version it changes (If-Match or ``version``) and did not."""

    status_code = 428
    code = "precondition_required"


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
    # a slot frees when any computation ends: a few seconds is a fair first retry (RFC 9110 §10.2.3)
    headers = MappingProxyType({"Retry-After": "5"})


class TooManyComputationsError(AppError):
    """The caller already has as many computations running as one client may (RFC 6585 §4)."""

    status_code = 429
    code = "too_many_computations"
    headers = MappingProxyType({"Retry-After": "5"})
