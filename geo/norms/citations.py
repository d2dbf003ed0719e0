"""Citations: where a plan prints a figure or a rule, checked against the plan's seed text.

One :class:`Citation` serves the norm catalogues (:mod:`geo.norms.catalogue`) and the demo
inventories (:mod:`geo.demo.inventory`): a seed file of ``../shared/plans/seeds``, a 1-based line
range and an exact quote. :func:`check_citation` holds a citation to its seed: the quote must be
in the text (whitespace ignored, see :mod:`geo.norms._seeds`) where the lines say.
"""

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from geo.errors import CatalogueDefectError
from geo.norms._seeds import SeedText

_LINES = re.compile(r"^L?(\d+)(?:\s*[-–—]\s*L?(\d+))?$")


class Citation(BaseModel):
    """Where a plan states a rule or a figure: seed file, 1-based line range and the exact quote.

    ``lines`` accepts ``"L1136-1140"``, ``"L195"``, ``[1136, 1140]`` or ``195``. The quote is
    matched with whitespace removed (see :mod:`geo.norms._seeds`) and must overlap the lines.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str = Field(min_length=1, pattern=r"^[^/\\]+\.txt$")
    lines: tuple[int, int]
    quote: str = Field(min_length=1)

    @field_validator("lines", mode="before")
    @classmethod
    def _parse_lines(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return (value, value)
        if isinstance(value, str):
            match = _LINES.match(value.strip())
            if match is None:
                raise CatalogueDefectError.worded(
                    "catalogue.defect.lines_form", field="lines", given=value
                )
            first = int(match.group(1))
            last = int(match.group(2) or first)
            return (first, last)
        if isinstance(value, list | tuple) and len(value) == 1:
            return (value[0], value[0])
        return value

    @field_validator("lines")
    @classmethod
    def _check_order(cls, value: tuple[int, int]) -> tuple[int, int]:
        first, last = value
        if first < 1 or last < first:
            raise CatalogueDefectError.worded(
                "catalogue.defect.lines_order", field="lines", given=f"L{first}-{last}"
            )
        return value

    @field_serializer("lines")
    def _write_lines(self, value: tuple[int, int]) -> str:
        return self.lines_label

    @property
    def lines_label(self) -> str:
        """The line range as a plan reference, e.g. ``"L1136-1140"`` or ``"L195"``."""
        first, last = self.lines
        return f"L{first}" if first == last else f"L{first}-{last}"


def check_citation(
    citation: Citation, *, seeds_dir: Path, seeds: dict[str, SeedText] | None = None
) -> CatalogueDefectError | None:
    """Check one citation against its seed text; return the defect, or None when it holds.

    The defect is worded by the message catalogue and names the citation's field at fault
    (``document``, ``lines`` or ``quote``).

    Parameters
    ----------
    citation
        The citation to check.
    seeds_dir
        The folder holding the seed texts.
    seeds
        A cache of seed texts already read, keyed by file name; filled as seeds are read.
    """
    cache = {} if seeds is None else seeds
    seed = cache.get(citation.document)
    if seed is None:
        path = seeds_dir / citation.document
        if not path.is_file():
            return CatalogueDefectError.worded(
                "catalogue.defect.no_plan_text", field="document", given=citation.document
            )
        seed = SeedText.read(path)
        cache[citation.document] = seed
    first, last = citation.lines
    if last > seed.line_count:
        return CatalogueDefectError.worded(
            "catalogue.defect.lines_beyond",
            field="lines",
            document=citation.document,
            count=seed.line_count,
            given=citation.lines_label,
        )
    spans = seed.locate(citation.quote)
    if not spans:
        return CatalogueDefectError.worded(
            "catalogue.defect.quote_not_found",
            field="quote",
            document=citation.document,
            given=citation.quote,
        )
    if not any(start <= last and end >= first for start, end in spans):
        found = tuple(f"L{start}" if start == end else f"L{start}-{end}" for start, end in spans)
        return CatalogueDefectError.worded(
            "catalogue.defect.quote_elsewhere",
            field="lines",
            found=found,
            given=citation.lines_label,
        )
    return None
