"""``fplan demo``: make a city ready to analyse, real data first, the rest labelled synthetic."""

from typing import TYPE_CHECKING, Annotated

import typer

from app.cli._console import Stages, console, progress_enabled
from app.cli._help import both
from app.cli._session import open_session

if TYPE_CHECKING:
    from app.services.demo import DemoSummary
    from geo.messages import Lang


def demo(
    city: Annotated[str, typer.Option("--city", help=both("cli.demo.city"))],
    seed: Annotated[int, typer.Option(help=both("cli.demo.seed"))] = 0,
    nodes: Annotated[int | None, typer.Option(help=both("cli.demo.nodes"))] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help=both("cli.demo.refresh"))] = False,
    lang: Annotated[str | None, typer.Option("--lang", help=both("cli.opt.lang"))] = None,
) -> None:
    """准备城市数据 / Load what is missing for CITY: regions, roads, population, facilities.

    Real data first (the data folder's road layer and trunk roads, the real hospitals); the
    summary says what is real and what synthetic. Then the plan's norms are evaluated once (when
    the city has a plan), so ``fplan check`` and the map answer at once; each stage shows a
    progress bar.
    """
    from app.cli.check import cli_lang
    from app.services import compliance, norms
    from app.services.demo import prepare_city
    from app.settings import get_settings
    from geo import messages

    settings = get_settings()
    reader = cli_lang(lang)
    stages = Stages(reader, enabled=progress_enabled())
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
        # what is prepared is kept; the evaluation below then commits its own run
        session.commit()
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
    for key, fields in summary.steps or (("demo.step_none", {}),):
        console.print(f"• {messages.text(key, reader, **_numbers(fields))}")
    for line in summary_lines(summary, reader):
        console.print(line, soft_wrap=True)


def _numbers(fields: dict[str, object]) -> dict[str, object]:
    # counts read with thousands separators
    return {k: f"{v:,}" if isinstance(v, int) else v for k, v in fields.items()}


def summary_lines(summary: "DemoSummary", lang: "Lang") -> list[str]:
    """What the city is analysed on, each line saying what is real and what synthetic."""
    from rich.markup import escape

    from geo import messages

    def say(key: str, **fields: object) -> str:
        return escape(messages.text(key, lang, **_numbers(fields)))

    lines = [say("demo.title", city=summary.city_adcode)]
    real, trunk = summary.real_roads, summary.trunk_roads
    if real is not None and not summary.synthetic_roads:
        lines.append(say("demo.roads_real", file=real))
    elif real is not None and trunk is not None:
        lines.append(say("demo.roads_joined_trunk", file=real, trunk=trunk))
    elif real is not None:
        lines.append(say("demo.roads_joined", file=real))
    elif trunk is not None:
        lines.append(say("demo.roads_trunk", trunk=trunk))
    else:
        lines.append(say("demo.roads_synthetic"))
    if summary.real_road_share is not None:
        lines.append(say("demo.real_road_share", share=f"{summary.real_road_share:.1%}"))
    lines.append(say("demo.population", people=summary.population, cells=summary.population_cells))
    lines.append(
        say(
            "demo.facilities",
            real=summary.real_facilities,
            synthetic=summary.synthetic_facilities,
        )
    )
    return lines


def register(app: typer.Typer) -> None:
    app.command("demo", help=both("cli.demo.help"))(demo)
