"""``fplan serve``: the API and the map over HTTP."""

import typer

from app.cli._help import both


def serve(
    host: str | None = typer.Option(None, help=both("cli.serve.host")),
    port: int | None = typer.Option(None, help=both("cli.serve.port")),
    workers: int = typer.Option(1, min=1, max=64, help=both("cli.serve.workers")),
) -> None:
    """Serve the API and the map."""
    import uvicorn

    from app.settings import get_settings

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    if workers == 1:
        from app.main import create_app

        uvicorn.run(create_app(settings), host=host, port=port)
    else:
        # each process builds its app from the environment's settings (APP_*)
        uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers)


def register(app: typer.Typer) -> None:
    app.command("serve", help=both("cli.serve.help"))(serve)
