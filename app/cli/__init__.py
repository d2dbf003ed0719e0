"""The ``fplan`` command line: database set-up, data loading, analysis and serving.

Each command group lives in its own module and is registered here; commands import their heavy
dependencies inside the function so ``fplan --help`` stays fast.
"""

import gc
from typing import Annotated

import typer

from app.cli import (
    bench,
    check,
    cities,
    coverage,
    db,
    demo,
    facilities,
    load,
    loadtest,
    network,
    norms,
    optimize,
    population,
    report,
    scenario,
    serve,
    token,
)
from app.cli._chrome import ReaderGroup
from app.cli._help import both, reader_lang

app = typer.Typer(
    help=both("cli.app"),
    # usage line, headings, help option and usage errors in the reader's language
    cls=ReaderGroup,
    no_args_is_help=True,
    # no shell-completion options: their help is the library's, English only
    add_completion=False,
    pretty_exceptions_show_locals=False,
    # plain help text: rich's formatter imports markdown and syntax highlighting (~0.5 s)
    rich_markup_mode=None,
)
bench.register(app)
check.register(app)
cities.register(app)
coverage.register(app)
db.register(app)
demo.register(app)
facilities.register(app)
load.register(app)
network.register(app)
norms.register(app)
optimize.register(app)
population.register(app)
report.register(app)
scenario.register(app)
serve.register(app)
token.register(app)
loadtest.register(app)


@app.callback()
def _reader(
    lang: Annotated[str | None, typer.Option("--lang", help=both("cli.opt.lang"))] = None,
) -> None:
    # the language is read from the command line before it is parsed (reader_lang); declared
    # here so that `fplan --lang en --help` is a command line Click accepts
    del lang


def main() -> None:
    from app.cli._console import console
    from app.cli._errors import detail_lines
    from app.errors import AppError
    from geo import messages
    from geo.errors import GeoError

    lang = reader_lang()

    try:
        app()
    except AppError as exc:
        # a domain error is the user's to fix: say what, no traceback
        said = messages.text("cli.chrome.error", lang, message=exc.localized(lang))
        console.print(said, style="red", soft_wrap=True, highlight=False, markup=False)
        for line in detail_lines(exc, lang):
            console.print(line, soft_wrap=True, highlight=False, markup=False)
        raise SystemExit(2 if exc.status_code < 500 else 1) from None
    except GeoError as exc:
        # the computation refused its input (an unreadable file, a bad parameter): one line,
        # in the reader's language where the error is worded from the catalogue
        said = messages.text("cli.chrome.error", lang, message=exc.localized(lang))
        console.print(said, style="red", soft_wrap=True, highlight=False, markup=False)
        raise SystemExit(2) from None
    finally:
        # the command is done: the interpreter's last collections would only walk what it built
        # (numba's type registry alone, a few 100 ms) before the process frees it all at exit
        gc.freeze()
