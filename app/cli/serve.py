"""``fplan serve``: the API and the map over HTTP."""

import typer

from app.settings import get_settings


def serve(
    host: str | None = typer.Option(None, help="address to bind (default: APP_HOST or 127.0.0.1)"),
    port: int | None = typer.Option(None, help="port (default: APP_PORT or 8000)"),
) -> None:
    """Serve the API and the map."""
    import uvicorn

    from app.main import create_app

    settings = get_settings()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
