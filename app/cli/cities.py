"""``fplan cities`` and ``fplan norms list``: which cities have a plan, and what it requires.

``cities`` lists every plan's city with whether it is prepared (network, residents and
facilities in the database) and, when it is not, the command that prepares it. ``norms list
--city`` lists a plan's norms: title, kind, headline target with its unit, whether the register
can evaluate it, and the plan's lines. Both print in the reader's language (``--lang`` or
``FPLAN_LANG``, Chinese by default).
"""

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from app.cli._help import both
from app.cli.check import cli_lang
from app.cli.norms import norms_app
from geo import messages

LangOption = Annotated[str | None, typer.Option("--lang", help=both("cli.opt.lang"))]


def cities(lang: LangOption = None) -> None:
    """有规划的城市及准备情况 / List the cities with a plan, and whether each is prepared."""
    from app.db.plain import read_only
    from app.services import listings, norms
    from app.settings import get_settings

    reader = cli_lang(lang)
    t = messages.text
    out = Console(highlight=False)
    catalogues = sorted(norms.load_norms(get_settings()).catalogues, key=lambda c: c.city_adcode)
    # a plain read (no ORM, no numpy): the same answer as inputs.require_prepared, at once
    with read_only() as conn:
        prepared = listings.prepared_cities(conn, [c.city_adcode for c in catalogues])
    out.print(f"[bold]{t('cities.title', reader)}[/bold]")
    for catalogue in catalogues:
        if catalogue.city_adcode in prepared:
            state = f"[green]{t('cities.prepared', reader)}[/green]"
        else:
            state = (
                f"[yellow]{t('cities.not_prepared', reader, adcode=catalogue.city_adcode)}[/yellow]"
            )
        name = catalogue.city_name_zh if reader == "zh" else catalogue.city_name_en
        title = catalogue.plan_title_zh if reader == "zh" else catalogue.plan_title_en
        number = f" {catalogue.document_number}" if catalogue.document_number else ""
        out.print(
            f"{catalogue.city_adcode} {escape(name)} · "
            f"{t('cities.norms', reader, n=len(catalogue.rules))} · {state}",
            soft_wrap=True,
        )
        out.print(f"    《{escape(title)}》{escape(number)}", soft_wrap=True)


@norms_app.command("list", help=both("cli.norms.list"))
def list_norms(
    city: Annotated[str, typer.Option("--city", help=both("cli.opt.city"))],
    lang: LangOption = None,
) -> None:
    """列出规划指标 / List the norms of CITY's plan: title, kind, target, evaluated or gap."""
    from app.services import norms
    from app.settings import get_settings

    reader = cli_lang(lang)
    t = messages.text
    catalogue = norms.get_catalogue(norms.load_norms(get_settings()), city)
    out = Console(highlight=False)
    name = catalogue.city_name_zh if reader == "zh" else catalogue.city_name_en
    out.print(f"[bold]{escape(t('norms.title', reader, city=name, n=len(catalogue.rules)))}[/bold]")
    for rule in catalogue.rules:
        title = rule.title_zh if reader == "zh" else rule.title_en
        target = rule.target
        figure = (
            messages.number(target.value)
            if target.value is not None
            else "–".join(messages.number(v) for v in (target.min, target.max) if v is not None)
        )
        unit = messages.label("target_unit", target.unit.value, reader)
        state = (
            f"[yellow]{t('norms.data_gap', reader)}[/yellow]"
            if rule.data_gap
            else f"[green]{t('norms.evaluated', reader)}[/green]"
        )
        out.print(
            f"{escape(rule.id)} · {escape(title)}\n"
            f"    {messages.label('kind', rule.kind.value, reader)} · "
            f"{t('col.target', reader)} {figure} {escape(unit)} · {state} · "
            f"{messages.plan_lines(rule.citation.lines_label, reader)}",
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    # ``norms list`` joins the ``norms`` group (app.cli.norms), registered there
    app.command("cities", help=both("cli.cities.help"))(cities)
