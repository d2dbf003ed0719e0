"""Errors raised by ``geo``: one hierarchy, so the service and the CLI map them in one place.

``GeoError`` is the root. ``InputError`` (also a ``ValueError``) means the caller's inputs are
wrong and is answered as a client error; ``LocationSolverError`` means the solver gave up in time;
``NormsError`` covers the norm catalogue and its evaluators.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from geo.messages import Lang


class GeoError(Exception):
    """Base class of every error raised by the ``geo`` package.

    An error built by :meth:`worded` carries its message's catalogue key (:mod:`geo.messages`),
    the input it names (``field``) and the message's fields, so the service, the CLI and the
    map can say it in their reader's language (:meth:`localized`); its own text is Chinese.
    """

    key: str | None = None
    field: str | None = None
    fields: Mapping[str, object] = MappingProxyType({})

    @classmethod
    def worded(cls, key: str, /, *, field: str, **fields: object) -> Self:
        """The error worded by the catalogue's message ``key``, naming the input ``field``.

        Parameters
        ----------
        key
            The message's key in :mod:`geo.messages`; its text may use ``{field}`` and the
            names of ``fields``.
        field
            The input at fault, as the caller named it (a parameter of the function).
        **fields
            The values the message shows; a tuple is a list, joined as ``lang`` lists things.
        """
        from geo import messages

        lang = messages.DEFAULT_LANG
        error = cls(messages.text(key, lang, field=field, **messages.listed_fields(fields, lang)))
        error.key, error.field, error.fields = key, field, MappingProxyType(dict(fields))
        return error

    def localized(self, lang: "Lang") -> str:
        """The message in ``lang``: the catalogue's where the error is worded, else its text."""
        from geo import messages

        if self.key is None:
            return str(self)
        return messages.text(
            self.key, lang, field=self.field, **messages.listed_fields(self.fields, lang)
        )


class InputError(GeoError, ValueError):
    """Inputs given to a ``geo`` function are invalid: the caller must change them."""


class NetworkInputError(InputError):
    """Arrays or graphs given to a network builder are inconsistent or invalid."""


class NetworkFormatError(InputError):
    """A road-network file has an unsupported format or cannot be parsed."""


class ModeError(InputError):
    """An unknown travel mode or search direction was requested."""


class SpeedTableError(InputError):
    """A speed table, override or congestion table holds invalid values."""


class CoverageInputError(InputError):
    """Inputs to a coverage computation (sources, points, limits) are invalid."""


class DatumError(InputError):
    """An unknown datum name, mismatched coordinate shapes, or a conversion that failed."""


class PopulationError(InputError):
    """Inputs to the population surface (regions, census rows, segments, points) are invalid."""


class SyntheticInputError(InputError):
    """The boundary, seats or parameters given to the synthetic generator are invalid."""


class InventoryError(InputError):
    """A facility inventory or one of its figures is incomplete or inconsistent."""


class DemoInputError(InputError):
    """Cells, regions or existing facilities given to the demo generator are invalid."""


class LocationInputError(InputError):
    """A cost matrix, weights, radius or option given to a location model is invalid."""


class LocationInfeasibleError(InputError):
    """No set of candidates satisfies the model (a demand no candidate reaches, too few sites)."""


class LocationSolverError(GeoError, RuntimeError):
    """The solver returned no usable solution (e.g. the time limit hit before a first one)."""


class NormsError(GeoError):
    """Base class of every error of the norm catalogue and its evaluators."""


class CatalogueDefectError(NormsError, ValueError):
    """A defect a catalogue model finds in what it was given, worded by a catalogue key.

    Raised with :meth:`GeoError.worded` inside the catalogue's validators (a ``ValueError``, so
    pydantic reports it as a ``value_error``) and returned by the citation check; ``field`` is
    the field at fault, relative to the model that found it. :func:`geo.norms.catalogue.
    load_catalogue` turns each into a :class:`CatalogueProblem` with the full field path.
    """


@dataclass(frozen=True, slots=True)
class CatalogueProblem:
    """One defect in a catalogue file: where it is, what is wrong, and the value given.

    Attributes
    ----------
    rule_id
        The rule concerned (its id, or ``rules[3]`` when it has none); None for the file.
    key
        The message of :mod:`geo.messages` saying what is wrong (``pydantic.*`` for a
        field of the wrong form, ``catalogue.defect.*`` for a rule that does not hold together).
    field
        The field at fault as the file writes it, within the rule (``parameters.minutes_rural``,
        ``citation.lines``) or the file (``city_adcode``); None for the rule or file as a whole.
    fields
        The values the message shows (a tuple is a list of choices).
    given
        The value the file gives, as shown to the reader (None when there is none to show).
    """

    rule_id: str | None
    key: str
    field: str | None = None
    fields: Mapping[str, object] = dataclass_field(default_factory=dict)
    given: str | None = None

    def message(self, lang: "Lang | None" = None) -> str:
        """What is wrong, in ``lang`` (Chinese by default)."""
        from geo import messages

        lang = lang or messages.DEFAULT_LANG
        return messages.text(
            self.key, lang, field=self.field or "", **messages.listed_fields(self.fields, lang)
        )

    def where(self, lang: "Lang | None" = None) -> str:
        """Where the defect is: the rule and the field, in ``lang``."""
        from geo import messages

        lang = lang or messages.DEFAULT_LANG
        if self.rule_id and self.field:
            return messages.text(
                "catalogue.where.rule_field", lang, rule=self.rule_id, field=self.field
            )
        if self.rule_id:
            return messages.text("catalogue.where.rule", lang, rule=self.rule_id)
        if self.field:
            return messages.text("catalogue.where.field", lang, field=self.field)
        return messages.text("catalogue.where.file", lang)

    def line(self, lang: "Lang | None" = None) -> str:
        """The defect as one line: where, what is wrong, and the value given."""
        from geo import messages

        lang = lang or messages.DEFAULT_LANG
        given = (
            "" if self.given is None else messages.text("catalogue.given", lang, value=self.given)
        )
        return messages.text(
            "catalogue.line", lang, where=self.where(lang), what=self.message(lang), given=given
        )

    def as_dict(self, lang: "Lang | None" = None) -> dict[str, str | None]:
        """The defect for a JSON answer: rule, field, the value given, and the message."""
        return {
            "rule": self.rule_id,
            "field": self.field,
            "value": self.given,
            "code": self.key,
            "msg": self.message(lang),
        }

    def __str__(self) -> str:
        return self.line()


class CatalogueError(NormsError):
    """A catalogue file is invalid; the message names the file, each bad rule and the defect.

    Parameters
    ----------
    path
        The catalogue file (or folder, for defects across files such as duplicate ids).
    problems
        Every defect found, in file order.
    """

    def __init__(self, path: Path, problems: list[CatalogueProblem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(self.localized(None))

    def headline(self, lang: "Lang | None" = None) -> str:
        """The file (its name, never a machine path) and how many defects it has."""
        from geo import messages

        lang = lang or messages.DEFAULT_LANG
        return messages.text(
            "catalogue.error.headline", lang, name=self.path.name, count=len(self.problems)
        )

    def localized(self, lang: "Lang | None") -> str:
        """The file, then every defect on a line of its own, in ``lang`` (Chinese by default)."""
        lines = "\n".join(f"  {problem.line(lang)}" for problem in self.problems)
        return f"{self.headline(lang)}\n{lines}"


class NormEvaluationError(NormsError, ValueError):
    """A rule cannot be evaluated with the inputs given (wrong evaluator, missing region…)."""
