"""``fplan norms``: the catalogue schema, checking a planner's own catalogue, verifying quotes."""

import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from app.cli._console import console
from app.cli._help import both, say

norms_app = typer.Typer(help=both("cli.norms.help"), no_args_is_help=True, rich_markup_mode=None)


@norms_app.command("schema", help=both("cli.norms.schema"))
def schema() -> None:
    """Print the JSON Schema of a norm catalogue (YAML or JSON)."""
    from geo.norms import Catalogue

    document = Catalogue.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = say("cli.norms.schema_title")
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _problems(exc: Exception) -> None:
    from geo.errors import CatalogueError

    if isinstance(exc, CatalogueError):
        console.print(say("cli.norms.invalid"), style="red", end=" ")
        console.print(exc.path.name, markup=False)
        for problem in exc.problems:
            where = (
                say("cli.norms.where_rule", rule=problem.rule_id)
                if problem.rule_id
                else say("cli.norms.where_catalogue")
            )
            console.print(f"  {where}: {problem.message}", markup=False)
    else:
        console.print(say("cli.norms.invalid"), style="red", end=" ")
        console.print(str(exc), markup=False)


def _document_name(file: Path) -> str:
    """The plan text file name a catalogue's citations name (its ``document`` field)."""
    import yaml

    header = yaml.safe_load(file.read_text(encoding="utf-8"))
    document = header.get("document") if isinstance(header, dict) else None
    if not isinstance(document, str) or "/" in document or "\\" in document:
        msg = say("cli.norms.no_document")
        raise ValueError(msg)
    return document


@norms_app.command("validate", help=both("cli.norms.validate"))
def validate(
    file: Annotated[Path, typer.Argument(help=both("cli.norms.file"))],
    plan: Annotated[
        Path | None,
        typer.Option("--plan", help=both("cli.norms.plan")),
    ] = None,
) -> None:
    """Check one catalogue: every field, and the quotes when --plan is given.

    Errors name the rule and the field; the exit code is 2 when the catalogue is invalid.
    """
    from geo.errors import CatalogueError
    from geo.norms import load_catalogue

    if not file.is_file():
        msg = say("cli.no_such_file", file=file)
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
    quotes = say("cli.norms.quotes_checked" if plan is not None else "cli.norms.quotes_unchecked")
    said = say(
        "cli.norms.valid",
        city=f"{catalogue.city_name_zh} {catalogue.city_adcode}",
        rules=len(catalogue.rules),
        quotes=quotes,
    )
    console.print(said, style="green", markup=False)


@norms_app.command("verify", help=both("cli.norms.verify"))
def verify(
    plans: Annotated[
        Path | None,
        typer.Option("--plans", help=both("cli.norms.plans")),
    ] = None,
) -> None:
    """Check every catalogue's quotes against the plan texts.

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
        console.print(say("cli.norms.no_plans"), style="red", markup=False)
        raise typer.Exit(2)
    try:
        loaded = norms.load_norms(settings)
    except CatalogueError as exc:
        console.print(say("cli.norms.quotes_wrong"), style="red", end=" ")
        console.print(str(exc), markup=False)
        raise typer.Exit(2) from exc
    for catalogue in loaded.catalogues:
        verified = loaded.quotes_verified(catalogue.city_adcode)
        state = say("cli.norms.verified" if verified else "cli.norms.unverified")
        quotes = sum(len(rule.citations) for rule in catalogue.rules)
        said = say(
            "cli.norms.city_quotes",
            city=f"{catalogue.city_adcode} {catalogue.city_name_zh}",
            quotes=quotes,
            state=state,
        )
        console.print(said, style="green" if verified else "yellow", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(norms_app, name="norms")
