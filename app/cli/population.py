"""``fplan population import``: a city's people from a raster or a point grid."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app.cli._console import Stages, console, progress_enabled
from app.cli._help import both, reader_lang, say
from app.cli._session import open_session

population_app = typer.Typer(
    help=both("cli.population.help"), no_args_is_help=True, rich_markup_mode=None
)


class Calibrate(StrEnum):
    census = "census"
    none = "none"


@population_app.command("import", help=both("cli.population.import"))
def import_population(
    city: Annotated[str, typer.Option("--city", help=both("cli.opt.city"))],
    raster: Annotated[
        Path | None,
        typer.Option("--raster", help=both("cli.population.raster")),
    ] = None,
    points: Annotated[
        Path | None,
        typer.Option("--points", help=both("cli.population.points")),
    ] = None,
    column: Annotated[
        str, typer.Option("--column", help=both("cli.population.column"))
    ] = "population",
    calibrate: Annotated[
        Calibrate,
        typer.Option("--calibrate", help=both("cli.population.calibrate")),
    ] = Calibrate.census,
) -> None:
    """Put a raster's or grid's people on the city's analysis cells."""
    from app.errors import AppError
    from app.services import population_files
    from geo.errors import GeoError

    source = raster or points
    lang = reader_lang()
    stages = Stages(lang, enabled=progress_enabled())
    current: list[str] = []

    def on_step(step: str, done: int, total: int) -> None:
        if current[-1:] != [step]:
            current.append(step)
            stages.stage(step, name=source.name if source else "", city=city)
        stages.update(done, total)

    try:
        with open_session() as session:
            with stages:
                done = population_files.import_population(
                    session,
                    city,
                    raster=raster,
                    points=points,
                    column=column,
                    calibrate=calibrate.value,
                    progress=on_step,
                )
            session.commit()
    except (AppError, GeoError) as exc:
        # the service's refusal or geo's of the file, in the reader's language
        console.print(say("cli.nothing_imported"), style="red", end=" ")
        console.print(exc.localized(lang), markup=False)
        raise typer.Exit(2) from exc
    said = say(
        "cli.population.imported",
        people=f"{done.population:,}",
        cells=f"{done.cells:,}",
        source=done.source,
        source_people=f"{done.source_population:,.0f}",
        calibrate=say(f"cli.population.calibrated.{done.calibrate}"),
    )
    console.print(said, markup=False)
    for unit, people in done.by_unit.items():
        console.print(f"  {unit}: {people:,}")
    if done.empty_units:
        said = say("cli.population.spread", units="、".join(done.empty_units))
        console.print(said, style="yellow", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(population_app, name="population")
