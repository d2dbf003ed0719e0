"""``fplan check``: every norm of a city's plan checked in every region, in the terminal.

The same run as ``GET /api/v1/compliance``: a stored run is reused while the catalogue, the
network, the facilities and the population cells are unchanged. ``--rule``, ``--region`` and
``--failing`` narrow the answer to the question asked. ``--format table`` (default) prints the
answer to stdout in the reader's language (``--lang``/``FPLAN_LANG``, Chinese by default): a
table per region in a wide terminal, a compact block per result when piped or narrow (see
:mod:`app.cli._check_output`); progress goes to stderr. ``json`` and ``csv`` print to stdout
(or ``--out``); ``xlsx``, ``geojson`` and ``gpkg`` write the export to ``--out``.
"""

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from app.cli._console import Stages, console, progress_enabled
from app.cli._help import both, reader_lang
from geo import messages
from geo.messages import Lang

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.schemas.compliance import ComplianceReport
    from app.services.norms import NormCatalogues
    from app.settings import Settings
    from geo.norms import Catalogue


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    geojson = "geojson"
    gpkg = "gpkg"


# formats that are files: written to --out
_FILES = (Format.xlsx, Format.geojson, Format.gpkg)


@dataclass(frozen=True)
class CheckEnvironment:
    """What the command runs against, when not the environment's database and settings.

    Pass one as ``obj`` to the command (``CliRunner().invoke(app, args, obj=...)``): the command
    then uses this session, settings and catalogues instead of opening its own.
    """

    session: "Session"
    settings: "Settings"
    norms: "NormCatalogues | None" = None


# the collector's thresholds while a check runs (generation 0 allocations, then 1 and 2
# collections): a cold check builds some 200,000 long-lived tracked objects (sqlalchemy, numba's
# type registry, the catalogue) and almost no cyclic garbage, so the default (700, 10, 10) walks
# them over and over (550 collections, ~0.2 s of a 2 s check); peak memory is the same either way
_GC_THRESHOLD = (10_000, 50, 1_000)


@contextmanager
def _few_collections(*, freeze: bool) -> Iterator[None]:
    """Collect garbage rarely while the command runs; the thresholds are restored after.

    ``freeze``: the process ends with the command, so what it built is frozen first (left out
    of later collections, as :func:`app.cli.main` does at the end), or the first collection at
    the old thresholds would walk it all once more (~70 ms).
    """
    before = gc.get_threshold()
    gc.set_threshold(*_GC_THRESHOLD)
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        gc.set_threshold(*before)


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
    *,
    city: Annotated[str, typer.Option("--city", help=both("cli.opt.plan_city"))],
    output_format: Annotated[
        Format,
        typer.Option(
            "--format",
            help=both("cli.check.format"),
        ),
    ] = Format.table,
    rules: Annotated[
        list[str] | None,
        typer.Option("--rule", help=both("cli.check.rule")),
    ] = None,
    regions: Annotated[
        list[str] | None,
        typer.Option("--region", help=both("cli.check.region")),
    ] = None,
    failing: Annotated[bool, typer.Option("--failing", help=both("cli.check.failing"))] = False,
    out: Annotated[Path | None, typer.Option("--out", help=both("cli.check.out"))] = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help=both("cli.opt.lang")),
    ] = None,
) -> None:
    """Check every norm of CITY's plan in the city and each of its units."""
    from app.errors import AppError

    reader = cli_lang(lang)
    if not re.fullmatch(r"[0-9]{6}", city):
        raise typer.BadParameter(messages.text("cli.bad_adcode", reader, value=city))
    if output_format in _FILES and out is None:
        raise typer.BadParameter(messages.text("check.out_needed", reader, format=output_format))
    to_file = output_format in _FILES or (output_format == Format.csv and out is not None)
    stages = Stages(reader, enabled=progress_enabled(json_mode=output_format != Format.table))
    # from the command line (not against a given session): the process ends with the command
    with _few_collections(freeze=not isinstance(ctx.obj, CheckEnvironment)):
        try:
            with _environment(ctx.obj) as (session, settings), stages:
                given = ctx.obj.norms if isinstance(ctx.obj, CheckEnvironment) else None
                # a repeated check of unchanged inputs: the stored report, nothing computed
                stored = None if given is not None or to_file else _stored(session, settings, city)
                if stored is not None:
                    report, verified = stored
                else:
                    from app.services.warm import start_search_warm_up

                    # the search's compiled code loads while the inputs are read
                    start_search_warm_up()
                    from app.services import compliance, norms

                    catalogues = given or norms.load_norms(settings)
                    stages.stage("evaluation", city=city)

                    def show(_step: str, done: int, total: int) -> None:
                        stages.update(done, total)

                    report = compliance.run_compliance(
                        session, settings, city, norms=catalogues, progress=show
                    )
                    verified = catalogues.quotes_verified(city)
                    # a file format, or CSV with --out: the export, written where --out says
                    if to_file:
                        _write_file(
                            session,
                            report,
                            norms.get_catalogue(catalogues, city),
                            output_format=output_format,
                            lang=reader,
                            out=out,
                        )
                        return
                # where the figures come from (the table's footer): the population source,
                # residents on real roads
                notes = (
                    _input_notes(session, report, verified, lang=reader)
                    if output_format == Format.table
                    else []
                )
        except AppError as exc:
            said = messages.text("cli.chrome.error", reader, message=exc.localized(reader))
            console.print(escape(said), style="red")
            raise typer.Exit(2 if exc.status_code < 500 else 1) from exc
        _answer(
            report, output_format, reader, rules or [], regions or [], failing=failing, notes=notes
        )


def _stored(
    session: "Session", settings: "Settings", city: str
) -> tuple["ComplianceReport", bool] | None:
    """The city's stored report, if it is the answer now, and whether its quotes were verified."""
    from app.services import stored_runs
    from app.services._tx import transaction

    with transaction(session):
        body = stored_runs.stored_report(session, settings, city)
    verified = stored_runs.quotes_verified(settings, city)
    if body is None or verified is None:
        return None
    from app.schemas.compliance import ComplianceReport

    report = ComplianceReport.model_validate_json(body)
    return report.model_copy(update={"reused": True}), verified


def _input_notes(
    session: "Session", report: "ComplianceReport", quotes_verified: bool, *, lang: Lang
) -> list[str]:
    """Rich-markup lines on the inputs, after the answer (from the report's data basis)."""
    basis = report.basis
    if basis is None:
        return _queried_notes(session, report.city, quotes_verified, lang=lang)
    notes = []
    if basis.population is not None:
        source = messages.text(f"population_kind.{basis.population.kind}", lang)
        if basis.population.file:
            source = f"{source} {basis.population.file}"
        notes.append(escape(messages.text("check.population", lang, source=source)))
    city_row = next((r for r in basis.regions if r.region_adcode == report.city), None)
    if city_row is not None and city_row.real_road_share is not None:
        network = (
            messages.text("source.synthetic", lang)
            if basis.network_synthetic
            else basis.network_source
        )
        text = messages.text(
            "check.real_roads", lang, share=f"{city_row.real_road_share:.1%}", source=network
        )
        notes.append(escape(text))
    return notes + _quote_notes(quotes_verified)


def _queried_notes(
    session: "Session", city: str, quotes_verified: bool, *, lang: Lang
) -> list[str]:
    """The same lines for a report without a data basis: read from the database."""
    from app.services import population_files, road_files

    people_from = population_files.population_source(session, city, lang)
    real_roads = road_files.real_road_share(session, city)
    notes = []
    if people_from is not None:
        notes.append(escape(messages.text("check.population", lang, source=people_from)))
    if real_roads is not None:
        share, source = real_roads
        text = messages.text("check.real_roads", lang, share=f"{share:.1%}", source=source)
        notes.append(escape(text))
    return notes + _quote_notes(quotes_verified)


def _quote_notes(quotes_verified: bool) -> list[str]:
    if quotes_verified:
        return []
    # both languages: the note travels with outputs handed on
    return [
        "\n".join(
            f"[yellow]{escape(messages.text('check.quotes_unverified', lang))}[/yellow]"
            for lang in messages.LANGS
        )
    ]


def cli_lang(value: str | None) -> Lang:
    """The reader's language: the command's ``--lang``, else one before the command
    (``fplan --lang en check``), else ``FPLAN_LANG``, else Chinese."""
    if not value:
        return reader_lang()
    given = value
    parsed = messages.parse_lang(given)
    if parsed is None:
        # the language asked for is unknown: say so in the default one, and in English
        msg = " / ".join(
            messages.text("cli.bad_lang", lang, value=given) for lang in messages.LANGS
        )
        raise typer.BadParameter(msg)
    return parsed


def _write_file(
    session: "Session",
    report: "ComplianceReport",
    catalogue: "Catalogue",
    *,
    output_format: Format,
    lang: Lang,
    out: Path | None,
) -> None:
    from app.services import exports

    assert out is not None
    fmt = next(f for f in exports.EXPORT_FORMATS if f == output_format.value)
    exported = exports.export_report(session, report, catalogue, fmt, lang)
    out.write_bytes(exported.body)
    console.print(messages.text("check.wrote", lang, path=str(out)))


def _answer(
    report: "ComplianceReport",
    output_format: Format,
    lang: Lang,
    rules: list[str],
    regions: list[str],
    *,
    failing: bool,
    notes: list[str],
) -> None:
    from rich.console import Console

    from app.cli import _check_output as output

    # the interpretations and data gaps in the reader's language, as the API gives them
    report = report.for_reader(lang)
    if output_format == Format.json and not (rules or regions or failing):
        typer.echo(report.model_dump_json())
        return
    try:
        results = output.select_results(
            report, rules=rules, regions=regions, failing=failing, lang=lang
        )
    except output.SelectionError as exc:
        console.print(escape(messages.text("cli.chrome.error", lang, message=exc)), style="red")
        raise typer.Exit(2) from exc
    if output_format == Format.json:
        typer.echo(report.model_copy(update={"results": results}).model_dump_json())
        return
    if output_format == Format.csv:
        from app.services import exports

        narrowed = report.model_copy(update={"results": results})
        typer.echo(exports.report_csv(narrowed, lang, bom=False).decode(), nl=False)
        return
    # the answer on stdout; a table only where a terminal is wide enough for it
    stdout = Console(highlight=False)
    output.print_heading(stdout, report, lang)
    if stdout.is_terminal and stdout.width >= output.TABLE_MIN_WIDTH:
        output.print_table(stdout, report, results, lang)
    else:
        output.print_compact(stdout, report, results, lang)
    output.print_footer(stdout, report, len(results), lang)
    for note in notes:
        stdout.print(note, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("check", help=both("cli.check.help"))(check)
