"""The tests' loopback server: a free port, a server process, and the app served by it.

``free_port`` and ``serve_loopback`` come from :mod:`tools.loopback` (as ``fplan loadtest`` uses
them); ``python -m tests._net`` serves the app for the tests that need a real server.

The app runs on the given database with the norm catalogues of ``--norms`` (a folder holding
``catalogue/`` and ``seeds/``, as ``tests.fixtures.compliance_city.tiny_norms`` writes it), in
a process of its own, so parallel requests really run in parallel and the load generator does
not share the server's interpreter.
"""

import argparse
from pathlib import Path

import uvicorn

from app.api.deps import get_norm_catalogues
from app.main import create_app
from app.services.norms import NormCatalogues
from app.settings import Settings
from tests.fixtures.compliance_city import norms_in
from tools.loopback import free_port, serve_loopback

__all__ = ["free_port", "main", "serve_loopback"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--norms", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    settings = Settings(database_url=args.database_url, cache_dir=args.cache_dir)
    app = create_app(settings)
    norms = norms_in(args.norms)

    async def fixed_norms() -> NormCatalogues:
        # a coroutine, like the dependency it replaces: no thread-pool hop per request
        return norms

    app.dependency_overrides[get_norm_catalogues] = fixed_norms
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
