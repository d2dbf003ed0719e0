"""End-to-end cases of ``fplan bench --e2e``: the commands and the service at city scale.

City: Yongzhou (永州市, 431100), prepared by ``fplan demo`` (synthetic network, census
population, synthetic facilities). The cases need the PostgreSQL server of ``APP_DATABASE_URL``
and work in their own database beside it (``<name>_bench_e2e``, with its own network cache
folder), so they never touch the planner's data; the demo case drops and recreates it, so the
city starts empty. Every command runs in a fresh process (``sys.executable``), as a planner
would run it; a case that needs an earlier one's state prepares it first (untimed).

Records: ``case``, ``seconds`` (the timed part, wall clock), ``peak_rss_mb`` (the peak resident
memory of the process that did the work: the command, or the server), ``target_s`` and
``within_target``, plus per case:

``e2e_demo_yongzhou``
    ``fplan demo --city 431100`` from an empty city (regions and census loaded beforehand).
``e2e_check_cold``
    ``fplan check --city 431100 --format json`` with no stored run (a new evaluation).
``e2e_check_reused``
    The same again: the stored run is reused.
``e2e_listing_commands``
    The commands that only look (:data:`LISTING_COMMANDS`: ``--help``, ``--version``, ``cities``,
    ``network list``, ``token list``, ``norms list``, ``scenario list`` …), each run
    :data:`LISTING_RUNS` times in a fresh process after one untimed run: ``<command>_s`` the
    median of each, ``seconds`` the slowest median (``slowest`` names it), against the target.
``e2e_scenario_add_site``
    ``POST /api/v1/scenarios/{id}/changes`` adding one community health centre after the
    other to one scenario, each answered with its quick diff; median over :data:`N_SITES`
    sites after a first one that loads the city into the server (``first_s``): ``seconds``,
    ``max_s``, ``quick_diff_ms`` (the server's own figure for the diff).
``e2e_report_yongzhou``
    ``fplan report --city 431100 --format pdf`` in a fresh process from the prepared city with
    no stored run (the evaluation, the maps and charts, WeasyPrint): ``cpu_s`` (the command's
    user and system time), ``pages``, ``pdf_kb``.
``e2e_compliance_50_clients``
    ``GET /api/v1/compliance?city=431100`` (cached) under 50 concurrent clients for
    :data:`LOAD_SECONDS` s (``tools.loadtest``): ``p50_ms``, ``p95_ms`` (``seconds`` is the p95),
    ``p99_ms``, ``requests``, ``errors``, ``per_second``; the clients send ``Accept-Encoding``
    as a browser does (``accept_encoding``), and the answers' coding (``content_encoding``)
    and mean size on the wire (``body_kb``) are recorded.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import BenchOptions, Record

E2E_CITY = "431100"
# sites of the scenario case: community health centres in and around Yongzhou's centre (WGS84)
SITES = (
    (111.613, 26.420),
    (111.590, 26.445),
    (111.640, 26.400),
    (111.560, 26.230),
    (111.620, 26.460),
    (111.700, 26.380),
)
N_SITES = len(SITES) - 1
# the commands that only look, by the name of their field, and the whole-process runs of each
LISTING_COMMANDS = {
    "help": ("--help",),
    "version": ("--version",),
    "cities": ("cities",),
    "network_list": ("network", "list"),
    "token_list": ("token", "list"),
    "token_list_json": ("token", "list", "--json"),
    "norms_list": ("norms", "list", "--city", E2E_CITY),
    "scenario_list": ("scenario", "list"),
    "check_help": ("check", "--help"),
}
LISTING_RUNS = 10
LOAD_CLIENTS = 50
LOAD_SECONDS = 10.0
# the targets of issue "Speed", seconds
TARGETS_S = {
    "e2e_demo_yongzhou": 15.0,
    "e2e_check_cold": 3.0,
    "e2e_check_reused": 1.0,
    # issue "Speed" 4: a command that does not compute answers in < 0.3 s (the whole process)
    "e2e_listing_commands": 0.3,
    "e2e_scenario_add_site": 0.3,
    # issue "What a planner reads": the PDF report of a prepared city in < 20 s
    "e2e_report_yongzhou": 20.0,
    "e2e_compliance_50_clients": 0.060,
}

# runs the command line in this interpreter, then writes the process's peak memory (KiB) to the
# file named by FPLAN_BENCH_RSS, whatever the exit
_RUNNER = """
import os, resource, sys
from app.cli import main
sys.argv = ["fplan", *sys.argv[1:]]
try:
    main()
finally:
    with open(os.environ["FPLAN_BENCH_RSS"], "w") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""


def _environment() -> dict[str, str]:
    """The environment of every process of these cases: the bench database and cache folder."""
    from sqlalchemy.engine import make_url

    from app.settings import Settings

    settings = Settings()
    base = make_url(settings.database_url)
    url = base.set(database=f"{base.database or 'fplan'}_bench_e2e")
    return {
        **os.environ,
        "APP_DATABASE_URL": url.render_as_string(hide_password=False),
        "APP_CACHE_DIR": str(settings.cache_dir / "bench-e2e"),
        # one numba cache with the planner's commands: compiled code is not what is measured
        "NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", str(settings.cache_dir / "numba")),
    }


def _fplan(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """Run ``fplan args`` in a fresh process: ``(seconds, peak_rss_mb, stdout)``; fails loudly."""
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _RUNNER, *args],
            env={**env, "FPLAN_BENCH_RSS": rss.name},
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        peak_kib = float(Path(rss.name).read_text() or 0)
    if done.returncode != 0:
        msg = f"fplan {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}"
        raise RuntimeError(msg)
    return seconds, peak_kib / 1024.0, done.stdout


def _database(env: dict[str, str], *, fresh: bool) -> None:
    """The bench database migrated with Hunan's regions and census; dropped first when ``fresh``."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(env["APP_DATABASE_URL"])
    if fresh:
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        finally:
            admin.dispose()
    _fplan(env, "db", "up")
    _fplan(env, "db", "migrate")
    _fplan(env, "load", "hunan", "--if-empty")


def _prepared(env: dict[str, str]) -> None:
    """The bench database with Yongzhou prepared (what is missing is loaded; untimed)."""
    _database(env, fresh=False)
    _fplan(env, "demo", "--city", E2E_CITY)


def _record(case: str, seconds: float, peak_rss_mb: float, **extra: Any) -> Record:
    target = TARGETS_S[case]
    return {
        "case": case,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb,
        "target_s": target,
        "within_target": seconds < target,
        "city": E2E_CITY,
        "synthetic": True,
        **extra,
    }


def demo_yongzhou(options: BenchOptions) -> Record:
    """``fplan demo`` of Yongzhou from an empty city."""
    env = _environment()
    _database(env, fresh=True)
    seconds, peak, _ = _fplan(env, "demo", "--city", E2E_CITY)
    return _record("e2e_demo_yongzhou", seconds, peak)


def _forget_runs(env: dict[str, str]) -> None:
    """Delete the city's stored evaluations, so the next check computes one."""
    from sqlalchemy import create_engine, text

    engine = create_engine(env["APP_DATABASE_URL"])
    try:
        with engine.begin() as conn:
            conn.execute(
                text("DELETE FROM evaluation_runs WHERE city_adcode = :city"), {"city": E2E_CITY}
            )
    finally:
        engine.dispose()


def check_cold(options: BenchOptions) -> Record:
    """``fplan check`` of Yongzhou with no stored run: a new evaluation, in a fresh process."""
    env = _environment()
    _prepared(env)
    _forget_runs(env)
    seconds, peak, out = _fplan(env, "check", "--city", E2E_CITY, "--format", "json")
    results = len(json.loads(out)["results"])
    return _record("e2e_check_cold", seconds, peak, results=results)


def check_reused(options: BenchOptions) -> Record:
    """``fplan check`` of Yongzhou answered from its stored run, in a fresh process."""
    env = _environment()
    _prepared(env)
    _fplan(env, "check", "--city", E2E_CITY, "--format", "json")
    seconds, peak, out = _fplan(env, "check", "--city", E2E_CITY, "--format", "json")
    results = len(json.loads(out)["results"])
    return _record("e2e_check_reused", seconds, peak, results=results)


def listing_commands(options: BenchOptions) -> Record:
    """The commands that only look, each as a whole process, on the prepared city."""
    env = _environment()
    _prepared(env)
    medians: dict[str, float] = {}
    peak = 0.0
    for name, args in LISTING_COMMANDS.items():
        # untimed: a first listing of changed catalogue files loads and keeps them
        _fplan(env, *args)
        runs = [_fplan(env, *args) for _ in range(LISTING_RUNS)]
        medians[name] = statistics.median(seconds for seconds, _, _ in runs)
        peak = max(peak, *(rss for _, rss, _ in runs))
    slowest = max(medians, key=medians.__getitem__)
    per_command = {f"{name}_s": seconds for name, seconds in medians.items()}
    return _record("e2e_listing_commands", medians[slowest], peak, slowest=slowest, **per_command)


def report_yongzhou(options: BenchOptions) -> Record:
    """``fplan report`` of Yongzhou as an A4 PDF from the prepared city, in a fresh process."""
    env = _environment()
    _prepared(env)
    _forget_runs(env)
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "yongzhou.pdf"
        # the command's own CPU time too: on a shared machine the wall clock waits for others
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds, peak, _ = _fplan(
            env, "report", "--city", E2E_CITY, "--format", "pdf", "--out", str(pdf)
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        pages = _pdf_pages(pdf)
        size_kb = pdf.stat().st_size / 1024.0
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return _record(
        "e2e_report_yongzhou",
        seconds,
        peak,
        cpu_s=round(cpu_s, 2),
        pages=pages,
        pdf_kb=round(size_kb, 1),
    )


def _pdf_pages(pdf: Path) -> int:
    """Pages of a PDF, read by poppler's ``pdfinfo`` (Debian ``poppler-utils``)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = next(line for line in info.stdout.splitlines() if line.startswith("Pages:"))
    return int(pages.split()[1])


def _server_rss_mb(pid: int) -> float:
    """Peak resident memory of a running process, MiB (``VmHWM`` of /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024.0
    return float("nan")


def scenario_add_site(options: BenchOptions) -> Record:
    """One added site's quick diff over HTTP, site after site in one scenario (median)."""
    import httpx

    env = _environment()
    _prepared(env)
    _, _, out = _fplan(env, "token", "create", "--role", "planner", "--name", "bench", "--json")
    headers = {"Authorization": f"Bearer {json.loads(out)['secret']}"}
    with _server(env) as (base_url, pid), httpx.Client(base_url=base_url, timeout=600) as http:
        created = http.post(
            "/api/v1/scenarios", json={"city": E2E_CITY, "name": "bench"}, headers=headers
        )
        created.raise_for_status()
        changes = f"/api/v1/scenarios/{created.json()['id']}/changes"
        seconds, quick_ms = [], []
        # one site after the other, as a planner places them on the map
        for lon, lat in SITES:
            change = {
                "kind": "add",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"name": "基准测试中心", "type": "community_health_center"},
            }
            start = time.perf_counter()
            answer = http.post(changes, json=change, headers=headers)
            seconds.append(time.perf_counter() - start)
            answer.raise_for_status()
            quick_ms.append(float(answer.json()["quick_diff"]["ms"]))
        peak = _server_rss_mb(pid)
    # the first site loads the city into the server (its own figure); the rest are the measure
    return _record(
        "e2e_scenario_add_site",
        statistics.median(seconds[1:]),
        peak,
        first_s=seconds[0],
        max_s=max(seconds[1:]),
        quick_diff_ms=statistics.median(quick_ms[1:]),
        sites=N_SITES,
    )


def compliance_under_load(options: BenchOptions) -> Record:
    """Cached ``/compliance`` of Yongzhou under 50 concurrent clients: p95 latency."""
    from tools.loadtest import ACCEPT_ENCODING, run_load

    env = _environment()
    _prepared(env)
    with _server(env) as (base_url, pid):
        (stats,) = run_load(
            base_url,
            {"compliance": f"/api/v1/compliance?city={E2E_CITY}"},
            clients=LOAD_CLIENTS,
            duration_s=LOAD_SECONDS,
        )
        peak = _server_rss_mb(pid)
    record = _record("e2e_compliance_50_clients", stats.p95_ms / 1e3, peak)
    record.update(
        clients=LOAD_CLIENTS,
        duration_s=LOAD_SECONDS,
        p50_ms=stats.p50_ms,
        p95_ms=stats.p95_ms,
        p99_ms=stats.p99_ms,
        requests=stats.requests,
        errors=stats.errors,
        per_second=stats.per_second,
        accept_encoding=ACCEPT_ENCODING,
        content_encoding=",".join(sorted(stats.encodings)),
        body_kb=round(stats.body_bytes / 1024.0, 1),
    )
    return record


class _server:  # noqa: N801 (used as a context manager, like a function)
    """``fplan serve`` (one worker) on a free loopback port with ``env``: ``(url, pid)``."""

    def __init__(self, env: dict[str, str]) -> None:
        from tools.loopback import free_port

        self.env = env
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> tuple[str, int]:
        from tools.loopback import wait_until_up

        self.process = subprocess.Popen(
            [sys.executable, "-c", _RUNNER, "serve", "--port", str(self.port)],
            env={**self.env, "FPLAN_BENCH_RSS": os.devnull},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{self.port}"
        wait_until_up(f"{url}/api/v1/health", timeout_s=120.0, process=self.process)
        return url, self.process.pid

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
