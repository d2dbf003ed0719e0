"""``fplan loadtest``: a bounded load on the compliance and coverage endpoints over loopback.

The load generator is :mod:`tools.loadtest` (imported when the command runs; its client side
needs ``aiohttp``, a dev dependency). Without ``--url`` the command starts ``uvicorn
app.main:create_app --factory`` on a free loopback port with the environment's settings
(``APP_*``), waits for ``/api/v1/health`` and stops it at the end.
"""

import json
import math
import sys
from dataclasses import asdict
from typing import Annotated

import typer

from app.cli._console import console
from app.cli._help import both, reader_lang, say


def loadtest(
    *,
    city: Annotated[str, typer.Option(help=both("cli.loadtest.city"))] = "430100",
    url: Annotated[str | None, typer.Option(help=both("cli.loadtest.url"))] = None,
    clients: Annotated[int, typer.Option(min=1, max=1000, help=both("cli.loadtest.clients"))] = 50,
    duration_s: Annotated[
        float, typer.Option(min=0.1, max=3600, help=both("cli.loadtest.duration_s"))
    ] = 30.0,
    think_s: Annotated[float, typer.Option(min=0, help=both("cli.loadtest.think_s"))] = 0.0,
    facility_type: Annotated[str, typer.Option(help=both("cli.loadtest.facility_type"))] = (
        "general_hospital"
    ),
    minutes: Annotated[float, typer.Option(help=both("cli.loadtest.minutes"))] = 30.0,
    token: Annotated[
        str | None, typer.Option(envvar="FPLAN_TOKEN", help=both("cli.loadtest.token"))
    ] = None,
    server_workers: Annotated[
        int, typer.Option(min=1, max=16, help=both("cli.loadtest.server_workers"))
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help=both("cli.loadtest.json"))] = False,
) -> None:
    """Load the compliance and coverage endpoints of CITY; exit 1 on any error."""
    try:
        import aiohttp  # noqa: F401  (only to say what is missing)
    except ImportError as exc:
        msg = say("cli.loadtest.needs_aiohttp")
        raise typer.BadParameter(msg) from exc
    targets = {
        "compliance": f"/api/v1/compliance?city={city}",
        "coverage": (
            f"/api/v1/coverage?city={city}&facility_type={facility_type}"
            f"&minutes={minutes:g}&mode=drive"
        ),
    }
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    from tools.loadtest import TargetStats, print_stats, run_load
    from tools.loopback import free_port, serve_loopback

    def measure(base_url: str) -> list[TargetStats]:
        return run_load(
            base_url,
            targets,
            clients=clients,
            duration_s=duration_s,
            think_s=think_s,
            headers=headers,
        )

    if url is not None:
        stats = measure(url.rstrip("/"))
    else:
        port = free_port()
        command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        # keep idle connections past the think time, or the server closes one as it is reused
        command += ["--timeout-keep-alive", str(max(5, math.ceil(think_s) + 5))]
        if server_workers > 1:
            command += ["--workers", str(server_workers)]
        with serve_loopback(command, port=port) as base_url:
            stats = measure(base_url)
    if as_json:
        typer.echo(json.dumps([asdict(s) for s in stats]))
    else:
        print_stats(console, stats, clients=clients, duration_s=duration_s, lang=reader_lang())
    if any(s.errors for s in stats):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("loadtest", help=both("cli.loadtest.help"))(loadtest)
