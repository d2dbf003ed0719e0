"""``fplan optimize``: where new sites bring the most residents within a norm, from the terminal.

The same computation as ``POST /api/v1/optimize`` on the city's stored network, residents and
facilities. The norm is a plan rule (``--rule``), a travel time (``--minutes`` with ``--mode``) or
a straight radius (``--radius-km``). ``--json`` prints ``{model, k, chosen: [{lon, lat, type}],
objective, population_covered, gain, exact, bound, solve_s}`` to stdout; otherwise a table goes
to stderr.
"""

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli._console import Stages, console, progress_enabled
from app.cli._help import both
from app.cli.check import CheckEnvironment

if TYPE_CHECKING:
    from app.schemas.optimize import OptimizeResult
    from geo.messages import Lang

JSON_FIELDS = (
    "model",
    "k",
    "objective",
    "population_covered",
    "uncovered_residents",
    "unreachable_residents",
    "gain",
    "exact",
    "bound",
    "gap",
    "candidates",
    "solve_s",
)


class Model(StrEnum):
    lscp = "lscp"
    mclp = "mclp"
    pmedian = "pmedian"
    ems = "ems"


class Mode(StrEnum):
    walk = "walk"
    drive = "drive"
    ems = "ems"


def result_json(result: "OptimizeResult") -> dict[str, Any]:
    """The printed object: the model's answer, the chosen sites as lon, lat (WGS84) and type."""
    out: dict[str, Any] = {name: getattr(result, name) for name in JSON_FIELDS}
    out["chosen"] = [
        {
            "rank": s.rank,
            "lon": s.lon,
            "lat": s.lat,
            "type": s.type,
            "marginal": s.marginal,
            "county": s.county_adcode,
        }
        for s in result.chosen
    ]
    return out


def optimize(
    ctx: typer.Context,
    *,
    city: Annotated[str, typer.Option("--city", help=both("cli.opt.city"))],
    model: Annotated[
        Model | None,
        typer.Option(
            "--model",
            help=both("cli.optimize.model"),
        ),
    ] = None,
    rule: Annotated[
        str | None,
        typer.Option("--rule", help=both("cli.optimize.rule")),
    ] = None,
    minutes: Annotated[
        float | None, typer.Option("--minutes", help=both("cli.optimize.minutes"))
    ] = None,
    radius_km: Annotated[
        float | None, typer.Option("--radius-km", help=both("cli.optimize.radius_km"))
    ] = None,
    k: Annotated[int | None, typer.Option("--k", help=both("cli.optimize.k"))] = None,
    mode: Annotated[Mode | None, typer.Option("--mode", help=both("cli.optimize.mode"))] = None,
    facility_type: Annotated[
        str | None, typer.Option("--facility-type", help=both("cli.optimize.facility_type"))
    ] = None,
    candidates: Annotated[
        str, typer.Option("--candidates", help=both("cli.optimize.candidates"))
    ] = "gaps",
    spacing_m: Annotated[
        float | None,
        typer.Option(
            "--spacing-m",
            help=both("cli.optimize.spacing_m"),
        ),
    ] = None,
    time_limit_s: Annotated[
        float, typer.Option("--time-limit", help=both("cli.optimize.time_limit"))
    ] = 60.0,
    json_out: Annotated[bool, typer.Option("--json", help=both("cli.opt.json_one"))] = False,
    lang: Annotated[str | None, typer.Option("--lang", help=both("cli.opt.lang"))] = None,
) -> None:
    """Choose sites for a norm in CITY with a location model; print them and what they gain."""
    from pydantic import ValidationError

    from app.cli._session import open_session
    from app.cli.check import cli_lang
    from app.errors import AppError
    from app.schemas.optimize import OptimizeRequest
    from app.services import norms as norms_service
    from app.services import optimize as service
    from app.settings import get_settings
    from geo import messages
    from geo.errors import GeoError, LocationSolverError
    from geo.messages.pydantic import pydantic_text

    reader = cli_lang(lang)
    try:
        request = OptimizeRequest(
            city=city,
            model=(model.value if model is not None else "mclp" if k is not None else "lscp"),
            rule_id=rule,
            minutes=minutes,
            radius_km=radius_km,
            mode=None if mode is None else mode.value,
            k=k,
            facility_type=facility_type,
            candidates=candidates,
            spacing_m=spacing_m,
            time_limit_s=time_limit_s,
        )
    except ValidationError as exc:
        # pydantic's problems worded from the catalogue, each naming its field
        for error in exc.errors():
            said = pydantic_text(error, reader)
            shown = messages.text("cli.chrome.error", reader, message=said)
            console.print(shown, style="red", markup=False)
        raise typer.Exit(2) from exc
    stages = Stages(reader, enabled=progress_enabled(json_mode=json_out))
    try:
        if isinstance(ctx.obj, CheckEnvironment):
            settings = ctx.obj.settings
            catalogues = ctx.obj.norms or norms_service.load_norms(settings)
            with stages:
                result = service.optimize_sites(
                    ctx.obj.session, settings, request, norms=catalogues, progress=stages.stage
                )
        else:
            settings = get_settings()
            with open_session() as session, stages:
                catalogues = norms_service.load_norms(settings)
                result = service.optimize_sites(
                    session, settings, request, norms=catalogues, progress=stages.stage
                )
    except AppError as exc:
        said = messages.text("cli.chrome.error", reader, message=exc.localized(reader))
        console.print(said, style="red", soft_wrap=True, markup=False)
        raise typer.Exit(2 if exc.status_code < 500 else 1) from exc
    except GeoError as exc:
        # a location model's refusal, worded from the catalogue in the reader's language
        said = messages.text("cli.chrome.error", reader, message=exc.localized(reader))
        console.print(said, style="red", soft_wrap=True, markup=False)
        raise typer.Exit(1 if isinstance(exc, LocationSolverError) else 2) from exc

    if json_out:
        typer.echo(json.dumps(result_json(result), ensure_ascii=False))
    else:
        _print_result(result, reader)


_COLUMNS = ("rank", "lon", "lat", "county", "road", "type", "name", "adds")


def _print_result(result: "OptimizeResult", lang: "Lang") -> None:
    from rich.table import Table

    from app.services.optimize_answer import road_zh
    from geo import messages

    def t(key: str, **fields: object) -> str:
        return messages.text(key, lang, **fields)

    model = t(f"optimize.model.{result.model}")
    table = Table(title=t("cli.optimize.title", model=model, city=result.city))
    for column in _COLUMNS:
        right = column in ("rank", "lon", "lat", "adds")
        table.add_column(t(f"cli.optimize.col.{column}"), justify="right" if right else "left")
    for site in result.chosen:
        if site.road is None:
            road = "—"
        else:
            # the road's class as the reader names it (OSM's own word in English)
            named = road_zh(site.road) if lang == "zh" else site.road
            road = f"{named} {site.road_m or 0:,.0f} m"
        table.add_row(
            str(site.rank),
            f"{site.lon:.5f}",
            f"{site.lat:.5f}",
            f"{site.county_name or ''} {site.county_adcode or ''}".strip(),
            road,
            messages.label("facility_type", site.type, lang),
            site.name,
            f"{site.marginal:,.0f}",
        )
    console.print(table)
    if result.ems is not None:
        _print_ems(result, lang)
    english = lang == "en"
    console.print(result.summary_en if english else result.summary_zh)
    console.print(result.gap_en if english else result.gap_zh)
    bound = "—" if result.bound is None else f"{result.bound:,.0f}"
    stats = t(
        "cli.optimize.stats",
        candidates=f"{result.candidates:,}",
        objective=f"{result.objective:,.0f}",
        bound=bound,
        bound_source=result.bound_source,
        solver=messages.label("scenario.solver", result.solver, lang),
        candidates_s=f"{result.candidates_s:.2f}",
        matrix_s=f"{result.matrix_s:.2f}",
        solve_s=f"{result.solve_s:.2f}",
    )
    console.print(stats, highlight=False, markup=False)
    for note in result.notes if english else result.notes_zh:
        console.print(t("cli.optimize.note", note=note), style="yellow", markup=False)
    if result.synthetic:
        console.print(t("cli.optimize.synthetic"), style="yellow")


def _print_ems(result: "OptimizeResult", lang: "Lang") -> None:
    from rich.table import Table

    from geo import messages

    assert result.ems is not None
    table = Table(title=messages.text("cli.optimize.ems_title", lang))
    heads = ("unit", "stations", "fleet", "required", "covered", "expected")
    for head in heads:
        said = messages.text(f"cli.optimize.ems.{head}", lang)
        table.add_column(said, justify="left" if head == "unit" else "right")
    for c in result.ems.counties:
        table.add_row(
            f"{c.name} {c.adcode}",
            f"{c.stations_before} → {c.stations_after}",
            f"{c.fleet_before} → {c.fleet_after}",
            str(c.fleet_required),
            f"{c.covered_before:,.0f} → {c.covered_after:,.0f}",
            f"{c.expected_before:,.0f} → {c.expected_after:,.0f}",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("optimize", help=both("cli.optimize.help"))(optimize)
