"""``fplan facilities import``: a bureau's register (Excel or CSV) into the database."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app.cli._console import Stages, console, progress_enabled
from app.cli._session import open_session

facilities_app = typer.Typer(
    help="机构名录 / Facility registers: import Excel or CSV.", no_args_is_help=True
)


class Datum(StrEnum):
    wgs84 = "wgs84"
    gcj02 = "gcj02"
    bd09 = "bd09"


@facilities_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="名录 / the register, .xlsx or .csv")],
    crs: Annotated[
        Datum,
        typer.Option("--crs", help="坐标系 / datum: wgs84, gcj02 (高德 Amap), bd09 (百度 Baidu)"),
    ],
    city: Annotated[
        str | None,
        typer.Option("--city", help="城市代码 / every facility must lie in this city, e.g. 430100"),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="列名对照 / the file's own headers: 'HEADER=column,…', e.g. '医院名称=name'",
        ),
    ] = None,
) -> None:
    """导入名录，全部或全不 / Import a register: every row checked, all of it or nothing.

    Headers and type, grade and ownership values may be Chinese or English (名称, 类型, 经度, 纬度,
    床位数 …; 村卫生室 or village_clinic …, see app/services/register_terms.py). UTF-8 (with or
    without BOM) and GBK CSV are read. The synthetic facilities of the imported types in the
    register's cities are replaced.
    """
    from app.errors import AppError
    from app.services import register

    if not file.is_file():
        msg = f"没有这个文件 / no such file: {file}"
        raise typer.BadParameter(msg)
    stages = Stages(enabled=progress_enabled())
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
        console.print("[red]未导入 / nothing imported:[/red]", end=" ")
        console.print(exc.message, markup=False)
        for detail in exc.details:
            where = ", ".join(f"{k} {detail[k]}" for k in ("row", "line") if k in detail)
            console.print(f"  {where}: {detail.get('field', '')}: {detail.get('msg', '')}")
        raise typer.Exit(2) from exc

    result = done.result
    console.print(
        f"已导入 {result.imported} 个机构 / imported {result.imported} facilities "
        f"from {result.source} ({result.crs} → WGS84)"
    )
    console.print(f"类型 / types: {', '.join(done.types)}; 城市 / cities: {', '.join(done.cities)}")
    if done.replaced:
        replaced = ", ".join(f"{t} {n}" for t, n in done.replaced.items())
        console.print(
            f"已替换模拟机构 / replaced synthetic facilities: {replaced} "
            f"(总计 total {sum(done.replaced.values())})"
        )
    else:
        console.print("无模拟机构被替换 / no synthetic facility replaced")


def register(app: typer.Typer) -> None:
    app.add_typer(facilities_app, name="facilities")
