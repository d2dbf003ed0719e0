"""Pydantic's validation errors worded from the catalogue, in the reader's language.

Pydantic words each problem in English (``msg``); a Chinese reader must not get that. Every
problem also carries a machine ``type`` (``missing``, ``int_parsing``, ``greater_than`` …) and
the numbers it was checked against (``ctx``): :func:`pydantic_text` words it from the catalogue's
``pydantic.<type>`` message with those numbers and the field it names. A type the catalogue
does not word gets a generic sentence naming the field and the value given, never pydantic's
English. A validator of our own raises :class:`WordedValueError` so that its sentence, too,
comes from the catalogue. Pure: reads no pydantic, only the error dictionaries it produces, so
any caller (the service's request checks, the norm catalogue's checks) may reuse it.
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from geo.messages import DEFAULT_LANG, Lang, has, text

# where a request carried the value: pydantic's first loc part, not part of the field's name
_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})
# how many characters of a value the sentence shows (a pasted file must not fill the answer)
_VALUE_CHARS = 40
# pydantic's list of choices: "'zh' or 'en'", "'a', 'b' or 'c'"
_CHOICE_SPLIT = re.compile(r",\s*|\s+or\s+")


class WordedValueError(ValueError):
    """A validator's refusal worded by the catalogue's message ``key`` (English as its text).

    Raised inside a pydantic validator, it reaches :func:`pydantic_text` as the ``error`` of a
    ``value_error`` problem, which then says it in the reader's language.

    Parameters
    ----------
    key
        The message's key in :mod:`geo.messages`.
    **fields
        The values the message shows.
    """

    def __init__(self, key: str, /, **fields: object) -> None:
        super().__init__(text(key, "en", **fields))
        self.key = key
        self.fields = dict(fields)

    def localized(self, lang: Lang) -> str:
        """The refusal in ``lang``."""
        return text(self.key, lang, **self.fields)


def pydantic_field(loc: Sequence[str | int]) -> str:
    """The field a problem's ``loc`` names, dotted (``("body", "sites", 0, "lon")`` →
    ``"sites.0.lon"``), without where the request carried it; empty for the whole input."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    return ".".join(str(part) for part in parts)


def problem_field(error: Mapping[str, Any]) -> str:
    """The field one pydantic problem names (:func:`pydantic_field` of its ``loc``); none for
    a body that is not JSON, whose ``loc`` holds the position where reading stopped."""
    if error.get("type") in ("json_invalid", "json_type"):
        return ""
    return pydantic_field(error.get("loc", ()))


def _shown(value: object) -> str:
    # a value as the sentence shows it: strings quoted, long ones cut
    shown = repr(value) if isinstance(value, str) else str(value)
    return shown if len(shown) <= _VALUE_CHARS else shown[: _VALUE_CHARS - 1] + "…"


def _choices(expected: object, lang: Lang) -> str:
    # pydantic lists choices in English ("'a', 'b' or 'c'"): list them in the reader's words
    items = [item for item in _CHOICE_SPLIT.split(str(expected)) if item]
    if len(items) < 2:
        return str(expected)
    return text(
        "pydantic.choices",
        lang,
        items=text("pydantic.comma", lang).join(items[:-1]),
        last=items[-1],
    )


def pydantic_text(error: Mapping[str, Any], lang: Lang = DEFAULT_LANG) -> str:
    """Return one pydantic problem as a sentence in ``lang``, naming its field.

    Parameters
    ----------
    error
        One item of ``ValidationError.errors()`` (or of FastAPI's ``RequestValidationError``):
        its ``type``, ``loc``, ``input`` and ``ctx`` are read; its English ``msg`` is not.
    lang
        The reader's language.

    Returns
    -------
    str
        The catalogue's ``pydantic.<type>`` sentence with the problem's numbers, else (a type
        the catalogue does not word, or a validator's plain English ``ValueError``) a generic
        sentence naming the field and the value.
    """
    kind = str(error.get("type", ""))
    field = problem_field(error) or text("pydantic.whole_input", lang)
    ctx = dict(error.get("ctx") or {})
    value = _shown(error.get("input"))
    reason = ctx.get("error")
    if kind in ("value_error", "assertion_error"):
        # our own validators word their refusal; a bare ValueError's text is English
        worded = getattr(reason, "localized", None)
        if callable(worded):
            return text("pydantic.value_error", lang, field=field, error=worded(lang))
        if lang == "en" and reason is not None:
            return text("pydantic.value_error", lang, field=field, error=str(reason))
        return text("pydantic.other", lang, field=field, value=value)
    if "expected" in ctx:
        ctx["expected"] = _choices(ctx["expected"], lang)
    key = f"pydantic.{kind}"
    if not kind or not has(key, lang):
        return text("pydantic.other", lang, field=field, value=value)
    return text(key, lang, **{**ctx, "field": field, "value": value})


class PydanticProblem(str):
    """One pydantic problem as a sentence: its English text (:func:`pydantic_text`), said in
    another language by :meth:`localized`, so a list of problems can be kept as text and worded
    for each reader later.

    Parameters
    ----------
    error
        One item of ``ValidationError.errors()``.
    """

    error: Mapping[str, Any]

    def __new__(cls, error: Mapping[str, Any]) -> "PydanticProblem":
        problem = super().__new__(cls, pydantic_text(error, "en"))
        problem.error = {k: error[k] for k in ("type", "loc", "input", "ctx") if k in error}
        return problem

    def __reduce__(self) -> tuple[Any, ...]:
        return (PydanticProblem, (self.error,))

    def localized(self, lang: Lang) -> str:
        """The problem in ``lang``."""
        return pydantic_text(self.error, lang)
