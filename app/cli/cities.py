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
    from app import environment
    from app.db.plain import read_only
    from app.services import listings

    reader = cli_lang(lang)
    t = messages.text
    out = Console(highlight=False)
    # the catalogues as kept by their last load (no YAML, no pydantic) unless they changed
    catalogues = sorted(
        listings.listed_catalogues(environment.folders()), key=lambda c: c["city_adcode"]
    )
    # a plain read (no ORM, no numpy): the same answer as inputs.require_prepared, at once
    with read_only() as conn:
        prepared = listings.prepared_cities(conn, [c["city_adcode"] for c in catalogues])
    out.print(f"[bold]{t('cities.title', reader)}[/bold]")
    for catalogue in catalogues:
        adcode = catalogue["city_adcode"]
        if adcode in prepared:
            state = f"[green]{t('cities.prepared', reader)}[/green]"
        else:
            state = f"[yellow]{t('cities.not_prepared', reader, adcode=adcode)}[/yellow]"
        name = catalogue[f"city_name_{reader}"]
        title = catalogue[f"plan_title_{reader}"]
        number = f" {catalogue['document_number']}" if catalogue["document_number"] else ""
        out.print(
            f"{adcode} {escape(name)} · {t('cities.norms', reader, n=len(catalogue['rules']))} · "
            f"{state}",
            soft_wrap=True,
        )
        out.print(f"    《{escape(title)}》{escape(number)}", soft_wrap=True)


@norms_app.command("list", help=both("cli.norms.list"))
def list_norms(
    city: Annotated[str, typer.Option("--city", help=both("cli.opt.city"))],
    lang: LangOption = None,
) -> None:
    """列出规划指标 / List the norms of CITY's plan: title, kind, target, evaluated or gap."""
    from app import environment
    from app.services import listings

    reader = cli_lang(lang)
    t = messages.text
    listed = listings.listed_catalogues(environment.folders())
    catalogue = next((c for c in listed if c["city_adcode"] == city), None)
    if catalogue is None:
        # no plan for the city: the service's error, which names the cities that have one
        from app.services import norms
        from app.settings import get_settings

        loaded = norms.get_catalogue(norms.load_norms(get_settings()), city)
        catalogue = norms.listed_catalogue(loaded)
    out = Console(highlight=False)
    name = catalogue[f"city_name_{reader}"]
    rules = catalogue["rules"]
    out.print(f"[bold]{escape(t('norms.title', reader, city=name, n=len(rules)))}[/bold]")
    for rule in rules:
        title = rule[f"title_{reader}"]
        target = rule["target"]
        figure = (
            messages.number(target["value"])
            if target["value"] is not None
            else "–".join(
                messages.number(v) for v in (target["min"], target["max"]) if v is not None
            )
        )
        unit = messages.label("target_unit", target["unit"], reader)
        state = (
            f"[yellow]{t('norms.data_gap', reader)}[/yellow]"
            if rule["data_gap"]
            else f"[green]{t('norms.evaluated', reader)}[/green]"
        )
        out.print(
            f"{escape(rule['id'])} · {escape(title)}\n"
            f"    {messages.label('kind', rule['kind'], reader)} · "
            f"{t('col.target', reader)} {figure} {escape(unit)} · {state} · "
            f"{messages.plan_lines(rule['lines'], reader)}",
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    # ``norms list`` joins the ``norms`` group (app.cli.norms), registered there
    app.command("cities", help=both("cli.cities.help"))(cities)
