"""``fplan bench``: our coverage engine against networkx, and the network build, on fixed cases."""

import json
import math
from typing import Annotated, Any

import typer

from app.cli._console import console
from app.cli._help import both, reader_lang, say


def _json_safe(value: Any) -> Any:
    # JSON has no infinity: an infinite difference (a reachability mismatch) is written as null
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def bench(
    *,
    json_out: Annotated[bool, typer.Option("--json", help=both("cli.bench.json"))] = False,
    case: Annotated[
        list[str] | None,
        typer.Option("--case", help=both("cli.bench.case")),
    ] = None,
    quick: Annotated[bool, typer.Option("--quick", help=both("cli.bench.quick"))] = False,
    list_cases: Annotated[bool, typer.Option("--list", help=both("cli.bench.list"))] = False,
    e2e: Annotated[
        bool,
        typer.Option(
            "--e2e",
            help=both("cli.bench.e2e"),
        ),
    ] = False,
    repeats: Annotated[int, typer.Option(min=1, help=both("cli.bench.repeats"))] = 3,
    in_process: Annotated[
        bool,
        typer.Option(
            "--in-process",
            help=both("cli.bench.in_process"),
        ),
    ] = False,
) -> None:
    """Time 15-minute drive coverage against networkx, network build time and peak memory."""
    from rich.table import Table

    import benchmarks as service
    from app.errors import AppError

    if list_cases:
        for known in service.CASES:
            heavy = " (heavy)" if known.heavy else " (e2e)" if known.e2e else ""
            heavy += " (opt-in: --case)" if known.opt_in else ""
            console.print(f"{known.name}{heavy}: {known.description}")
        return
    from app.settings import get_settings

    try:
        cases = service.select_cases(case or (), quick=quick, e2e=e2e)
        options = service.BenchOptions(data_dir=get_settings().require_data_dir(), repeats=repeats)
    except AppError as exc:
        console.print(exc.localized(reader_lang()), style="red", markup=False)
        raise typer.Exit(code=2) from exc

    records = service.run_cases(
        cases,
        options,
        isolate=not in_process,
        on_start=lambda c: console.print(say("cli.bench.running", case=c.name)),
    )
    if json_out:
        safe = [{k: _json_safe(v) for k, v in r.items()} for r in records]
        typer.echo(json.dumps(safe, indent=2, allow_nan=False))
        return

    table = Table(title="fplan bench: 15-minute drive coverage, ours vs networkx, scipy and C")
    columns = (*service.RECORD_FIELDS, "vs_scipy", "vs_floor", "reachable_mismatch", "seconds")
    for column in columns:
        table.add_column(column, justify="left" if column == "case" else "right")
    for record in records:
        table.add_row(*(_format(record.get(c)) for c in columns))
    console.print(table)


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def register(app: typer.Typer) -> None:
    app.command("bench", help=both("cli.bench.help"))(bench)
