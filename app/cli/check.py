"""``fplan check``: every norm of a city's plan checked in every region, in the terminal.

The same run as ``GET /api/v1/compliance``: a stored run is reused while the catalogue, the
network, the facilities and the population cells are unchanged. ``--format table`` (default)
prints a rich table per region (the city first, then its districts and counties) to stderr, with
progress bars while a new run computes; ``json`` and ``csv`` print the compliance endpoint's
objects to stdout.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli._console import console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.schemas.compliance import ComplianceReport, ComplianceResult
    from app.services.norms import NormCatalogues
    from app.settings import Settings


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@dataclass(frozen=True)
class CheckEnvironment:
    """What the command runs against, when not the environment's database and settings.

    Pass one as ``obj`` to the command (``CliRunner().invoke(app, args, obj=...)``): the command
    then uses this session, settings and catalogues instead of opening its own.
    """

    session: "Session"
    settings: "Settings"
    norms: "NormCatalogues | None" = None


@contextmanager
def _environment(obj: object) -> Iterator[tuple["Session", "Settings"]]:
    if isinstance(obj, CheckEnvironment):
        yield obj.session, obj.settings
        return
    from app.cli._session import open_session
    from app.settings import get_settings

    with open_session() as session:
        yield session, get_settings()


def check(
    ctx: typer.Context,
    city: Annotated[
        str, typer.Option("--city", help="adcode of the city a plan governs, e.g. 431100")
    ],
    output_format: Annotated[
        Format, typer.Option("--format", help="table (terminal), json or csv (stdout)")
    ] = Format.table,
) -> None:
    """Check every norm of CITY's plan in the city and each of its county-level units."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from app.errors import AppError
    from app.services import compliance, norms, population_files, road_files

    if not re.fullmatch(r"[0-9]{6}", city):
        msg = f"--city must be a 6-digit adcode, got {city!r}"
        raise typer.BadParameter(msg)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=output_format != Format.table,
    )
    try:
        with _environment(ctx.obj) as (session, settings), progress:
            given = ctx.obj.norms if isinstance(ctx.obj, CheckEnvironment) else None
            catalogues = given or norms.load_norms(settings)
            task = progress.add_task(f"checking {city}", total=None)

            def show(step: str, done: int, total: int) -> None:
                progress.update(task, description=step, completed=done, total=total)

            report = compliance.run_compliance(
                session, settings, city, norms=catalogues, progress=show
            )
            real_roads = road_files.real_road_share(session, city)
            people_from = population_files.population_source(session, city)
    except AppError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2 if exc.status_code < 500 else 1) from exc

    if output_format == Format.json:
        typer.echo(report.model_dump_json())
    elif output_format == Format.csv:
        typer.echo(compliance.report_csv(report), nl=False)
    else:
        _print_report(report)
        if people_from is not None:
            console.print(f"population 人口: {people_from}")
        if real_roads is not None:
            share, source = real_roads
            console.print(
                f"residents on real roads 真实路网上的居民: {share:.1%} (network 路网: {source})"
            )
        if not catalogues.quotes_verified(city):
            console.print(
                "[yellow]引文未经核对：未提供规划原文（APP_PLANS_DIR）。[/yellow]\n"
                "[yellow]Quotes unverified: no plan texts at hand (APP_PLANS_DIR).[/yellow]"
            )


def _value(number: float | None, unit: str) -> str:
    if number is None:
        return "?"
    if unit.startswith("share"):
        return f"{number:.1%}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


# status in Chinese first, then English, coloured by what it asks of the reader
_STATUS = {
    "pass": "[green]通过\npass[/green]",
    "fail": "[red]未达标\nfail[/red]",
    "unknown": "[yellow]未知\nunknown[/yellow]",
    "info": "[cyan]参考\ninfo[/cyan]",
    "not_applicable": "[dim]不适用\nn/a[/dim]",
}
_BINDING = {"binding": "约束性", "expected": "预期性"}


def _label(r: "ComplianceResult") -> str:
    """约束性 / 预期性 and the target year, e.g. "预期性 2025"."""
    parts = [_BINDING[r.binding]] if r.binding else []
    if r.year is not None:
        parts.append(str(r.year))
    return " ".join(parts)


def _baseline(r: "ComplianceResult") -> str:
    if r.baseline is None:
        return ""
    return f"{_value(r.baseline.value, r.unit)} ({r.baseline.year})"


def _rule_cell(r: "ComplianceResult") -> str:
    """The rule's Chinese title and id, then what the figure rests on: label, baseline, unit."""
    basis = [part for part in (_label(r), _baseline(r)) if part]
    if r.baseline is not None:
        basis[-1] = f"基线 baseline {basis[-1]}"
    basis.append(r.unit)
    return f"{r.title_zh} ({r.rule_id.split('.', 1)[-1]})\n[dim]{' · '.join(basis)}[/dim]"


def _print_report(report: "ComplianceReport") -> None:
    from rich.table import Table

    by_region: dict[str, list[ComplianceResult]] = {}
    names: dict[str, str] = {}
    for result in report.results:
        by_region.setdefault(result.region_adcode, []).append(result)
        names[result.region_adcode] = result.region_name
    # the city first, then its units by adcode
    order = sorted(by_region, key=lambda code: (code != report.city, code))
    reused = ", reused" if report.reused else ""
    plan = report.plan
    number = f" {plan.document_number}" if plan.document_number else ""
    console.print(
        f"[bold]{report.city_name} ({report.city}): plan norms 规划指标, "
        f"run {report.run_id}{reused}[/bold]\n"
        f"《{plan.plan_title_zh}》{number} ({plan.plan_title_en}); "
        f"plan text 规划文本: {plan.document}"
    )
    # one table per region, so a region's name never wraps
    for code in order:
        table = Table(title=f"{names[code]} {code}")
        # Chinese has no spaces to wrap at: long cells fold instead of being cut short
        table.add_column("rule\n指标", ratio=2, overflow="fold")
        table.add_column("measured\n现状", justify="right", no_wrap=True)
        table.add_column("target\n目标", justify="right", no_wrap=True)
        table.add_column("status\n结论", no_wrap=True)
        table.add_column("shortfall\n差距", ratio=3, overflow="fold")
        table.add_column("lines\n行", no_wrap=True)
        for r in by_region[code]:
            text = (
                r.shortfall_text
                if r.shortfall_text_zh is None
                else (f"{r.shortfall_text_zh}\n{r.shortfall_text}")
            )
            table.add_row(
                _rule_cell(r),
                _value(r.value, r.unit),
                _value(r.target, r.unit),
                _STATUS[r.status],
                text,
                r.citation.lines,
            )
        console.print(table)
    counts = report.counts
    console.print(
        f"{len(report.results)} results 条结果: {counts.get('pass', 0)} pass 通过, "
        f"{counts.get('fail', 0)} fail 未达标, {counts.get('unknown', 0)} unknown 未知, "
        f"{counts.get('info', 0)} info 参考, "
        f"{counts.get('not_applicable', 0)} not applicable 不适用"
    )
    if report.data_gaps:
        console.print(
            f"data gaps 数据缺口 ({len(report.data_gaps)} norms the register cannot evaluate "
            "登记数据无法评估的指标):"
        )
        for gap in report.data_gaps:
            console.print(
                f"  {gap.title_zh} ({gap.rule_id.split('.', 1)[-1]}, {gap.citation.lines}): "
                f"needs 需要 {', '.join(gap.needs)} — {gap.data_gap}"
            )
    if report.synthetic:
        console.print(
            "[yellow]synthetic network or facilities: the figures are not real "
            "路网或机构为模拟数据，数值非真实[/yellow]"
        )


def register(app: typer.Typer) -> None:
    app.command("check")(check)
