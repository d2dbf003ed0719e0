"""``fplan population import``: a city's people from a raster or a point grid."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app.cli._console import Stages, console, progress_enabled
from app.cli._session import open_session

population_app = typer.Typer(
    help="人口分布 / Population surface: import a raster or a point grid.", no_args_is_help=True
)


class Calibrate(StrEnum):
    census = "census"
    none = "none"


@population_app.command("import")
def import_population(
    city: Annotated[str, typer.Option("--city", help="城市代码 / city adcode, e.g. 430100")],
    raster: Annotated[
        Path | None,
        typer.Option("--raster", help="人口栅格 / population raster (GeoTIFF, any CRS)"),
    ] = None,
    points: Annotated[
        Path | None,
        typer.Option(
            "--points", help="人口点或格网 / point or polygon grid (CSV lon,lat or GeoPackage)"
        ),
    ] = None,
    column: Annotated[
        str, typer.Option("--column", help="人口列 / population column of --points")
    ] = "population",
    calibrate: Annotated[
        Calibrate,
        typer.Option(
            "--calibrate",
            help="census: 各县合计等于普查 / each county sums to its census total; none: as is",
        ),
    ] = Calibrate.census,
) -> None:
    """把人口放到分析单元上 / Put a raster's or grid's people on the city's analysis cells."""
    from app.errors import AppError
    from app.services import population_files

    source = raster or points
    stages = Stages(enabled=progress_enabled())
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
    except AppError as exc:
        console.print("[red]未导入 / nothing imported:[/red]", end=" ")
        console.print(exc.message, markup=False)
        raise typer.Exit(2) from exc
    console.print(
        f"人口 population {done.population:,} on 单元 cells {done.cells:,} from {done.source} "
        f"(source holds 源数据 {done.source_population:,.0f}; calibrate 校准: {done.calibrate})"
    )
    for unit, people in done.by_unit.items():
        console.print(f"  {unit}: {people:,}")
    if done.empty_units:
        console.print(
            f"[yellow]no one in the source 源数据中无人口 → spread evenly 平均分布: "
            f"{', '.join(done.empty_units)}[/yellow]"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(population_app, name="population")
