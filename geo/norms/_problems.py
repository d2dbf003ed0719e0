"""Catalogue defects as a planner reads them, in the reader's language.

Each of pydantic's errors and each of the models' own defects
(:class:`~geo.errors.CatalogueDefectError`) becomes a :class:`~geo.errors.CatalogueProblem`
naming the rule, the field as the file writes it (``parameters.facilities[0].facility_types[1]``)
and the value given. What is wrong is worded by the message catalogue: a pydantic error by the
same ``pydantic.<type>`` message as a request's (:mod:`geo.messages.pydantic`), or how a text
field should look (``catalogue.pattern.<field>``); a model's own defect by ``catalogue.defect.*``.
"""

import json
from collections.abc import Iterable, Sequence
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from geo import messages
from geo.errors import CatalogueDefectError, CatalogueProblem
from geo.messages.pydantic import pydantic_context, pydantic_key
from geo.norms.terms import RuleKind

# the discriminator tag pydantic adds to the location of a union member (the rule's kind)
_KIND_VALUES = frozenset(k.value for k in RuleKind)

# a value longer than this is cut where it is shown (a quote, a number of 5,000 digits)
GIVEN_CHARS = 60


def shown(value: Any) -> str:
    """A value as the reader is shown it: text as it is, anything else as JSON, cut short."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str) and value:
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= GIVEN_CHARS else f"{text[:GIVEN_CHARS]}…"


def field_path(parts: Sequence[int | str], *, single: Iterable[str] = ()) -> str:
    """Write a location as the file writes it: ``parameters.facilities[0].facility_types[1]``.

    Parameters
    ----------
    parts
        Field names and list positions, outermost first (pydantic's ``loc``).
    single
        Fields given as one mapping where a list is allowed (``citation``): their position 0
        is not written.
    """
    once = frozenset(single)
    path = ""
    previous: int | str | None = None
    for part in parts:
        if isinstance(part, int):
            if not (part == 0 and previous in once):
                path += f"[{part}]"
        else:
            path += f".{part}" if path else part
        previous = part
    return path


def _joined(parts: Sequence[int | str], field: str | None) -> list[int | str]:
    # a defect names its field within the model that found it; a field validator's location
    # already ends with that field
    below: list[int | str] = [p for p in (field or "").split(".") if p]
    if below and list(parts[-len(below) :]) == below:
        return list(parts)
    return [*parts, *below]


def problem_of_defect(
    defect: CatalogueDefectError,
    rule_id: str | None,
    *,
    prefix: Sequence[int | str] = (),
    single: Iterable[str] = (),
) -> CatalogueProblem:
    """The problem a model's own defect makes, at ``prefix`` (where the model sits) + its field."""
    fields = dict(defect.fields)
    given = fields.pop("given", None)
    path = field_path(_joined(prefix, defect.field), single=single)
    return CatalogueProblem(
        rule_id,
        defect.key or "pydantic.other",
        field=path or None,
        fields=fields,
        given=None if given is None else shown(given),
    )


def problem_of_error(
    error: ErrorDetails, rule_id: str | None, *, single: Iterable[str] = ()
) -> CatalogueProblem:
    """The problem one of pydantic's errors makes, worded by its type.

    The type reads its ``pydantic.<type>`` message with its context (the pattern, the values
    allowed, the limit), ``pydantic.other`` when none words it, still naming the field and the
    value given; a text field of the wrong form reads how it should look
    (``catalogue.pattern.<field>``).
    """
    parts: list[int | str] = [
        part for part in error["loc"] if not (isinstance(part, str) and part in _KIND_VALUES)
    ]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    cause = ctx.get("error")
    if isinstance(cause, CatalogueDefectError) and cause.key is not None:
        return problem_of_defect(cause, rule_id, prefix=parts, single=single)
    kind = error["type"]
    key = pydantic_key(kind)
    names = [part for part in parts if isinstance(part, str)]
    if kind == "string_pattern_mismatch" and names:
        described = f"catalogue.pattern.{names[-1]}"
        key = described if messages.has(described) else key
    given = None if kind == "missing" else shown(error.get("input"))
    return CatalogueProblem(
        rule_id,
        key,
        field=field_path(parts, single=single) or None,
        fields=pydantic_context(ctx),
        given=given,
    )


def problems_of(
    exc: ValidationError,
    rule_id: str | None,
    *,
    single: Iterable[str] = (),
    skip: str | None = None,
) -> list[CatalogueProblem]:
    """Every problem of a validation, in the order pydantic found them.

    Parameters
    ----------
    exc
        The validation of a rule (or of the catalogue header).
    rule_id
        The rule the problems concern; None for the header.
    single
        Fields given as one mapping where a list is allowed (see :func:`field_path`).
    skip
        A top field whose problems are reported elsewhere (the header's ``rules``).
    """
    errors = exc.errors(include_url=False)
    locs = [tuple(error["loc"]) for error in errors]
    problems = []
    for error in errors:
        loc = tuple(error["loc"])
        if skip is not None and loc[:1] == (skip,):
            continue
        # a list whose item failed is also reported as too short: the item says it all
        if error["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in locs
        ):
            continue
        problems.append(problem_of_error(error, rule_id, single=single))
    return problems


def yaml_problem(exc: yaml.YAMLError) -> CatalogueProblem:
    """The problem a file that is not YAML makes, with the line and column where it fails."""
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return CatalogueProblem(None, "catalogue.defect.not_yaml")
    fields = {"line": mark.line + 1, "column": mark.column + 1}
    return CatalogueProblem(None, "catalogue.defect.not_yaml_at", fields=fields)
