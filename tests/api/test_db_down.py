"""The database goes away and comes back: 503 without a traceback, then recovery by itself.

The test runs its own throwaway PostgreSQL cluster (``pg_createcluster`` on a free port), so
stopping it disturbs no other test or developer using the machine's main cluster; it is dropped
at the end. The app is built once and never restarted: the pool's pre-ping replaces the dead
connections when the database is back.
"""

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.db.local import ensure_local_database
from app.db.migrate import upgrade_database
from app.main import create_app
from app.schemas.token import TokenCreate
from app.services.auth import create_token
from app.settings import Settings
from tests._net import free_port

PG_VERSION = "15"
# psycopg's connect timeout while the cluster is down, seconds: keeps the test quick
CONNECT_TIMEOUT_S = 2


def _cluster(action: str, name: str) -> None:
    subprocess.run(["pg_ctlcluster", PG_VERSION, name, action], check=True, capture_output=True)


@pytest.fixture(scope="module")
def fault_cluster(settings: Settings) -> Iterator[tuple[str, str]]:
    """(cluster name, database URL) of a fresh migrated cluster, dropped afterwards."""
    name = f"fplan_fault_{os.getpid()}"
    port = free_port()
    subprocess.run(
        ["pg_createcluster", PG_VERSION, name, "--port", str(port)],
        check=True,
        capture_output=True,
    )
    try:
        base = make_url(settings.database_url)
        url = base.set(port=port, database="fplan_fault").render_as_string(hide_password=False)
        ensure_local_database(url)
        upgrade_database(url)
        yield name, url
    finally:
        subprocess.run(
            ["pg_dropcluster", "--stop", PG_VERSION, name], check=False, capture_output=True
        )


def _cluster_pids(name: str) -> list[int]:
    """The throwaway cluster's postmaster and its children (each backend leads its own session)."""
    pid_file = Path(f"/var/lib/postgresql/{PG_VERSION}/{name}/postmaster.pid")
    postmaster = int(pid_file.read_text().split()[0])
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # after the command: state, then the parent pid
        if int(fields[1]) == postmaster:
            children.append(int(stat.parent.name))
    return [postmaster, *children]


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            continue


def test_hung_database_is_a_503_within_seconds(
    fault_cluster: tuple[str, str], settings: Settings
) -> None:
    """A stalled database (SIGSTOP: a partition, a storage stall) answers nothing at all."""
    name, url = fault_cluster
    app = create_app(
        settings.model_copy(
            update={
                "database_url": url,
                "db_connect_timeout_s": CONNECT_TIMEOUT_S,
                "db_statement_timeout_s": 3.0,
            }
        )
    )
    with TestClient(app) as client:
        # warm the pool: the next requests reuse connections whose server is about to stall
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/v1/facilities").status_code == 200
        pids = _cluster_pids(name)
        _signal_all(pids, signal.SIGSTOP)
        try:
            start = time.monotonic()
            health = client.get("/api/v1/health")
            health_s = time.monotonic() - start
            assert health.status_code == 503, health.text
            assert health.json()["error"]["code"] == "database_unavailable"
            assert health_s < 5, health_s
            start = time.monotonic()
            data = client.get("/api/v1/facilities")
            assert data.status_code == 503, data.text
            assert time.monotonic() - start < 15
        finally:
            _signal_all(pids, signal.SIGCONT)
        # the stalled connections were dropped: the service answers again without a restart
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/v1/facilities").status_code == 200


def test_503_while_down_and_recovery_without_restart(
    fault_cluster: tuple[str, str], settings: Settings
) -> None:
    name, url = fault_cluster
    app = create_app(
        settings.model_copy(update={"database_url": url, "db_connect_timeout_s": CONNECT_TIMEOUT_S})
    )
    reads = [
        "/api/v1/health",
        "/api/v1/facilities",
        "/api/v1/facilities/1",
        "/api/v1/regions",
        "/api/v1/regions/430100",
        "/api/v1/compliance?city=430100",
        "/api/v1/gaps?city=430100",
        "/api/v1/coverage?city=430100&facility_type=ems_station&minutes=15",
        "/api/v1/tiles/regions/8/208/108.pbf",
    ]
    with TestClient(app) as client:
        assert client.get("/api/v1/health").status_code == 200
        with app.state.session_factory() as session:
            secret = create_token(session, TokenCreate(name="ops", role="admin")).secret
        admin = {"Authorization": f"Bearer {secret}"}
        assert client.get("/api/v1/tokens", headers=admin).status_code == 200

        _cluster("stop", name)
        try:
            for path in reads:
                response = client.get(path)
                assert response.status_code == 503, (path, response.status_code, response.text)
                assert response.json()["error"]["code"] == "database_unavailable", path
                assert "Traceback" not in response.text
            write = client.post(
                "/api/v1/tokens", json={"name": "x", "role": "viewer"}, headers=admin
            )
            assert write.status_code == 503
        finally:
            _cluster("start", name)

        # no restart of the app: the first request after the database is back succeeds
        start = time.monotonic()
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/v1/facilities").status_code == 200
        assert client.get("/api/v1/tokens", headers=admin).status_code == 200
        assert time.monotonic() - start < 10
