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

from app.cli._console import console
from app.cli.check import CheckEnvironment

if TYPE_CHECKING:
    from app.schemas.optimize import OptimizeResult

JSON_FIELDS = ("model", "k", "objective", "population_covered", "gain", "exact", "bound", "solve_s")


class Model(StrEnum):
    lscp = "lscp"
    mclp = "mclp"
    pmedian = "pmedian"


class Mode(StrEnum):
    walk = "walk"
    drive = "drive"
    ems = "ems"


def result_json(result: "OptimizeResult") -> dict[str, Any]:
    """The printed object: the model's answer, the chosen sites as lon, lat (WGS84) and type."""
    out: dict[str, Any] = {name: getattr(result, name) for name in JSON_FIELDS}
    out["chosen"] = [{"lon": s.lon, "lat": s.lat, "type": s.type} for s in result.chosen]
    return out


def optimize(
    ctx: typer.Context,
    *,
    city: Annotated[str, typer.Option("--city", help="adcode of the city, e.g. 431100")],
    model: Annotated[Model, typer.Option("--model", help="lscp, mclp or pmedian")],
    rule: Annotated[
        str | None,
        typer.Option("--rule", help="a spatial rule of the plan, e.g. yongzhou.ems_station_radius"),
    ] = None,
    minutes: Annotated[
        float | None, typer.Option("--minutes", help="travel-time threshold, minutes")
    ] = None,
    radius_km: Annotated[
        float | None, typer.Option("--radius-km", help="straight-line radius, kilometres")
    ] = None,
    k: Annotated[int | None, typer.Option("--k", help="sites to open (mclp, pmedian)")] = None,
    mode: Annotated[
        Mode | None, typer.Option("--mode", help="with --minutes: walk, drive or ems")
    ] = None,
    facility_type: Annotated[
        str | None, typer.Option("--facility-type", help="type of the new sites")
    ] = None,
    candidates: Annotated[
        str, typer.Option("--candidates", help='"gaps" or "upgrade:<type>[,<type>…]"')
    ] = "gaps",
    spacing_m: Annotated[
        float, typer.Option("--spacing-m", help="gap candidates: one per square of this side")
    ] = 1000.0,
    time_limit_s: Annotated[
        float, typer.Option("--time-limit", help="solver time limit, seconds")
    ] = 60.0,
    json_out: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Choose sites for a norm in CITY with a location model; print them and what they gain."""
    from pydantic import ValidationError

    from app.cli._session import open_session
    from app.errors import AppError
    from app.schemas.optimize import OptimizeRequest
    from app.services import norms as norms_service
    from app.services import optimize as service
    from app.settings import get_settings

    try:
        request = OptimizeRequest(
            city=city,
            model=model.value,
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
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            console.print(f"[red]error:[/red] {field}: {error['msg']}")
        raise typer.Exit(2) from exc
    try:
        if isinstance(ctx.obj, CheckEnvironment):
            settings = ctx.obj.settings
            catalogues = ctx.obj.norms or norms_service.load_norms(settings)
            result = service.optimize_sites(ctx.obj.session, settings, request, norms=catalogues)
        else:
            settings = get_settings()
            with open_session() as session:
                catalogues = norms_service.load_norms(settings)
                result = service.optimize_sites(session, settings, request, norms=catalogues)
    except AppError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2 if exc.status_code < 500 else 1) from exc

    if json_out:
        typer.echo(json.dumps(result_json(result), ensure_ascii=False))
    else:
        _print_result(result)


def _print_result(result: "OptimizeResult") -> None:
    from rich.table import Table

    table = Table(title=f"{result.model} sites for {result.norm} ({result.city})")
    for column in ("lon", "lat", "type", "name", "residents"):
        table.add_column(
            column, justify="right" if column in ("lon", "lat", "residents") else "left"
        )
    for site in result.chosen:
        table.add_row(
            f"{site.lon:.5f}", f"{site.lat:.5f}", site.type, site.name, f"{site.residents:,.0f}"
        )
    console.print(table)
    exact = "optimal" if result.exact else f"not proven optimal (bound {result.bound})"
    console.print(
        f"{len(result.chosen)} sites of {result.candidates} candidates; residents covered "
        f"{result.population_baseline:,.0f} → {result.population_covered:,.0f} of "
        f"{result.population_total:,.0f}; objective {result.objective:,.0f}, {exact}, "
        f"{result.solver} in {result.solve_s:.2f} s"
    )
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    if result.synthetic:
        console.print("[yellow]synthetic network or facilities: the figures are not real[/yellow]")


def register(app: typer.Typer) -> None:
    app.command("optimize")(optimize)
