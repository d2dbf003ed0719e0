"""Finding English sentences in what a Chinese reader is shown (pages, help, errors)."""

import re

# Latin words a Chinese page may show: proper names of formats and tools, the language switch
# and the commands a planner types (fplan demo --city …, fplan token create --role …)
ALLOWED = re.compile(
    r"fplan [a-z]+(?: [a-z]+)?(?: --[a-z-]+(?: [\w.]+)?)*|"
    r"GeoPackage|GeoJSON|QGIS|Excel|CSV|PDF|OpenStreetMap|MapLibre|EN|"
    r"\b[A-Z]{1,4}\d*\b|L\d+(-\d+)?|km²?|\d"
)
# three Latin words in a row (after the allowed ones are removed) make an English sentence
SENTENCE = re.compile(r"[A-Za-z][a-z'’-]+(?:[\s,;:]+[A-Za-z][a-z'’-]+){2,}")


def english_sentences(text: str) -> list[str]:
    """The English sentences of ``text`` (three Latin words in a row, proper names aside)."""
    return SENTENCE.findall(ALLOWED.sub(" ", text))
