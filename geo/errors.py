"""Errors raised by ``geo``: one hierarchy, so the service and the CLI map them in one place.

``GeoError`` is the root. ``InputError`` (also a ``ValueError``) means the caller's inputs are
wrong and is answered as a client error; ``LocationSolverError`` means the solver gave up in time;
``NormsError`` covers the norm catalogue and its evaluators.
"""

from collections.abc import Mapping
from dataclasses import dataclass
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
            The values the message shows.
        """
        from geo import messages

        error = cls(messages.text(key, messages.DEFAULT_LANG, field=field, **fields))
        error.key, error.field, error.fields = key, field, MappingProxyType(dict(fields))
        return error

    def localized(self, lang: "Lang") -> str:
        """The message in ``lang``: the catalogue's where the error is worded, else its text."""
        from geo import messages

        if self.key is None:
            return str(self)
        return messages.text(self.key, lang, field=self.field, **self.fields)


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


@dataclass(frozen=True, slots=True)
class CatalogueProblem:
    """One defect in a catalogue file: the rule it concerns (or None for the file) and what."""

    rule_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"rule {self.rule_id!r}" if self.rule_id else "catalogue"
        return f"{where}: {self.message}"


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
        lines = "\n".join(f"  {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{path}: {len(problems)} {noun}:\n{lines}")


class NormEvaluationError(NormsError, ValueError):
    """A rule cannot be evaluated with the inputs given (wrong evaluator, missing region…)."""
