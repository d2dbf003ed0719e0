"""``fplan loadtest``: a bounded load on the compliance and coverage endpoints over loopback.

``--clients`` clients (asyncio tasks sharing one HTTP/1.1 connection pool, one connection each)
send requests back to back, or with ``--think-s`` between them, for ``--duration-s`` seconds,
each cycling through the targets. Every target is requested once before the clock starts, so a
compliance run is computed and stored then and the load measures the cached path. The report
gives per target the requests, errors (transport failures and non-2xx answers), p50 / p95 / p99
/ max latency in milliseconds and the request rate.

Without ``--url`` the command starts ``uvicorn app.main:create_app --factory`` on a free loopback
port with the environment's settings (``APP_*``), waits for ``/api/v1/health`` and stops it at
the end. The client side needs ``aiohttp`` (a dev dependency).
"""

import asyncio
import json
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Annotated

import typer

from app.cli._console import console

# a request slower than this counts as an error (and frees its client); above the server's own
# computation deadline (compute_timeout_s, 120 s by default), so the server's 503/504 are seen
REQUEST_TIMEOUT_S = 180.0


@dataclass
class TargetStats:
    """What one target answered under load; latencies in milliseconds."""

    name: str
    path: str
    requests: int = 0
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    p50_ms: float = math.nan
    p95_ms: float = math.nan
    p99_ms: float = math.nan
    max_ms: float = math.nan
    per_second: float = 0.0


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q ≤ 100) of values sorted ascending."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


async def _load(
    base_url: str,
    targets: Mapping[str, str],
    *,
    clients: int,
    duration_s: float,
    think_s: float,
    headers: Mapping[str, str],
) -> list[TargetStats]:
    import aiohttp

    names = list(targets)
    latencies: dict[str, list[float]] = {name: [] for name in names}
    stats = {name: TargetStats(name, targets[name]) for name in names}
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(
        base_url, headers=dict(headers), connector=connector, timeout=timeout
    ) as client:
        # warm-up, not counted: fills the stored runs, the network cache and the answer cache
        for name in names:
            async with client.get(targets[name]) as response:
                await response.read()
        deadline = time.perf_counter() + duration_s

        async def one_client(offset: int) -> None:
            turn = offset
            while time.perf_counter() < deadline:
                name = names[turn % len(names)]
                turn += 1
                start = time.perf_counter()
                try:
                    async with client.get(targets[name]) as response:
                        await response.read()
                    status = str(response.status)
                    failed = not response.ok
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status, failed = type(exc).__name__, True
                latencies[name].append((time.perf_counter() - start) * 1000.0)
                entry = stats[name]
                entry.requests += 1
                entry.errors += int(failed)
                entry.statuses[status] = entry.statuses.get(status, 0) + 1
                if think_s > 0:
                    await asyncio.sleep(think_s)

        started = time.perf_counter()
        await asyncio.gather(*(one_client(i) for i in range(clients)))
        elapsed = time.perf_counter() - started
    for name in names:
        values = sorted(latencies[name])
        entry = stats[name]
        entry.p50_ms, entry.p95_ms = percentile(values, 50), percentile(values, 95)
        entry.p99_ms, entry.max_ms = percentile(values, 99), (values[-1] if values else math.nan)
        entry.per_second = entry.requests / elapsed if elapsed > 0 else 0.0
    return [stats[name] for name in names]


def run_load(
    base_url: str,
    targets: Mapping[str, str],
    *,
    clients: int,
    duration_s: float,
    think_s: float = 0.0,
    headers: Mapping[str, str] | None = None,
) -> list[TargetStats]:
    """Load ``targets`` (name → path with query) of ``base_url``; return their statistics.

    Parameters
    ----------
    base_url
        The server, e.g. ``http://127.0.0.1:8123``.
    targets
        Name → path and query string of a GET request.
    clients
        Concurrent clients, each with its own connection.
    duration_s
        Seconds of load after the warm-up; a request under way at the end is still counted.
    think_s
        Pause of each client between its requests, seconds (0: back to back).
    headers
        Sent with every request (e.g. an Authorization header).
    """
    return asyncio.run(
        _load(
            base_url,
            targets,
            clients=clients,
            duration_s=duration_s,
            think_s=think_s,
            headers=headers or {},
        )
    )


def free_port() -> int:
    """A TCP port free on loopback now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, *, timeout_s: float, process: subprocess.Popen[bytes]) -> None:
    """Poll ``url`` until it answers 200; raise if the process exits or the time runs out."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"the server exited with code {process.returncode} before answering"
            raise RuntimeError(msg)
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    msg = f"the server did not answer {url} within {timeout_s:g} s"
    raise RuntimeError(msg)


@contextmanager
def serve_loopback(
    command: Sequence[str], *, port: int, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Run a server ``command`` (listening on ``port``) until the block ends; yield its URL."""
    process = subprocess.Popen(
        list(command), env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base_url}/api/v1/health", timeout_s=60.0, process=process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _print(stats: Sequence[TargetStats], *, clients: int, duration_s: float) -> None:
    from rich.table import Table

    table = Table(title=f"{clients} clients for {duration_s:g} s")
    for column in ("target", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s"):
        table.add_column(column, justify="right" if column != "target" else "left")
    for s in stats:
        table.add_row(
            s.name,
            str(s.requests),
            str(s.errors),
            f"{s.p50_ms:.1f}",
            f"{s.p95_ms:.1f}",
            f"{s.p99_ms:.1f}",
            f"{s.max_ms:.1f}",
            f"{s.per_second:.1f}",
        )
    console.print(table)
    for s in stats:
        if s.errors:
            console.print(f"[red]{s.name}: {s.errors} errors[/red] {s.statuses}")


def loadtest(
    *,
    city: Annotated[str, typer.Option(help="adcode of a prepared city")] = "430100",
    url: Annotated[
        str | None, typer.Option(help="a running server; default: start one on loopback")
    ] = None,
    clients: Annotated[int, typer.Option(min=1, max=1000, help="concurrent clients")] = 50,
    duration_s: Annotated[float, typer.Option(min=0.1, max=3600, help="seconds of load")] = 30.0,
    think_s: Annotated[float, typer.Option(min=0, help="pause between a client's requests")] = 0.0,
    facility_type: Annotated[str, typer.Option(help="coverage: facility type")] = (
        "general_hospital"
    ),
    minutes: Annotated[float, typer.Option(help="coverage: minutes")] = 30.0,
    token: Annotated[
        str | None, typer.Option(envvar="FPLAN_TOKEN", help="API token, if reads need one")
    ] = None,
    server_workers: Annotated[
        int, typer.Option(min=1, max=16, help="processes of the server it starts (not --url)")
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="print the statistics as JSON")] = False,
) -> None:
    """Load the compliance and coverage endpoints of CITY; exit 1 on any error."""
    try:
        import aiohttp  # noqa: F401  (only to say what is missing)
    except ImportError as exc:
        msg = "the load generator needs aiohttp: install the dev dependencies (make setup)"
        raise typer.BadParameter(msg) from exc
    targets = {
        "compliance": f"/api/v1/compliance?city={city}",
        "coverage": (
            f"/api/v1/coverage?city={city}&facility_type={facility_type}"
            f"&minutes={minutes:g}&mode=drive"
        ),
    }
    headers = {"Authorization": f"Bearer {token}"} if token else {}

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
        _print(stats, clients=clients, duration_s=duration_s)
    if any(s.errors for s in stats):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("loadtest")(loadtest)
