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
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            # the validator's own words are English: a Chinese reader gets the field named
            said = (
                error["msg"]
                if reader == "en"
                else messages.text("error.invalid_fields", reader, fields=field)
            )
            console.print(f"[red]error:[/red] {field}: {said}")
        raise typer.Exit(2) from exc
    stages = Stages(enabled=progress_enabled(json_mode=json_out))
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
        console.print(f"[red]error:[/red] {exc.localized(reader)}", soft_wrap=True)
        raise typer.Exit(2 if exc.status_code < 500 else 1) from exc
    except GeoError as exc:
        # a location model's refusal, worded from the catalogue in the reader's language
        console.print(f"[red]error:[/red] {exc.localized(reader)}", soft_wrap=True)
        raise typer.Exit(1 if isinstance(exc, LocationSolverError) else 2) from exc

    if json_out:
        typer.echo(json.dumps(result_json(result), ensure_ascii=False))
    else:
        _print_result(result)


_COLUMNS = (
    ("rank", "排名"),
    ("lon", "经度"),
    ("lat", "纬度"),
    ("county", "县区"),
    ("nearest road", "最近道路"),
    ("type", "类型"),
    ("name", "名称"),
    ("adds", "新增"),
)


def _print_result(result: "OptimizeResult") -> None:
    from rich.table import Table

    from app.services.optimize_answer import road_zh

    table = Table(title=f"{result.model} 选址 sites — {result.norm} ({result.city})")
    for en, zh in _COLUMNS:
        table.add_column(
            f"{zh} {en}", justify="right" if en in ("rank", "lon", "lat", "adds") else "left"
        )
    for site in result.chosen:
        road = (
            "—"
            if site.road is None
            else f"{road_zh(site.road)} {site.road} {site.road_m or 0:,.0f} m"
        )
        table.add_row(
            str(site.rank),
            f"{site.lon:.5f}",
            f"{site.lat:.5f}",
            f"{site.county_name or ''} {site.county_adcode or ''}".strip(),
            road,
            site.type,
            site.name,
            f"{site.marginal:,.0f}",
        )
    console.print(table)
    if result.ems is not None:
        _print_ems(result)
    console.print(result.summary_zh)
    console.print(result.summary_en)
    console.print(f"{result.gap_zh} {result.gap_en}")
    console.print(
        f"候选点 candidates {result.candidates:,}; 目标值 objective {result.objective:,.0f}; "
        f"界 bound {result.bound if result.bound is None else f'{result.bound:,.0f}'} "
        f"({result.bound_source}); {result.solver}; 候选 {result.candidates_s:.2f} s, "
        f"矩阵 matrix {result.matrix_s:.2f} s, 求解 solve {result.solve_s:.2f} s"
    )
    for note, note_zh in zip(result.notes, result.notes_zh, strict=False):
        console.print(f"[yellow]注 note:[/yellow] {note_zh} / {note}")
    if result.synthetic:
        console.print("[yellow]synthetic network or facilities: the figures are not real[/yellow]")


def _print_ems(result: "OptimizeResult") -> None:
    from rich.table import Table

    assert result.ems is not None
    table = Table(title="各县区急救站与车辆 stations and fleet per county-level unit")
    heads = (
        "县区 unit",
        "站 stations",
        "车 fleet",
        "要求 required",
        "覆盖 covered",
        "期望覆盖 expected",
    )
    for head in heads:
        table.add_column(head, justify="left" if head.startswith("县区") else "right")
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
