"""``fplan report``: the compliance report a bureau files, written as HTML or an A4 PDF.

``--scenario ID`` sets the scenario's figures beside the baseline's. The language follows
``--lang`` or ``FPLAN_LANG`` (Chinese by default).
"""

import re
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.markup import escape

from app.cli._console import Stages, console, progress_enabled
from app.cli._help import both
from app.cli.check import cli_lang
from geo import messages


def report(
    *,
    city: Annotated[str, typer.Option("--city", help=both("cli.opt.city"))],
    out: Annotated[Path, typer.Option("--out", help=both("cli.report.out"))],
    output_format: Annotated[str, typer.Option("--format", help=both("cli.report.format"))] = "pdf",
    scenario: Annotated[
        int | None, typer.Option("--scenario", help=both("cli.report.scenario"))
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=both("cli.opt.lang"))] = None,
) -> None:
    """Write CITY's compliance report (norms, maps, charts, provenance)."""
    from app.cli._session import open_session
    from app.errors import AppError
    from app.services import compliance, norms, scenario_runs
    from app.services import report as service
    from app.settings import get_settings

    reader = cli_lang(lang)
    if not re.fullmatch(r"[0-9]{6}", city):
        raise typer.BadParameter(messages.text("cli.bad_adcode", reader, value=city))
    if output_format not in ("html", "pdf"):
        msg = messages.text("cli.bad_report_format", reader, value=output_format)
        raise typer.BadParameter(msg)
    fmt: Literal["html", "pdf"] = "pdf" if output_format == "pdf" else "html"
    settings = get_settings()
    catalogues = norms.load_norms(settings)
    stages = Stages(reader, enabled=progress_enabled())

    def show(_step: str, done: int, total: int) -> None:
        stages.update(done, total)

    try:
        with open_session() as session, stages:
            catalogue = norms.get_catalogue(catalogues, city)
            stages.stage("evaluation", city=city)
            baseline = compliance.run_compliance(
                session, settings, city, norms=catalogues, progress=show
            )
            shown, before = baseline, None
            if scenario is not None:
                shown = scenario_runs.scenario_compliance(
                    session, settings, scenario, norms=catalogues, principal=None, city=city
                )
                before = baseline
            stages.stage("report", format=fmt.upper())
            body = service.render_report(session, shown, catalogue, fmt, reader, baseline=before)
    except AppError as exc:
        console.print(
            f"[red]{messages.text('error', reader)}:[/red] {escape(exc.localized(reader))}"
        )
        raise typer.Exit(2 if exc.status_code < 500 else 1) from exc
    out.write_bytes(body)
    console.print(messages.text("check.wrote", reader, path=str(out)))


def register(app: typer.Typer) -> None:
    app.command("report", help=both("cli.report.help"))(report)
