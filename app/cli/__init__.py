"""The ``fplan`` command line: database set-up, data loading, analysis and serving.

Each command group lives in its own module and is registered here; commands import their heavy
dependencies inside the function so ``fplan --help`` stays fast.
"""

import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

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
from app.cli._help import both

if TYPE_CHECKING:
    from geo.messages import Lang

app = typer.Typer(
    help=both("cli.app"),
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


def _reader_lang(argv: Sequence[str]) -> "Lang":
    """The reader's language of a failed command: its ``--lang``, else ``FPLAN_LANG``, else zh."""
    from geo import messages

    asked = argv[list(argv).index("--lang") + 1] if "--lang" in argv[:-1] else None
    return messages.parse_lang(asked or os.environ.get("FPLAN_LANG")) or messages.DEFAULT_LANG


def main() -> None:
    from app.cli._console import console
    from app.errors import AppError
    from geo.errors import GeoError

    try:
        app()
    except AppError as exc:
        # a domain error is the user's to fix: say what, no traceback
        console.print(f"[red]error:[/red] {exc.message}")
        for detail in exc.details:
            console.print(f"  {detail.get('field', '')}: {detail.get('msg', '')}")
        raise SystemExit(2 if exc.status_code < 500 else 1) from None
    except GeoError as exc:
        # the computation refused its input (an unreadable file, a bad parameter): one line,
        # in the reader's language where the error is worded from the catalogue
        said = exc.localized(_reader_lang(sys.argv[1:]))
        console.print(f"[red]error:[/red] {said}", soft_wrap=True, highlight=False)
        raise SystemExit(2) from None
    finally:
        # the command is done: the interpreter's last collections would only walk what it built
        # (numba's type registry alone, a few 100 ms) before the process frees it all at exit
        gc.freeze()
