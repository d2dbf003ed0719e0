"""The command line's own words (usage line, headings, help option, usage errors) in the reader's
language, from the message catalogue (``cli.chrome.*``).

Typer draws help and usage errors with a vendored Click whose few sentences ("Usage:", "Show
this message and exit.", "No such option: …") are English literals, and its headings and
defaults ("Options", "[default: …]") through :mod:`gettext`. :class:`ReaderGroup`, the root
command's class, gives every command of the tree a context whose formatter and help option
read the catalogue, answers Typer's :mod:`gettext` look-ups from the catalogue, and re-words a
usage error from the exception's fields (:func:`error_text`) before it is shown.
"""

import re
from collections.abc import Callable, Sequence
from typing import IO, Any, NoReturn

import typer.core
from typer import _click
from typer._click import exceptions as click_errors

from app.cli._help import reader_lang
from app.cli._params import take_plain_values
from geo import messages
from geo.messages import Lang

# Typer's gettext message ids (typer/core.py) and the catalogue keys that word them
_GETTEXT_KEYS = {
    "Options": "cli.chrome.options",
    "Arguments": "cli.chrome.arguments",
    "Commands": "cli.chrome.commands",
    "default: {default}": "cli.chrome.default",
    "required": "cli.chrome.required",
    "env var: {var}": "cli.chrome.envvar",
    "(dynamic)": "cli.chrome.dynamic",
    "Aborted!": "cli.chrome.aborted",
    "Missing command.": "cli.chrome.missing_command",
    "No such command {name!r}.": "cli.chrome.no_such_command",
}

# the library's sentences inside an error's message, and the catalogue keys that word them
_DETAILS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Got unexpected extra arguments? \((?P<args>.*)\)$"), "cli.chrome.extra_args"),
    (
        re.compile(r"^Option (?P<option>'[^']*') requires (?:an argument|(?P<n>\d+) arguments)\.$"),
        "cli.chrome.needs_value",
    ),
    (re.compile(r"^Option (?P<option>'[^']*') does not take a value\.$"), "cli.chrome.no_value"),
    (
        re.compile(r"^(?:Value error, )?(?P<value>.+?) is not one of (?P<choices>.+)\.$"),
        "cli.chrome.not_a_choice",
    ),
    (re.compile(r"^\w+ (?P<path>'.*') does not exist\.$"), "cli.chrome.no_such_path"),
    (re.compile(r"^\w+ (?P<path>'.*') is a file\.$"), "cli.chrome.is_file"),
    (re.compile(r"^\w+ (?P<path>'.*') is a directory\.$"), "cli.chrome.is_directory"),
    (re.compile(r"valid integer"), "cli.chrome.want_integer"),
    (re.compile(r"valid number"), "cli.chrome.want_number"),
    (re.compile(r"valid boolean"), "cli.chrome.want_boolean"),
)

# wide character classes take milliseconds to compile: left to re's cache, compiled when
# help or an error is first shown, not by every command
_CJK = r"[\u4e00-\u9fff]"


def _gettext(lang: Lang) -> Callable[[str], str]:
    def gettext(message: str) -> str:
        key = _GETTEXT_KEYS.get(message)
        if key is None:
            return message
        # the library formats the message's fields itself: hand back its own field names
        return messages.catalogue(lang).get(key, message)

    return gettext


# typer adds its suggestions to a message already worded ("No such command 'x'.")
_SUGGESTION = re.compile(r"^(?P<said>.*?)\.? Did you mean (?P<names>.+)\?$", re.DOTALL)


def _detail(message: str, lang: Lang) -> str:
    """Re-word one of the library's sentences; a sentence of ours (Chinese) stays as it is."""
    suggested = _SUGGESTION.match(message)
    if suggested:
        said = _detail(suggested.group("said"), lang)
        return messages.text("cli.chrome.did_you_mean", lang, said=said, names=suggested["names"])
    if re.search(_CJK, message):
        return message
    for pattern, key in _DETAILS:
        match = pattern.search(message)
        if match:
            fields = {name: value or "" for name, value in match.groupdict().items()}
            return messages.text(key, lang, **fields)
    return message


def _hint(error: click_errors.BadParameter) -> str:
    if error.param_hint is not None:
        hint = error.param_hint
    elif error.param is not None:
        hint = error.param.get_error_hint()
    else:
        return ""
    return hint if isinstance(hint, str) else " / ".join(repr(name) for name in hint)


def error_text(error: click_errors.ClickException, lang: Lang) -> str:
    """Return a usage error's message in ``lang``, naming the option or argument at fault.

    Parameters
    ----------
    error
        The exception the parser or a command raised.
    lang
        The reader's language.
    """
    if isinstance(error, click_errors.NoSuchOption):
        said = messages.text("cli.chrome.no_such_option", lang, option=error.option_name)
        if error.possibilities:
            options = ", ".join(sorted(error.possibilities))
            said += messages.text("cli.chrome.possible_options", lang, options=options)
        return said
    if isinstance(error, click_errors.MissingParameter):
        kind = error.param_type or (error.param.param_type_name if error.param else "parameter")
        return messages.text(
            "cli.chrome.missing",
            lang,
            kind=messages.label("cli.chrome.kind", kind, lang),
            name=_hint(error),
        )
    if isinstance(error, click_errors.BadParameter):
        detail = _detail(error.message, lang)
        hint = _hint(error)
        if not hint:
            return messages.text("cli.chrome.invalid", lang, detail=detail)
        return messages.text("cli.chrome.invalid_for", lang, name=hint, detail=detail)
    if isinstance(error, click_errors.FileError):
        return messages.text(
            "cli.chrome.file_error",
            lang,
            name=error.ui_filename,
            detail=_detail(error.message, lang),
        )
    return _detail(error.format_message(), lang)


class ReaderError(click_errors.ClickException):
    """A usage error worded in the reader's language, shown as Click shows one.

    Parameters
    ----------
    error
        The library's exception (its exit code, context and fields are kept).
    lang
        The reader's language.
    """

    def __init__(self, error: click_errors.ClickException, lang: Lang) -> None:
        super().__init__(error_text(error, lang))
        self.exit_code = error.exit_code
        self.ctx = getattr(error, "ctx", None)
        self.lang = lang

    def show(self, file: IO[Any] | None = None) -> None:
        color = self.ctx.color if self.ctx is not None else None
        if self.ctx is not None:
            usage = self.ctx.get_usage()
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = messages.text(
                    "cli.chrome.try_help",
                    self.lang,
                    command=self.ctx.command_path,
                    option=self.ctx.help_option_names[0],
                )
            _click.echo(f"{usage}\n{hint}\n", file=file, err=file is None, color=color)
        said = messages.text("cli.chrome.error", self.lang, message=self.message)
        _click.echo(said, file=file, err=file is None, color=color)


# the placeholders Click and Typer write in usage lines and beside options, by catalogue key
_PLACEHOLDERS = {
    "[OPTIONS]": "cli.chrome.ph.options",
    "COMMAND": "cli.chrome.ph.command",
    "[ARGS]...": "cli.chrome.ph.args",
    "<str>": "cli.chrome.ph.str",
    "<list[str]>": "cli.chrome.ph.strs",
    "<int>": "cli.chrome.ph.int",
    "<int range>": "cli.chrome.ph.int",
    "<float>": "cli.chrome.ph.float",
    "<float range>": "cli.chrome.ph.float",
    "<path>": "cli.chrome.ph.path",
}


def placeholders(text: str, lang: Lang) -> str:
    """``text`` with Click's and Typer's placeholders (``[OPTIONS]``, ``<str>`` …) in ``lang``."""
    for shown, key in _PLACEHOLDERS.items():
        if shown in text:
            text = text.replace(shown, messages.text(key, lang))
    return text


# a wide (CJK) character with the closing punctuation that may not start a line, a run of
# narrow non-space characters, or a run of spaces: the units a line is broken between
_TOKENS = r"[\u2e80-\uffff][，。；：、！？）》」』”]*|[^\s\u2e80-\uffff]+|\s+"
_WIDE = r"[\u2e80-\uffff]"


def wrap_cells(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` terminal cells (a Chinese character is two
    cells wide), between words and between Chinese characters, never before closing punctuation."""
    from rich.cells import cell_len

    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, space = "", ""
        for token in re.findall(_TOKENS, paragraph):
            if token.isspace():
                space = " " if line else ""
                continue
            if line and cell_len(line) + cell_len(space) + cell_len(token) > width:
                lines.append(line)
                line, space = "", ""
            line += space + token
            space = ""
        lines.append(line)
    return lines


class ReaderFormatter(_click.HelpFormatter):
    """Click's help formatter in the reader's language: usage prefix, placeholders and headings
    from the catalogue, and Chinese wrapped by its width on screen."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = messages.text("cli.chrome.usage", reader_lang())
        super().write_usage(prog, placeholders(args, reader_lang()), prefix)

    def write_text(self, text: str) -> None:
        if not re.search(_WIDE, text):
            super().write_text(text)
            return
        indent = " " * self.current_indent
        for line in wrap_cells(text, max(self.width - self.current_indent, 11)):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        from rich.cells import cell_len

        lang = reader_lang()
        rows = [(placeholders(a, lang), b) for a, b in rows]
        if not any(re.search(_WIDE, a + b) for a, b in rows):
            super().write_dl(rows, col_max, col_spacing)
            return
        first_col = min(max(cell_len(a) for a, _ in rows), col_max) + col_spacing
        text_width = max(self.width - first_col - self.current_indent, 10)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if cell_len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - cell_len(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_cells(second, text_width)
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")

    def write_heading(self, heading: str) -> None:
        said = messages.text("cli.chrome.heading", reader_lang(), name=heading)
        self.write(f"{'':>{self.current_indent}}{said}\n")


class ReaderContext(_click.Context):
    """A command's context whose help formatter and help option speak the reader's language."""

    formatter_class = ReaderFormatter

    def __init__(self, command: _click.Command, *args: Any, **kwargs: Any) -> None:
        super().__init__(command, *args, **kwargs)
        option = command.get_help_option(self)
        if option is not None:
            option.help = messages.text("cli.chrome.help_option", reader_lang())
            take_plain_values([option])


def _speak(command: _click.Command) -> None:
    # every command of the tree opens a reader's context, and draws plain help: rich's panels
    # are titled by the library in English
    command.context_class = ReaderContext
    take_plain_values(command.params)
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    for sub in getattr(command, "commands", {}).values():
        _speak(sub)


class ReaderGroup(typer.core.TyperGroup):
    """The root command: its whole tree worded in the reader's language (:mod:`app.cli._chrome`)."""

    context_class = ReaderContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # typer words its headings and defaults through gettext: answer from the catalogue
        typer.core._ = _gettext(reader_lang())  # type: ignore[attr-defined,assignment]
        take_plain_values(self.params)
        for sub in self.commands.values():
            _speak(sub)

    def make_context(self, *args: Any, **kwargs: Any) -> _click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click_errors.ClickException as error:
            self._reword(error)

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click_errors.ClickException as error:
            self._reword(error)

    @staticmethod
    def _reword(error: click_errors.ClickException) -> NoReturn:
        # "no arguments: show the help" and errors already worded pass as they are
        if isinstance(error, (click_errors.NoArgsIsHelpError, ReaderError)):
            raise error
        raise ReaderError(error, reader_lang()) from None
