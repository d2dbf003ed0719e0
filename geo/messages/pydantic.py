"""Pydantic's validation errors worded from the catalogue, in the reader's language.

Pydantic words each problem in English (``msg``); a Chinese reader must not get that. Every
problem also carries a machine ``type`` (``missing``, ``int_parsing``, ``greater_than`` …) and
the numbers it was checked against (``ctx``). Each type is worded once, by the catalogue's
``pydantic.<type>`` message: what is wrong (the limit, the values allowed), with the numbers of
:func:`pydantic_context`; :func:`pydantic_key` picks it. :func:`pydantic_text` frames it with
the field and the value given, for a request; the norm catalogue's checks
(:mod:`geo.norms._problems`) frame the same message with the rule, the field as the file writes
it and the value given. A type the catalogue does not word reads a generic sentence, never
pydantic's English. A validator of our own raises :class:`WordedValueError` so that its
sentence, too, comes from the catalogue. Pure: reads no pydantic, only the error dictionaries
it produces.
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from geo.messages import DEFAULT_LANG, Lang, has, listed_fields, text

# where a request carried the value: pydantic's first loc part, not part of the field's name
_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})
# how many characters of a value the sentence shows (a pasted file must not fill the answer)
_VALUE_CHARS = 40
# pydantic's list of choices: "'walk' or 'drive'", "1000 or 10000"; the quotes are not shown
_CHOICE = re.compile(r"'((?:[^'\\]|\\.)*)'|(-?[0-9][0-9.eE+-]*)")
# the context of pydantic's errors the messages show; the rest (the exception, the Python class)
# speaks to developers
_LIMITS = ("gt", "ge", "lt", "le", "multiple_of")
_LENGTHS = ("min_length", "max_length", "actual_length")
# types whose sentence does not show the value given (it is absent, or its length is said)
_VALUELESS = frozenset(
    {
        "missing",
        "extra_forbidden",
        "string_too_short",
        "string_too_long",
        "too_short",
        "too_long",
        "union_tag_invalid",
        "union_tag_not_found",
    }
)


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


def _choices(expected: str) -> tuple[str, ...]:
    # pydantic lists the allowed values in English ("'a', 'b' or 'c'"): keep the values alone
    return tuple(quoted or number for quoted, number in _CHOICE.findall(expected))


def pydantic_context(ctx: Mapping[str, Any] | None) -> dict[str, object]:
    """The values a problem's sentence shows, from its ``ctx``.

    Limits (``gt`` … ``multiple_of``) as text (a float without trailing zeros), lengths as
    whole numbers, the values allowed (``expected``, or a union's ``expected_tags``) as a tuple
    to be listed in the reader's language, and the ``pattern``, ``tag`` and ``discriminator``
    as text; nothing else (the exception, the Python class) speaks to a reader.
    """
    ctx = ctx or {}
    fields: dict[str, object] = {}
    for name in _LIMITS:
        if name in ctx:
            fields[name] = f"{ctx[name]:g}" if isinstance(ctx[name], float) else str(ctx[name])
    for name in _LENGTHS:
        if name in ctx:
            fields[name] = int(ctx[name])
    for name in ("expected", "expected_tags"):
        if isinstance(ctx.get(name), str):
            fields["expected"] = _choices(ctx[name])
    if "pattern" in ctx:
        fields["pattern"] = str(ctx["pattern"])
    if "tag" in ctx:
        fields["tag"] = str(ctx["tag"])
    if isinstance(ctx.get("discriminator"), str):
        fields["discriminator"] = ctx["discriminator"].strip("'")
    return fields


def pydantic_key(kind: str) -> str:
    """The catalogue's message saying what a problem of type ``kind`` is
    (``pydantic.<type>``; ``pydantic.other`` for a type it does not word)."""
    key = f"pydantic.{kind}"
    return key if kind and has(key, DEFAULT_LANG) and has(key, "en") else "pydantic.other"


def pydantic_what(key: str, fields: Mapping[str, object], lang: Lang = DEFAULT_LANG) -> str:
    """What is wrong: the message ``key`` with ``fields`` (:func:`pydantic_context`), a tuple
    of values listed as ``lang`` lists them (``walk、drive``, ``walk, drive``)."""
    return text(key, lang, **listed_fields(fields, lang))


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
        The field, the catalogue's ``pydantic.<type>`` sentence with the problem's numbers
        (``pydantic.other`` for a type it does not word) and, for most types, the value given;
        a validator's :class:`WordedValueError` in its own words after the field.
    """
    kind = str(error.get("type", ""))
    if kind in ("json_invalid", "json_type"):
        # a body that is not JSON has no field: the sentence is whole
        return text(f"pydantic.{kind}", lang)
    field = problem_field(error) or text("pydantic.whole_input", lang)
    ctx = error.get("ctx") or {}
    value = _shown(error.get("input"))
    if kind in ("value_error", "assertion_error"):
        # our own validators word their refusal; a bare ValueError's text is English
        reason = ctx.get("error")
        worded = getattr(reason, "localized", None)
        if callable(worded):
            return text("pydantic.refused", lang, field=field, error=worded(lang))
        if lang == "en" and reason is not None:
            return text("pydantic.refused", lang, field=field, error=str(reason))
        kind = "value_error"
    what = pydantic_what(pydantic_key(kind), pydantic_context(ctx), lang)
    frame = "pydantic.said_alone" if kind in _VALUELESS else "pydantic.said"
    return text(frame, lang, field=field, what=what, value=value)


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
