"""The embedded default database: the local Debian PostgreSQL cluster.

``make run`` and ``make test`` call :func:`ensure_local_database` so a fresh machine needs no
configuration. Postgres refuses to run as root, so the cluster is driven with ``pg_ctlcluster``
and administered as the ``postgres`` user. A URL that points elsewhere is left alone.
"""

import os
import shutil
import subprocess
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from app.errors import ConfigurationError

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Cluster:
    version: str
    name: str
    port: int
    running: bool


def is_local_url(database_url: str) -> bool:
    """True when the URL names a database on this machine that we may create."""
    return (make_url(database_url).host or "localhost") in LOCAL_HOSTS


def list_clusters() -> list[Cluster]:
    """Return the Debian clusters that ``pg_lsclusters`` reports."""
    if shutil.which("pg_lsclusters") is None:
        raise ConfigurationError.worded("db.error.not_installed")
    out = subprocess.run(["pg_lsclusters", "-h"], check=True, capture_output=True, text=True).stdout
    clusters = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4:
            clusters.append(Cluster(parts[0], parts[1], int(parts[2]), parts[3] == "online"))
    return clusters


def _as_postgres(args: list[str], *, sql_input: str | None = None) -> str:
    prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
    done = subprocess.run(
        [*prefix, *args], check=True, capture_output=True, text=True, input=sql_input, cwd="/"
    )
    return done.stdout


Step = tuple[str, dict[str, object]]


def ensure_local_database(database_url: str) -> list[Step]:
    """Start the local cluster if needed and create the URL's role and database.

    Returns what was done, as message-catalogue keys with their fields (``db.step.*``). The
    role is a superuser of this local cluster because ``CREATE EXTENSION postgis`` (the first
    migration) requires one.
    """
    if not is_local_url(database_url):
        return [("db.step.remote", {})]
    url = make_url(database_url)
    port = url.port or 5432
    clusters = list_clusters()
    cluster = next((c for c in clusters if c.port == port), None)
    if cluster is None:
        raise ConfigurationError.worded("db.error.no_cluster", port=port)
    actions: list[Step] = []
    if not cluster.running:
        subprocess.run(["pg_ctlcluster", cluster.version, cluster.name, "start"], check=True)
        actions.append(("db.step.started", {"cluster": f"{cluster.version}/{cluster.name}"}))
    params = {
        "role": url.username or "fplan",
        "password": url.password or "",
        "dbname": url.database or "fplan",
    }
    # psql interpolates :'var' (literal) and :"var" (identifier) safely from -v values
    psql = ["psql", "-p", str(port), "-v", "ON_ERROR_STOP=1", "-qAt"]
    psql += [arg for key, value in params.items() for arg in ("-v", f"{key}={value}")]
    if not _as_postgres(psql, sql_input="SELECT 1 FROM pg_roles WHERE rolname = :'role'").strip():
        _as_postgres(psql, sql_input="CREATE ROLE :\"role\" LOGIN SUPERUSER PASSWORD :'password'")
        actions.append(("db.step.role", {"role": params["role"]}))
    db_exists = _as_postgres(psql, sql_input="SELECT 1 FROM pg_database WHERE datname = :'dbname'")
    if not db_exists.strip():
        _as_postgres(psql, sql_input='CREATE DATABASE :"dbname" OWNER :"role"')
        actions.append(("db.step.created", {"database": params["dbname"]}))
    return actions or [("db.step.ready", {"database": params["dbname"], "port": port})]
