"""The load generator of ``fplan loadtest``: a bounded load on compliance and coverage.

``--clients`` clients (asyncio tasks sharing one HTTP/1.1 connection pool, one connection each)
send requests back to back, or with ``--think-s`` between them, for ``--duration-s`` seconds,
each cycling through the targets. Every request says ``Accept-Encoding: gzip, deflate``, as a
browser does; the bodies are read as they arrive and not inflated (as ``wrk`` or ``hey`` do),
so the latency is the server's and the client's CPU is not one process inflating for fifty.
Every target is requested once before the clock starts, so a compliance run is computed and
stored then and the load measures the cached path. The report gives per target the requests,
errors (transport failures and non-2xx answers), p50 / p95 / p99 / max latency in
milliseconds, the request rate, the answers' content codings and their mean size on the wire.

The command (:mod:`app.cli.loadtest`) starts the server on loopback unless given ``--url``
(:mod:`tools.loopback`). The client side needs ``aiohttp`` (a dev dependency).
"""

import asyncio
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rich.console import Console

from geo import messages
from geo.messages import Lang

# a request slower than this counts as an error (and frees its client); above the server's own
# computation deadline (compute_timeout_s, 120 s by default), so the server's 503/504 are seen
REQUEST_TIMEOUT_S = 180.0
# what the clients accept, as a browser (Chromium also names br and zstd, which fplan never sends)
ACCEPT_ENCODING = "gzip, deflate"


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
    # answers by Content-Encoding ("identity" without one), and their mean bytes on the wire
    encodings: dict[str, int] = field(default_factory=dict)
    body_bytes: float = 0.0


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
    sizes = dict.fromkeys(names, 0)
    async with aiohttp.ClientSession(
        base_url,
        headers={"Accept-Encoding": ACCEPT_ENCODING, **headers},
        connector=connector,
        timeout=timeout,
        auto_decompress=False,
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
                entry = stats[name]
                try:
                    async with client.get(targets[name]) as response:
                        sizes[name] += len(await response.read())
                    status = str(response.status)
                    failed = not response.ok
                    coding = response.headers.get("Content-Encoding", "identity")
                    entry.encodings[coding] = entry.encodings.get(coding, 0) + 1
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status, failed = type(exc).__name__, True
                latencies[name].append((time.perf_counter() - start) * 1000.0)
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
        entry.body_bytes = sizes[name] / entry.requests if entry.requests else 0.0
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


def print_stats(
    console: Console,
    stats: Sequence[TargetStats],
    *,
    clients: int,
    duration_s: float,
    lang: Lang = messages.DEFAULT_LANG,
) -> None:
    """The statistics as a table on ``console``, then the errors of each target, in ``lang``."""
    from rich.table import Table

    def t(key: str, **fields: object) -> str:
        return messages.text(f"loadtest.{key}", lang, **fields)

    table = Table(title=t("title", clients=clients, seconds=f"{duration_s:g}"))
    for column in ("target", "requests", "errors", "p50", "p95", "p99", "max", "per_second"):
        table.add_column(t(f"col.{column}"), justify="right" if column != "target" else "left")
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
            said = t("errors", target=s.name, n=s.errors, statuses=s.statuses)
            console.print(said, style="red", markup=False)
