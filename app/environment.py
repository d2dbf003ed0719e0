"""The settings the environment gives, read without pydantic (for the commands that only look).

:class:`app.settings.Settings` reads the ``APP_*`` variables with pydantic-settings, which takes
about 0.1 s to import: more than a listing command (``fplan cities``, ``token list`` …) spends
on everything else. Those commands read the few settings they need here instead, as
pydantic-settings does (a name in any case; of several spellings, the last in the environment;
an empty value is an empty path), with the defaults :class:`Settings` itself takes from this
module, so the two cannot disagree (a test compares them). Nothing here imports beyond the
standard library.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# the local Debian cluster that `make run` starts is the embedded default
DEFAULT_DATABASE_URL = "postgresql+psycopg://fplan:fplan@127.0.0.1:5432/fplan"
# the service's caches (networks, catalogue keys …) when APP_CACHE_DIR is not set
DEFAULT_CACHE_DIR = PROJECT_ROOT / ".cache"
PREFIX = "APP_"


def shared_dir(name: str) -> Path | None:
    """Return ``../shared/<name>`` beside the project (or the working directory) when it exists."""
    for base in (PROJECT_ROOT, Path.cwd()):
        candidate = (base / ".." / "shared" / name).resolve()
        if candidate.is_dir():
            return candidate
    return None


def setting(field: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The environment's value of the setting ``field`` (``APP_<FIELD>`` in any case), or None."""
    wanted = f"{PREFIX}{field}".lower()
    found = None
    # pydantic-settings matches names case-insensitively and keeps the last match
    for name, value in (os.environ if environ is None else environ).items():
        if name.lower() == wanted:
            found = value
    return found


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """The SQLAlchemy URL of the database (``APP_DATABASE_URL``)."""
    url = setting("database_url", environ)
    return DEFAULT_DATABASE_URL if url is None else url


@dataclass(frozen=True)
class Folders:
    """The folders of the settings a listing reads (:class:`app.settings.Settings`'s fields).

    Attributes
    ----------
    plans_dir
        The plan texts (``APP_PLANS_DIR``; ``../shared/plans`` when it exists).
    norms_dir
        A planner's own catalogues (``APP_NORMS_DIR``), or None.
    cache_dir
        The service's caches (``APP_CACHE_DIR``).
    """

    plans_dir: Path | None
    norms_dir: Path | None
    cache_dir: Path


def folders(environ: Mapping[str, str] | None = None) -> Folders:
    """The folders the environment names, with :class:`app.settings.Settings`'s defaults."""
    plans = setting("plans_dir", environ)
    norms = setting("norms_dir", environ)
    cache = setting("cache_dir", environ)
    return Folders(
        plans_dir=Path(plans) if plans is not None else shared_dir("plans"),
        norms_dir=Path(norms) if norms is not None else None,
        cache_dir=Path(cache) if cache is not None else DEFAULT_CACHE_DIR,
    )
