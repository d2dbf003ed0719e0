"""Domain errors and their single mapping to HTTP status codes.

The data and service layers raise these; each class carries its status code, and only
:func:`app.api.errors.register_error_handlers` turns them into HTTP answers. Nothing here imports
a web framework, so scripts and ``geo``-side callers may raise and catch them.

Every error a person reads is built from the message catalogue (:mod:`geo.messages`) by
:meth:`AppError.worded`: its English text is the catalogue's English, and the answer, the command
line and the planner scripts say its message (:meth:`AppError.localized`) and each detail
(:meth:`AppError.localized_details`, whose ``msg`` is a :class:`Worded` sentence) in their
reader's language.
"""

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from geo.messages import Lang


def _said(fields: Mapping[str, object], lang: "Lang") -> dict[str, object]:
    # a field that is itself worded (a sentence, a geo error) is said in the reader's language
    said = {}
    for name, value in fields.items():
        localized = getattr(value, "localized", None)
        said[name] = localized(lang) if callable(localized) else value
    return said


class Worded(str):
    """A sentence of the catalogue: its English text, and the key and fields to say it in
    another language (:meth:`localized`). An error's ``details[].msg`` is one, so the answer
    can say each detail in its reader's language.

    Parameters
    ----------
    key
        The message's key in :mod:`geo.messages`.
    **fields
        The values the message shows (a worded value is said in the reader's language too).
    """

    key: str
    fields: Mapping[str, object]

    def __new__(cls, key: str, /, **fields: object) -> Self:
        from geo import messages

        worded = super().__new__(cls, messages.text(key, "en", **_said(fields, "en")))
        worded.key, worded.fields = key, MappingProxyType(fields)
        return worded

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from its key and fields, not from its English text
        return (_worded, (self.key, dict(self.fields)))

    def localized(self, lang: "Lang") -> str:
        """The sentence in ``lang`` (``zh`` or ``en``)."""
        from geo import messages

        return messages.text(self.key, lang, **_said(self.fields, lang))


def _worded(key: str, fields: dict[str, object]) -> Worded:
    return Worded(key, **fields)


class Listed(str):
    """Sentences listed one after another (``; `` in English, ``；`` in Chinese), each worded
    one said in the reader's language: the first problems of a long list in one message.

    Parameters
    ----------
    items
        The sentences (:class:`Worded` ones, or plain text shown as it is).
    """

    items: tuple[str, ...]

    def __new__(cls, items: list[str]) -> Self:
        listed = super().__new__(cls, "; ".join(items))
        listed.items = tuple(items)
        return listed

    def __reduce__(self) -> tuple[Any, ...]:
        return (Listed, (list(self.items),))

    def localized(self, lang: "Lang") -> str:
        """The sentences in ``lang``."""
        said = _said({str(n): item for n, item in enumerate(self.items)}, lang)
        return ("; " if lang == "en" else "；").join(str(s) for s in said.values())


class Choices(str):
    """The values a field takes, as its reader reads them: English lists the codes (``tertiary,
    secondary``); Chinese adds each code's label where the catalogue has one (``tertiary（三级）、
    secondary（二级）``), since the file must hold the code.

    Parameters
    ----------
    values
        The codes.
    vocabulary
        The catalogue's prefix of their labels (``grade``, ``facility_type``); None for none.
    """

    values: tuple[str, ...]
    vocabulary: str | None

    def __new__(cls, values: Sequence[str], *, vocabulary: str | None = None) -> Self:
        choices = super().__new__(cls, ", ".join(values))
        choices.values, choices.vocabulary = tuple(values), vocabulary
        return choices

    def __reduce__(self) -> tuple[Any, ...]:
        return (_choices, (list(self.values), self.vocabulary))

    def localized(self, lang: "Lang") -> str:
        """The values in ``lang``."""
        from geo import messages

        if lang == "en":
            return str(self)
        shown = []
        for value in self.values:
            key = f"{self.vocabulary}.{value}"
            labelled = self.vocabulary is not None and messages.has(key, lang)
            shown.append(f"{value}（{messages.text(key, lang)}）" if labelled else value)
        return "、".join(shown)


def _choices(values: list[str], vocabulary: str | None) -> Choices:
    return Choices(values, vocabulary=vocabulary)


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

    @classmethod
    def worded(
        cls,
        key: str,
        /,
        *,
        field: str | None = None,
        details: list[dict[str, Any]] | None = None,
        **fields: object,
    ) -> Self:
        """The error worded by the catalogue's message ``key``, naming the input ``field``.

        Its English text is the catalogue's English sentence; :meth:`localized` and
        :meth:`localized_details` say it in the reader's language.

        Parameters
        ----------
        key
            The message's key in :mod:`geo.messages`; its text may use ``{field}`` and the
            names of ``fields``.
        field
            The input at fault (a query parameter, a body field, a column); when given and
            ``details`` is not, the one detail names it with the message.
        details
            The problems one by one, each ``msg`` a :class:`Worded` sentence (say a row each).
        **fields
            The values the message shows; a worded value is said in the reader's language.
        """
        if field is not None:
            fields = {"field": field, **fields}
        message = Worded(key, **fields)
        if details is None:
            details = [] if field is None else [{"field": field, "msg": message}]
        return cls(str(message), details=details, key=key, fields=fields)

    def localized(self, lang: str) -> str:
        """The message in ``lang`` (``zh`` or ``en``): the catalogue's sentence where the error
        names one, else the code's headline in Chinese before the English message."""
        from geo import messages

        reader: Lang = "en" if lang == "en" else "zh"
        if self.key is not None and messages.has(self.key, reader):
            return messages.text(self.key, reader, **_said(self.fields, reader))
        return localized_message(self.code, self.message, lang)

    def localized_details(self, lang: str) -> list[dict[str, Any]]:
        """The details with each worded ``msg`` (and worded value) said in ``lang``."""
        reader: Lang = "en" if lang == "en" else "zh"
        return [_said(detail, reader) for detail in self.details]


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
