"""Expecting a refusal of ``geo``: worded by the catalogue, Chinese first, English on request."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from geo.errors import GeoError
from tests._english import english_sentences


@contextmanager
def refused(error: type[GeoError], *, match: str) -> Iterator[pytest.ExceptionInfo[GeoError]]:
    """Expect ``error`` whose English reading matches ``match``.

    A worded refusal (one with a catalogue key) also names its input and reads as Chinese by
    default, with no English sentence in it.
    """
    with pytest.raises(error) as caught:
        yield caught
    said = caught.value
    english = said.localized("en")
    assert re.search(match, english), (match, english)
    if said.key is not None:
        assert said.field
        assert str(said) == said.localized("zh")
        assert re.search("[\u4e00-\u9fff]", str(said)), str(said)
        assert english_sentences(str(said)) == [], str(said)
