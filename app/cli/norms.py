"""``fplan norms``: the catalogue schema, checking a planner's own catalogue, verifying quotes."""

import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli._console import console
from app.cli._help import both, say
from geo import messages

if TYPE_CHECKING:
    from geo.errors import CatalogueError
    from geo.messages import Lang

LangOption = Annotated[str | None, typer.Option("--lang", help=both("cli.opt.lang"))]

norms_app = typer.Typer(help=both("cli.norms.help"), no_args_is_help=True, rich_markup_mode=None)


@norms_app.command("schema", help=both("cli.norms.schema"))
def schema() -> None:
    """Print the JSON Schema of a norm catalogue (YAML or JSON)."""
    from geo.norms import Catalogue

    document = Catalogue.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = say("cli.norms.schema_title")
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _problems(exc: "CatalogueError", *, headline: str, lang: "Lang") -> None:
    """Print a catalogue's defects, one a line: where (rule, field), what, the value given."""
    said = messages.text(headline, lang, name=exc.path.name, count=len(exc.problems))
    console.print(said, style="red", markup=False, highlight=False)
    for problem in exc.problems:
        console.print(f"  {problem.line(lang)}", markup=False, highlight=False, soft_wrap=True)


def _document_name(file: Path) -> str | None:
    """The plan text file name a catalogue's citations name (its ``document`` field), or None
    when the file gives none usable (the catalogue's own check then says what is wrong)."""
    import yaml

    try:
        header = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return None
    document = header.get("document") if isinstance(header, dict) else None
    if not isinstance(document, str) or not document or "/" in document or "\\" in document:
        return None
    return document


@norms_app.command("validate", help=both("cli.norms.validate"))
def validate(
    file: Annotated[Path, typer.Argument(help=both("cli.norms.file"))],
    plan: Annotated[
        Path | None,
        typer.Option("--plan", help=both("cli.norms.plan")),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=both("cli.norms.json"))] = False,
    lang: LangOption = None,
) -> None:
    """Check one catalogue: every field, and the quotes when --plan is given.

    Each defect is printed with its rule, its field and the value given, in the reader's
    language; the exit code is 2 when the catalogue is invalid.
    """
    from app.cli.check import cli_lang
    from geo.errors import CatalogueError
    from geo.norms import load_catalogue

    reader = cli_lang(lang)
    for given in (file, plan):
        if given is not None and not given.is_file():
            msg = messages.text("cli.no_such_file", reader, file=given)
            raise typer.BadParameter(msg)
    try:
        document = None if plan is None else _document_name(file)
        if plan is None or document is None:
            catalogue = load_catalogue(file, seeds_dir=None)
        else:
            # the citations name the plan by its file name: check them against a copy so named
            with tempfile.TemporaryDirectory() as folder:
                shutil.copyfile(plan, Path(folder) / document)
                catalogue = load_catalogue(file, seeds_dir=Path(folder))
    except CatalogueError as exc:
        if as_json:
            problems = [problem.as_dict(reader) for problem in exc.problems]
            answer = {"file": exc.path.name, "valid": False, "problems": problems}
            typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        else:
            _problems(exc, headline="cli.norms.problems", lang=reader)
        raise typer.Exit(2) from exc
    if as_json:
        answer = {
            "file": file.name,
            "valid": True,
            "city_adcode": catalogue.city_adcode,
            "rules": len(catalogue.rules),
            "quotes_checked": plan is not None,
        }
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    quotes_key = "cli.norms.quotes_checked" if plan is not None else "cli.norms.quotes_unchecked"
    said = messages.text(
        "cli.norms.valid",
        reader,
        city=f"{catalogue.city_name_zh} {catalogue.city_adcode}",
        rules=len(catalogue.rules),
        quotes=messages.text(quotes_key, reader),
    )
    console.print(said, style="green", markup=False)


@norms_app.command("verify", help=both("cli.norms.verify"))
def verify(
    plans: Annotated[
        Path | None,
        typer.Option("--plans", help=both("cli.norms.plans")),
    ] = None,
    lang: LangOption = None,
) -> None:
    """Check every catalogue's quotes against the plan texts.

    The plans folder defaults to APP_PLANS_DIR; the catalogues are the shipped ones and those of
    APP_NORMS_DIR (checked against a plan text beside them).
    """
    from app.cli.check import cli_lang
    from app.services import norms
    from app.services.catalogue_keys import seeds_dir_of
    from app.settings import get_settings
    from geo.errors import CatalogueError

    reader = cli_lang(lang)
    settings = get_settings()
    if plans is not None:
        settings = settings.model_copy(update={"plans_dir": plans})
    if seeds_dir_of(settings) is None:
        console.print(messages.text("cli.norms.no_plans", reader), style="red", markup=False)
        raise typer.Exit(2)
    try:
        loaded = norms.load_norms(settings)
    except CatalogueError as exc:
        _problems(exc, headline="cli.norms.quotes_wrong", lang=reader)
        raise typer.Exit(2) from exc
    for catalogue in loaded.catalogues:
        verified = loaded.quotes_verified(catalogue.city_adcode)
        state_key = "cli.norms.verified" if verified else "cli.norms.unverified"
        quotes = sum(len(rule.citations) for rule in catalogue.rules)
        said = messages.text(
            "cli.norms.city_quotes",
            reader,
            city=f"{catalogue.city_adcode} {catalogue.city_name_zh}",
            quotes=quotes,
            state=messages.text(state_key, reader),
        )
        console.print(said, style="green" if verified else "yellow", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(norms_app, name="norms")
