"""The ``fplan`` command line: database set-up, data loading, analysis and serving.

Each command group lives in its own module and is registered here; commands import their heavy
dependencies inside the function so ``fplan --help`` stays fast.
"""

import typer

from app.cli import db, serve

app = typer.Typer(
    help="fplan: health facility planning on real road networks.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db.register(app)
serve.register(app)


def main() -> None:
    app()
