"""The planner scripts' command line in the reader's language: help, usage line and errors.

Help texts are catalogue keys (:func:`help_text`) worded when the command line is parsed, in
the language it asks for (``--lang``, else ``FPLAN_LANG``, else Chinese). argparse's own words
(the usage line, the headings, the help option, the defaults, its errors) come from the same
catalogue (``cli.chrome.*``, shared with ``fplan``, and ``scenario.args.*``).
"""

import argparse
import os
import re
import sys
from collections.abc import Sequence
from contextvars import ContextVar
from functools import partial
from typing import TYPE_CHECKING, Any, NoReturn

from geo import messages
from geo.messages import Lang

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

# the language of the command line being parsed, for the argument types' refusals
_READER: ContextVar[Lang] = ContextVar("reader", default=messages.DEFAULT_LANG)


class HelpText(str):
    """A help text: the catalogue's ``key`` and fields, read as the Chinese text until worded.

    Parameters
    ----------
    key
        The catalogue key.
    fields
        The message's ``{name}`` fields.
    """

    key: str
    fields: dict[str, object]

    def __new__(cls, key: str, fields: dict[str, object]) -> "HelpText":
        made = super().__new__(cls, messages.text(key, messages.DEFAULT_LANG, **fields))
        made.key, made.fields = key, fields
        return made

    def worded(self, lang: Lang) -> str:
        """The text in ``lang``."""
        return messages.text(self.key, lang, **self.fields)


def help_text(key: str, /, **fields: object) -> HelpText:
    """A help text (or error) from the catalogue, worded in the reader's language when parsed."""
    return HelpText(key, dict(fields))


def lang_of(argv: Sequence[str]) -> Lang:
    """The language a command line asks for: ``--lang X``, else ``FPLAN_LANG``, else zh."""
    return messages.lang_of_command_line(argv, os.environ)


def refusal(key: str, /, **fields: object) -> str:
    """An argument type's refusal in the language of the command line being parsed."""
    return messages.text(key, _READER.get(), **fields)


# argparse's sentences (Python 3.11) and the catalogue keys that word them
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^unrecognized arguments: (?P<args>.+)$"), "scenario.args.unrecognized"),
    (
        re.compile(r"^the following arguments are required: (?P<names>.+)$"),
        "scenario.args.required",
    ),
    (
        re.compile(
            r"^argument (?P<name>\S+): invalid choice: (?P<value>.+) "
            r"\(choose from (?P<choices>.+)\)$"
        ),
        "scenario.args.choice",
    ),
    (re.compile(r"^argument (?P<name>\S+): expected one argument$"), "scenario.args.needs_value"),
    (
        re.compile(r"^argument (?P<name>\S+): invalid (?P<kind>\w+) value: (?P<value>.+)$"),
        "scenario.args.invalid",
    ),
    (re.compile(r"^argument (?P<name>\S+): (?P<detail>.+)$"), "scenario.args.bad"),
)


def _reword(message: str, lang: Lang) -> str:
    if isinstance(message, HelpText):
        return message.worded(lang)
    for pattern, key in _ERRORS:
        match = pattern.match(message)
        if match:
            return messages.text(key, lang, **match.groupdict())
    return message


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """argparse's help layout with the usage prefix and the defaults in the reader's language."""

    _ENGLISH_DEFAULT = " (default: %(default)s)"

    def __init__(self, prog: str, *, lang: Lang) -> None:
        super().__init__(prog)
        self.lang = lang

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        if prefix is None:
            prefix = messages.text("cli.chrome.usage", self.lang)
        super().add_usage(usage, actions, groups, prefix)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        shown = super()._get_help_string(action)
        # a flag's False and an unset None say nothing a reader needs
        if action.default is None or isinstance(action.default, bool):
            return action.help
        if shown is not None and shown.endswith(self._ENGLISH_DEFAULT):
            said = messages.text("scenario.args.default", self.lang)
            shown = shown.removesuffix(self._ENGLISH_DEFAULT) + said
        return shown


class ReaderParser(argparse.ArgumentParser):
    """An argument parser that words its help and its errors in the reader's language."""

    def __init__(self, *, prog: str, description: str) -> None:
        super().__init__(prog=prog, description=description, add_help=False)
        self.lang: Lang = messages.DEFAULT_LANG
        self.add_argument(
            "-h",
            "--help",
            action="help",
            default=argparse.SUPPRESS,
            help=help_text("cli.chrome.help_option"),
        )

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self.lang = lang_of(sys.argv[1:] if args is None else args)
        _READER.set(self.lang)
        self._word()
        return super().parse_known_args(args, namespace)

    def _word(self) -> None:
        lang = self.lang
        if isinstance(self.description, HelpText):
            self.description = self.description.worded(lang)
        for action in self._actions:
            if isinstance(action.help, HelpText):
                action.help = action.help.worded(lang)
        self._optionals.title = messages.text("cli.chrome.options", lang)
        self._positionals.title = messages.text("cli.chrome.arguments", lang)
        self.formatter_class = partial(_Formatter, lang=lang)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        said = messages.text("cli.chrome.error", self.lang, message=_reword(message, self.lang))
        self.exit(2, f"{said}\n")

    def print_usage(self, file: "SupportsWrite[str] | None" = None) -> None:
        self._word()
        super().print_usage(file)
