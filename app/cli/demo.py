"""``fplan demo``: make a city ready to analyse, real data first, the rest labelled synthetic."""

from typing import Annotated

import typer

from app.cli._console import Stages, console, progress_enabled
from app.cli._session import open_session


def demo(
    city: Annotated[str, typer.Option("--city", help="6-digit adcode, e.g. 430100 Changsha")],
    seed: Annotated[int, typer.Option(help="seed of the synthetic network and facilities")] = 0,
    nodes: Annotated[
        int | None, typer.Option(help="size of a synthetic network, if one is generated")
    ] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="regenerate the synthetic facilities")
    ] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", help="zh (default) or en; else FPLAN_LANG")
    ] = None,
) -> None:
    """Load what is missing for CITY: regions, a road network, population, demo facilities.

    Then the plan's norms are evaluated once (when the city has a plan), so ``fplan check``
    and the map answer at once; each stage shows a progress bar.
    """
    from rich.table import Table

    from app.cli.check import cli_lang
    from app.services import compliance, norms
    from app.services.demo import prepare_city
    from app.settings import get_settings

    settings = get_settings()
    stages = Stages(cli_lang(lang), enabled=progress_enabled())
    with open_session() as session, stages:
        summary = prepare_city(
            session,
            settings,
            city,
            seed=seed,
            target_nodes=nodes,
            refresh_facilities=refresh,
            progress=stages.stage_key,
        )
        catalogues = norms.load_norms(settings)
        if catalogues.for_city(city) is not None:
            # the step the map's preparation also ends with (app.services.preparation)
            stages.stage_key("prepare.step.compliance")
            compliance.run_compliance(
                session,
                settings,
                city,
                norms=catalogues,
                progress=lambda _step, done, total: stages.update(done, total),
            )
    for step in summary.steps or ("nothing to do: the city is ready",):
        console.print(f"• {step}")
    table = Table(show_header=False, title=f"city {city}")
    network = "synthetic" if summary.network_synthetic else "real OSM"
    table.add_row("road network", f"{summary.network_id} ({network})")
    table.add_row("population cells", f"{summary.population_cells:,}")
    table.add_row("residents", f"{summary.population:,}")
    table.add_row("real facilities", f"{summary.real_facilities:,}")
    table.add_row("synthetic facilities", f"{summary.synthetic_facilities:,}")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
