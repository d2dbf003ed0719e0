"""``fplan scenario``: the planner scripts of ``scenarios/`` — list them, run one by name.

``fplan scenario run NAME`` runs ``scenarios/NAME.py`` in this process with its progress on
stderr (none with ``--json``), its report in the reader's language (``--lang``, else
``FPLAN_LANG``, else Chinese), and prints the path of what it wrote. Options after the name that
``run`` does not know (``--max-centres 5``, ``--points 10`` …) go to the script as they are.
"""

import importlib
import io
import json
import time
from contextlib import redirect_stdout
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from app.cli._help import both
from app.cli.check import cli_lang
from geo import messages

# the scripts of scenarios/, each with main(argv) -> int
SCRIPTS = ("changsha_chc", "hengyang_hospital", "jishou_villages", "yongzhou_ems")

scenario_app = typer.Typer(
    help=both("cli.scenario.help"), no_args_is_help=True, rich_markup_mode=None
)

LangOption = Annotated[str | None, typer.Option("--lang", help=both("cli.opt.lang"))]


@scenario_app.command("list", help=both("cli.scenario.list"))
def list_scripts(lang: LangOption = None) -> None:
    reader = cli_lang(lang)
    out = Console(highlight=False)
    for name in SCRIPTS:
        about = messages.text(f"scenario.{name}.about", reader)
        out.print(f"[bold]{name}[/bold]  {escape(about)}", soft_wrap=True)
    out.print(messages.text("cli.scenario.how", reader))


@scenario_app.command(
    "run",
    help=both("cli.scenario.run"),
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def run(  # noqa: PLR0917 (typer passes the context and the arguments positionally)
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=both("cli.scenario.name"))],
    city: Annotated[str | None, typer.Option("--city", help=both("cli.scenario.city"))] = None,
    out: Annotated[Path | None, typer.Option("--out", help=both("cli.scenario.out"))] = None,
    lang: LangOption = None,
    as_json: Annotated[bool, typer.Option("--json", help=both("cli.scenario.json"))] = False,
) -> None:
    reader = cli_lang(lang)
    if name not in SCRIPTS:
        msg = messages.text("cli.scenario.unknown", reader, name=name, known=", ".join(SCRIPTS))
        raise typer.BadParameter(msg, param_hint="NAME")
    script = importlib.import_module(f"scenarios.{name}")
    folder = out or Path("out") / name
    argv = [*ctx.args, "--out", str(folder), "--lang", reader]
    if city is not None:
        argv += ["--city", city]
    if not as_json:
        code = int(script.main(argv))
        raise typer.Exit(code)

    # JSON: no progress, the script's own lines kept off stdout, then one object
    started = time.time()
    said = io.StringIO()
    with redirect_stdout(said):
        code = int(script.main([*argv, "--quiet"]))
    files = sorted(
        str(path.resolve())
        for path in folder.glob("*")
        if path.is_file() and path.stat().st_mtime >= started - 1
    )
    answer = {
        "script": name,
        "exit_code": code,
        "lang": reader,
        "out": str(folder.resolve()),
        "report": str((folder / "report.md").resolve()) if code == 0 else None,
        "files": files,
        "messages": said.getvalue().splitlines() if code else [],
    }
    typer.echo(json.dumps(answer, ensure_ascii=False))
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario")
