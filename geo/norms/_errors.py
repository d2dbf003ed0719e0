"""Errors raised by the norm catalogue and the evaluators."""

from dataclasses import dataclass
from pathlib import Path


class NormsError(Exception):
    """Base class of every error in :mod:`geo.norms`."""


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


class NormEvaluationError(NormsError):
    """A rule cannot be evaluated with the inputs given (wrong evaluator, missing region…)."""
