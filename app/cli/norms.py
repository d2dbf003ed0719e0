"""``fplan norms``: the catalogue schema, checking a planner's own catalogue, verifying quotes."""

import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from app.cli._console import console

norms_app = typer.Typer(
    help="规划指标目录 / Norm catalogues: schema, validate, verify.", no_args_is_help=True
)


@norms_app.command("schema")
def schema() -> None:
    """输出目录的 JSON Schema / Print the JSON Schema of a norm catalogue (YAML or JSON)."""
    from geo.norms import Catalogue

    document = Catalogue.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "fplan norm catalogue / 规划指标目录"
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _problems(exc: Exception) -> None:
    from geo.errors import CatalogueError

    if isinstance(exc, CatalogueError):
        console.print(f"[red]无效 / invalid:[/red] {exc.path.name}")
        for problem in exc.problems:
            where = f"规则 rule {problem.rule_id}" if problem.rule_id else "目录 catalogue"
            console.print(f"  {where}: {problem.message}", markup=False)
    else:
        console.print("[red]无效 / invalid:[/red]", end=" ")
        console.print(str(exc), markup=False)


def _document_name(file: Path) -> str:
    """The plan text file name a catalogue's citations name (its ``document`` field)."""
    import yaml

    header = yaml.safe_load(file.read_text(encoding="utf-8"))
    document = header.get("document") if isinstance(header, dict) else None
    if not isinstance(document, str) or "/" in document or "\\" in document:
        msg = "目录缺少 document 字段 / the catalogue has no valid 'document' (plan file name)"
        raise ValueError(msg)
    return document


@norms_app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="目录文件 / the catalogue (YAML)")],
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan", help="规划原文（UTF-8 文本），用于核对引文 / the plan text to check quotes"
        ),
    ] = None,
) -> None:
    """检查一个目录 / Check one catalogue: every field, and the quotes when --plan is given.

    Errors name the rule and the field; the exit code is 2 when the catalogue is invalid.
    """
    from geo.errors import CatalogueError
    from geo.norms import load_catalogue

    if not file.is_file():
        msg = f"没有这个文件 / no such file: {file}"
        raise typer.BadParameter(msg)
    try:
        if plan is None:
            catalogue = load_catalogue(file, seeds_dir=None)
        else:
            # the citations name the plan by its file name: check them against a copy so named
            document = _document_name(file)
            with tempfile.TemporaryDirectory() as folder:
                shutil.copyfile(plan, Path(folder) / document)
                catalogue = load_catalogue(file, seeds_dir=Path(folder))
    except (CatalogueError, OSError, ValueError) as exc:
        _problems(exc)
        raise typer.Exit(2) from exc
    quotes = (
        "引文已与原文核对 / quotes checked against the plan text"
        if plan is not None
        else "引文未经核对（用 --plan 核对）/ quotes unverified (check them with --plan)"
    )
    console.print(
        f"[green]有效 / valid:[/green] {catalogue.city_name_zh} {catalogue.city_adcode}, "
        f"{len(catalogue.rules)} 条规则 rules; {quotes}"
    )


@norms_app.command("verify")
def verify(
    plans: Annotated[
        Path | None,
        typer.Option("--plans", help="规划文本目录（含 seeds/） / the plans folder holding seeds/"),
    ] = None,
) -> None:
    """核对所有目录的引文 / Check every catalogue's quotes against the plan texts.

    The plans folder defaults to APP_PLANS_DIR; the catalogues are the shipped ones and those of
    APP_NORMS_DIR (checked against a plan text beside them).
    """
    from app.services import norms
    from app.services.catalogue_keys import seeds_dir_of
    from app.settings import get_settings
    from geo.errors import CatalogueError

    settings = get_settings()
    if plans is not None:
        settings = settings.model_copy(update={"plans_dir": plans})
    if seeds_dir_of(settings) is None:
        console.print("[red]没有规划文本 / no plan texts:[/red] --plans DIR (DIR/seeds/*.txt)")
        raise typer.Exit(2)
    try:
        loaded = norms.load_norms(settings)
    except CatalogueError as exc:
        console.print("[red]引文有误 / quotes do not match:[/red]", end=" ")
        console.print(str(exc), markup=False)
        raise typer.Exit(2) from exc
    for catalogue in loaded.catalogues:
        state = (
            "[green]已核对 verified[/green]"
            if loaded.quotes_verified(catalogue.city_adcode)
            else "[yellow]未核对 unverified[/yellow]"
        )
        quotes = sum(len(rule.citations) for rule in catalogue.rules)
        console.print(
            f"{catalogue.city_adcode} {catalogue.city_name_zh}: {quotes} 条引文 quotes {state}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(norms_app, name="norms")
