"""``fplan facilities import``: a bureau's register (Excel or CSV) into the database."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app.cli._console import Stages, console, progress_enabled
from app.cli._help import both, reader_lang, say
from app.cli._session import open_session
from geo import messages

facilities_app = typer.Typer(
    help=both("cli.facilities.help"), no_args_is_help=True, rich_markup_mode=None
)


class Datum(StrEnum):
    wgs84 = "wgs84"
    gcj02 = "gcj02"
    bd09 = "bd09"


@facilities_app.command("import", help=both("cli.facilities.import"))
def import_file(
    file: Annotated[Path, typer.Argument(help=both("cli.facilities.file"))],
    crs: Annotated[
        Datum,
        typer.Option("--crs", help=both("cli.facilities.crs")),
    ],
    city: Annotated[
        str | None,
        typer.Option("--city", help=both("cli.facilities.city")),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option("--columns", help=both("cli.facilities.columns")),
    ] = None,
) -> None:
    """Import a register: every row checked, all of it or nothing.

    Headers and type, grade and ownership values may be Chinese or English (名称, 类型, 经度, 纬度,
    床位数 …; 村卫生室 or village_clinic …, see app/services/register_terms.py). UTF-8 (with or
    without BOM) and GBK CSV are read. The synthetic facilities of the imported types in the
    register's cities are replaced.
    """
    from app.cli._errors import detail_lines
    from app.errors import AppError
    from app.services import register

    if not file.is_file():
        msg = say("cli.no_such_file", file=file)
        raise typer.BadParameter(msg)
    lang = reader_lang()
    stages = Stages(lang, enabled=progress_enabled())
    try:
        with open_session() as session:
            with stages:
                done = register.import_register(
                    session,
                    file,
                    crs=crs.value,
                    city_adcode=city,
                    columns=register.parse_column_map(columns),
                    progress=lambda step: stages.stage(step, name=file.name),
                )
            session.commit()
    except AppError as exc:
        console.print(say("cli.nothing_imported"), style="red", end=" ")
        console.print(exc.localized(lang), markup=False)
        for line in detail_lines(exc, lang):
            console.print(line, soft_wrap=True, highlight=False, markup=False)
        raise typer.Exit(2) from exc

    result = done.result
    said = say("cli.facilities.imported", n=result.imported, source=result.source, crs=result.crs)
    console.print(said, markup=False)
    types = "、".join(messages.label("facility_type", t, lang) for t in done.types)
    console.print(say("cli.facilities.types", types=types, cities="、".join(done.cities)))
    if done.replaced:
        replaced = "、".join(
            f"{messages.label('facility_type', t, lang)} {n}" for t, n in done.replaced.items()
        )
        total = sum(done.replaced.values())
        console.print(say("cli.facilities.replaced", replaced=replaced, total=total))
    else:
        console.print(say("cli.facilities.none_replaced"))


def register(app: typer.Typer) -> None:
    app.add_typer(facilities_app, name="facilities")
