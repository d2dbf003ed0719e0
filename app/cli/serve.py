"""``fplan serve``: the API and the map over HTTP."""

import typer


def serve(
    host: str | None = typer.Option(None, help="address to bind (default: APP_HOST or 127.0.0.1)"),
    port: int | None = typer.Option(None, help="port (default: APP_PORT or 8000)"),
    workers: int = typer.Option(
        1, min=1, max=64, help="server processes; each keeps its own answer cache"
    ),
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
    app.command("serve")(serve)
