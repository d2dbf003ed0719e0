"""The ``fplan`` command line: database set-up, data loading, analysis and serving.

Each command group lives in its own module and is registered here; commands import their heavy
dependencies inside the function so ``fplan --help`` stays fast.
"""

import typer

from app.cli import bench, coverage, db, load, serve

app = typer.Typer(
    help="fplan: health facility planning on real road networks.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
bench.register(app)
coverage.register(app)
db.register(app)
load.register(app)
serve.register(app)


def main() -> None:
    app()
