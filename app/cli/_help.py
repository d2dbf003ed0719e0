"""The reader's language of one ``fplan`` run, and the help texts in it, from the catalogue.

Help texts are built when the commands are declared, before Click parses the command line, so
the language is read then from the command line itself (``--lang en`` anywhere), else from
``FPLAN_LANG``, else Chinese.
"""

import os
import sys
from collections.abc import Mapping, Sequence
from functools import cache

from geo import messages
from geo.messages import Lang


def lang_from(argv: Sequence[str], environ: Mapping[str, str]) -> Lang:
    """Return the language a command line asks for (:func:`geo.messages.lang_of_command_line`)."""
    return messages.lang_of_command_line(argv, environ)


@cache
def reader_lang() -> Lang:
    """The language of this run's help and usage errors (read once, from ``sys.argv``)."""
    return lang_from(sys.argv[1:], os.environ)


def say(key: str, /, **fields: object) -> str:
    """The catalogue's message ``key`` in the reader's language (:func:`reader_lang`)."""
    return messages.text(key, reader_lang(), **fields)


# help texts, named from when they showed both languages side by side
both = say
