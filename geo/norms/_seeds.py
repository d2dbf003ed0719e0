"""Seed plan texts: whitespace-insensitive quote location with line numbers.

A catalogue quote must be an exact span of its seed text. Seed 004 breaks lines mid-sentence (with
blank lines between), the tables of seeds 000–002 put each cell on its own tab-indented line, and
seed 004 puts spaces around numbers ("设置 1 所"), so whitespace carries no meaning in these texts:
both the seed and the quote are compared with every whitespace character (line breaks, spaces, tabs,
no-break and ideographic spaces) removed. Everything else must match exactly.
"""

from array import array
from dataclasses import dataclass
from pathlib import Path


def normalise_text(text: str) -> str:
    """Return ``text`` without any whitespace character, the form quotes are matched in."""
    return "".join(ch for ch in text if not ch.isspace())


@dataclass(frozen=True, slots=True)
class SeedText:
    """A seed text in matching form, with the 1-based source line of each kept character.

    Attributes
    ----------
    name
        The seed file name (what a citation's ``document`` names).
    line_count
        Number of lines in the file, counted the way ``sed -n`` numbers them.
    normalised
        The text with all whitespace removed.
    line_of
        For each character of ``normalised``, the line it came from.
    """

    name: str
    line_count: int
    normalised: str
    line_of: "array[int]"

    @classmethod
    def from_text(cls, name: str, text: str) -> "SeedText":
        """Build the matching form of a seed given its full text."""
        kept: list[str] = []
        line_of = array("i")
        lines = text.split("\n")
        for number, line in enumerate(lines, start=1):
            for ch in line:
                if not ch.isspace():
                    kept.append(ch)
                    line_of.append(number)
        # a trailing newline does not start another line
        line_count = len(lines) - 1 if text.endswith("\n") else len(lines)
        return cls(name=name, line_count=line_count, normalised="".join(kept), line_of=line_of)

    @classmethod
    def read(cls, path: Path) -> "SeedText":
        """Read a UTF-8 seed file."""
        return cls.from_text(path.name, path.read_text(encoding="utf-8"))

    def locate(self, quote: str) -> list[tuple[int, int]]:
        """Return the (first, last) line span of every occurrence of ``quote``, in text order.

        Parameters
        ----------
        quote
            The quoted text; its whitespace is ignored like the seed's.

        Returns
        -------
        list of (int, int)
            One span per occurrence; empty when the quote is not in the text.
        """
        needle = normalise_text(quote)
        spans: list[tuple[int, int]] = []
        if not needle:
            return spans
        start = self.normalised.find(needle)
        while start >= 0:
            end = start + len(needle) - 1
            spans.append((self.line_of[start], self.line_of[end]))
            start = self.normalised.find(needle, start + 1)
        return spans
